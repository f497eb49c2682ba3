import request from 'supertest';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { linkIn, startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';

const NEW_PASSWORD = 'a brand new passphrase of mine';

describe('invitations and password resets, read off a real SMTP server', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://dataroom.example.com', MAIL_POLL_SECONDS: '0.2' }, { mailWorker: true });
    deal = await buildDeal(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const invite = (email: string, name = 'Ivy Invitee', orgId = deal.orgs.alpha.id, role = 'external') => deal.admin.post('/api/users', { email, name, orgId, role });
  const accept = (token: string, password = NEW_PASSWORD) => request(t.app).post('/api/auth/invitation/accept').send({ token, password });

  test('an invited user is mailed a link to PUBLIC_URL/invitation#token=…, cannot sign in before accepting, and is signed in by accepting', async () => {
    const res = await invite('ivy@alpha.example');
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('invited');
    const mail = await smtp.waitFor(to('ivy@alpha.example'));
    const link = linkIn(mail, 'invitation');
    expect(link.url.startsWith('https://dataroom.example.com/invitation#token=')).toBe(true);
    expect(mail.html).toContain(link.url);
    expect((await request(t.app).post('/api/auth/login').send({ email: 'ivy@alpha.example', password: NEW_PASSWORD })).status).toBe(401);

    const agent = request.agent(t.app);
    const accepted = await agent.post('/api/auth/invitation/accept').send({ token: link.token, password: NEW_PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user.email).toBe('ivy@alpha.example');
    expect(accepted.body.mfaEnrolmentRequired).toBe(false);
    expect((await agent.get('/api/me')).body.email).toBe('ivy@alpha.example');
    const listed = await deal.admin.get('/api/users?q=ivy@alpha');
    expect(listed.body.items.map((u: { status: string }) => u.status)).toEqual(['active']);
    await Client.login(t.app, 'ivy@alpha.example', NEW_PASSWORD);
  });

  test('an invitation link works once: a used, an unknown and an expired token get one and the same answer', async () => {
    await invite('uma@alpha.example', 'Uma Used');
    const used = linkIn(await smtp.waitFor(to('uma@alpha.example')), 'invitation').token;
    expect((await accept(used)).status).toBe(200);
    const again = await accept(used, 'yet another long passphrase');
    const unknown = await accept('x'.repeat(43));
    const garbage = await accept('');

    const short = await startTestApp({ SMTP_URL: smtp.url, INVITATION_TTL_HOURS: String(1 / 3600), MAIL_POLL_SECONDS: '0.2' }, { mailWorker: true });
    try {
      const admin = await Client.login(short.app, ADMIN.email, ADMIN.password);
      const seller = (await admin.get('/api/orgs?kind=seller')).body.items[0].id;
      expect((await admin.post('/api/users', { email: 'eve.expired@seller.example', name: 'Eve', orgId: seller, role: 'staff' })).status).toBe(201);
      const expiredToken = linkIn(await smtp.waitFor(to('eve.expired@seller.example')), 'invitation').token;
      await new Promise((r) => setTimeout(r, 1500));
      const expired = await request(short.app).post('/api/auth/invitation/accept').send({ token: expiredToken, password: NEW_PASSWORD });
      for (const res of [again, unknown, garbage, expired]) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual(again.body);
      }
      expect(again.body.error.code).toBe('invalid_token');
    } finally {
      await short.close();
    }
  });

  test('a password that fails the policy is refused naming password, and does not spend the link', async () => {
    await invite('pia@alpha.example', 'Pia Policy');
    const token = linkIn(await smtp.waitFor(to('pia@alpha.example')), 'invitation').token;
    const weak = await accept(token, 'password1234');
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('invalid_request');
    expect(weak.body.error.details.password).toBeDefined();
    expect((await accept(token, 'short')).body.error.details.password).toMatch(/12/);
    expect((await accept(token)).status).toBe(200);
  });

  test('re-inviting mails a new link and the previous one stops working; an active user cannot be re-invited', async () => {
    const created = await invite('rex@alpha.example', 'Rex Reinvite');
    const first = linkIn(await smtp.waitFor(to('rex@alpha.example')), 'invitation').token;
    expect((await deal.admin.post(`/api/users/${created.body.id}/invitation`)).status).toBe(202);
    const second = linkIn(await smtp.waitFor((m) => to('rex@alpha.example')(m) && !m.text!.includes(first)), 'invitation').token;
    expect(second).not.toBe(first);
    expect((await accept(first)).body.error.code).toBe('invalid_token');
    expect((await accept(second)).status).toBe(200);
    const again = await deal.admin.post(`/api/users/${created.body.id}/invitation`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_invited');
  });

  test('disabling an invited user kills their link', async () => {
    const created = await invite('dan@alpha.example', 'Dan Disabled');
    const token = linkIn(await smtp.waitFor(to('dan@alpha.example')), 'invitation').token;
    await deal.admin.post(`/api/users/${created.body.id}/disable`);
    expect((await accept(token)).body.error.code).toBe('invalid_token');
  });

  test('only admins invite, and only with a valid address, a free email and an organisation of the right kind', async () => {
    expect((await deal.manager.post('/api/users', { email: 'x@alpha.example', name: 'X', orgId: deal.orgs.alpha.id, role: 'external' })).status).toBe(403);
    const bad = await invite('not an address');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.email).toBeDefined();
    const taken = await invite(deal.users.buyerA.email);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    const wrongKind = await invite('staffer@alpha.example', 'S', deal.orgs.alpha.id, 'staff');
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.error.details.role).toBeDefined();
    // Nothing was queued for the refused ones.
    const outbox = (await deal.admin.get('/api/admin/mail?limit=1000')).body.items.map((m: { to: string }) => m.to);
    expect(outbox).not.toContain('not an address');
    expect(outbox).not.toContain('staffer@alpha.example');
  });

  test('forgot password answers 202 for any address; only an active user is mailed; the reset ends every session and token', async () => {
    const before = smtp.messages.length;
    const unknown = await request(t.app).post('/api/auth/password/forgot').send({ email: 'nobody@nowhere.example' });
    const known = await request(t.app).post('/api/auth/password/forgot').send({ email: deal.users.buyerB.email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    const mail = await smtp.waitFor((m) => to(deal.users.buyerB.email)(m) && /reset/i.test(m.subject ?? ''));
    expect(smtp.messages.slice(before).some(to('nobody@nowhere.example'))).toBe(false);
    const { token, url } = linkIn(mail, 'reset-password');
    expect(url.startsWith('https://dataroom.example.com/reset-password#token=')).toBe(true);

    const session = await Client.login(t.app, deal.users.buyerB.email, PASSWORD);
    const minted = await session.post('/api/auth/tokens', { name: 'script', currentPassword: PASSWORD });
    expect(minted.status).toBe(201);
    const reset = await request(t.app).post('/api/auth/password/reset').send({ token, password: NEW_PASSWORD });
    expect(reset.status).toBe(204);
    expect((await session.get('/api/me')).status).toBe(401);
    expect((await request(t.app).get('/api/me').set('Authorization', `Bearer ${minted.body.token}`)).status).toBe(401);
    expect((await request(t.app).post('/api/auth/login').send({ email: deal.users.buyerB.email, password: PASSWORD })).status).toBe(401);
    await Client.login(t.app, deal.users.buyerB.email, NEW_PASSWORD);
    const reused = await request(t.app).post('/api/auth/password/reset').send({ token, password: 'and one more passphrase' });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('invalid_token');
    // The owner hears of it.
    await smtp.waitFor((m) => to(deal.users.buyerB.email)(m) && /security notice/i.test(m.subject ?? ''));
  });

  test('an invited (not yet active) user asking for a reset gets no mail; forgot-password is throttled like sign-in', async () => {
    await invite('quinn@alpha.example', 'Quinn Quiet');
    await smtp.waitFor(to('quinn@alpha.example'));
    const before = smtp.messages.filter(to('quinn@alpha.example')).length;
    expect((await request(t.app).post('/api/auth/password/forgot').send({ email: 'quinn@alpha.example' })).status).toBe(202);
    await t.mail!.runOnce();
    expect(smtp.messages.filter(to('quinn@alpha.example')).length).toBe(before);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await request(t.app).post('/api/auth/password/forgot').send({ email: 'target@alpha.example' })).status);
    expect(statuses).toContain(429);
  });

  test('a manager invites a bidder from the party: the mail names the room by its code name only', async () => {
    const r = deal.roomPath;
    const res = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'nina@alpha.example', name: 'Nina New', orgId: deal.orgs.alpha.id });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('invited');
    const mail = await smtp.waitFor(to('nina@alpha.example'));
    expect(`${mail.subject} ${mail.text} ${mail.html}`).toContain('Project Falcon');
    expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toContain('Sale of Falcon');
    const members = (await deal.manager.get(`${r}/parties`)).body.items.find((p: { id: string }) => p.id === deal.parties.A.id).members.map((m: { userId: string }) => m.userId);
    expect(members).toContain(res.body.userId);

    // Someone of another organisation: the address is taken. An organisation outside the party: refused naming orgId.
    const taken = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: deal.users.buyerB.email, name: 'Bob', orgId: deal.orgs.alpha.id });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    const outside = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'olga@beta.example', name: 'Olga', orgId: deal.orgs.beta.id });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details.orgId).toBeDefined();
    // A known person of the party's organisation is taken as they are.
    const known = await deal.manager.post(`${r}/parties/${deal.parties.B.id}/invitations`, { email: deal.users.buyerB.email, name: 'ignored', orgId: deal.orgs.beta.id });
    expect(known.status).toBe(409); // already a member of B
    // Counsel and bidders cannot invite.
    expect((await deal.counsel.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'c@alpha.example', name: 'C', orgId: deal.orgs.alpha.id })).status).toBe(403);
    const bidder = await deal.login('buyerA');
    expect((await bidder.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'c@alpha.example', name: 'C', orgId: deal.orgs.alpha.id })).status).toBe(403);
    expect(await t.db('users').where({ email: 'c@alpha.example' }).first()).toBeUndefined();
  });

  test('with SMTP delivering mail, admins see the outbox but not the secret of an invitation link', async () => {
    const created = await invite('sam@alpha.example', 'Sam Secret');
    const token = linkIn(await smtp.waitFor(to('sam@alpha.example')), 'invitation').token;
    // The server has the mail before the worker records it sent (sent marks are written in groups).
    const sentRow = async () => {
      const outbox = await deal.admin.get('/api/admin/mail?limit=1000');
      return outbox.body.items.find((m: { to: string; status: string }) => m.to === 'sam@alpha.example' && m.status === 'sent');
    };
    let row = await sentRow();
    for (let i = 0; !row && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      row = await sentRow();
    }
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    const read = await deal.admin.get(`/api/admin/mail/${row.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(token);
    // Nor does the database keep it once sent.
    const stored = await t.db('mailOutbox').where({ id: row.id }).first();
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await deal.manager.get('/api/admin/mail')).status).toBe(403);
    expect(created.status).toBe(201);
  });
});

describe('the embedded default: mail as .eml files that admins read', () => {
  let t: TestApp;
  afterAll(() => t.close());

  test('without SMTP_URL each mail is an RFC 5322 file under DATA_DIR/mail and the admin reads its link in the outbox', async () => {
    t = await startTestApp({ MAIL_POLL_SECONDS: '0.2' }, { mailWorker: true });
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const seller = (await admin.get('/api/orgs?kind=seller')).body.items[0].id;
    expect((await admin.post('/api/users', { email: 'fay@seller.example', name: 'Fay File', orgId: seller, role: 'staff' })).status).toBe(201);
    await t.mail!.runOnce();
    const fs = await import('node:fs');
    const path = await import('node:path');
    const files = fs.readdirSync(path.join(t.dataDir, 'mail')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = fs.readFileSync(path.join(t.dataDir, 'mail', files[0]!), 'utf8');
    expect(eml).toMatch(/^To: fay@seller\.example\r$/m);
    expect(eml).toMatch(/^Message-ID: <[0-9a-f-]{36}@127\.0\.0\.1>\r$/m);
    const { simpleParser } = await import('mailparser');
    const parsed = await simpleParser(eml);
    const token = linkIn(parsed, 'invitation').token;
    const outbox = await admin.get('/api/admin/mail');
    const read = await admin.get(`/api/admin/mail/${outbox.body.items[0].id}`);
    expect(read.body.text).toContain(token);
    expect((await request(t.app).post('/api/auth/invitation/accept').send({ token, password: NEW_PASSWORD })).status).toBe(200);
  });
});
