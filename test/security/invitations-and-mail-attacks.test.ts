import request from 'supertest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { linkIn, startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { makePdf } from '../support/fixtures.js';
import { startMailDelivery } from '../../server/mail/mail-delivery.js';
import { createLogger } from '../../server/logger.js';

/**
 * Attacks on invitation and reset links, on the addresses they go to and on what mail says: a careless
 * bidder, a hostile bidder, a malicious insider. Every mail is read off a real SMTP server.
 */

const NEW_PASSWORD = 'a brand new passphrase of mine';
const OTHER_PASSWORD = 'quite another passphrase 2027';

/** Everything a recipient can read of a mail: subject, text and HTML. */
const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;
const sessionCookie = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.sid='))?.split(';')[0];

describe('invitation and reset links: single use, one purpose, exact', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    // A generous per-IP cap: every request here comes from 127.0.0.1 and this suite is not about throttling.
    t = await startTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://dataroom.example.com', MAIL_POLL_SECONDS: '0.2', LOGIN_MAX_FAILURES_PER_IP: '1000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '100' }, { mailWorker: true });
    deal = await buildDeal(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const invite = async (email: string, name = 'Ivy Invitee') => {
    const res = await deal.admin.post('/api/users', { email, name, orgId: deal.orgs.alpha.id, role: 'external' });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, token: linkIn(await smtp.waitFor(to(email)), 'invitation').token };
  };
  const accept = (token: string, password = NEW_PASSWORD) => request(t.app).post('/api/auth/invitation/accept').send({ token, password });
  const reset = (token: string, password = NEW_PASSWORD) => request(t.app).post('/api/auth/password/reset').send({ token, password });
  const forgot = (email: string) => request(t.app).post('/api/auth/password/forgot').send({ email });
  const login = (email: string, password: string) => request(t.app).post('/api/auth/login').send({ email, password });
  /** The newest reset link mailed to an address (after `seen` mails of theirs). */
  const resetLink = async (email: string, seen: number) => {
    const mail = await smtp.waitFor((m) => to(email)(m) && /reset your/i.test(m.subject ?? '') && smtp.messages.filter(to(email)).indexOf(m) >= seen);
    return linkIn(mail, 'reset-password').token;
  };

  test('an accepted invitation cannot be replayed, and two accepts racing with one link: exactly one wins', async () => {
    const { token } = await invite('racer@alpha.example', 'Rita Racer');
    const [a, b] = await Promise.all([accept(token, NEW_PASSWORD), accept(token, OTHER_PASSWORD)]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const winner = a.status === 200 ? NEW_PASSWORD : OTHER_PASSWORD;
    const loser = a.status === 200 ? OTHER_PASSWORD : NEW_PASSWORD;
    expect((a.status === 400 ? a : b).body.error.code).toBe('invalid_token');
    // The password set is the winner's; the loser set nothing.
    expect((await login('racer@alpha.example', winner)).status).toBe(200);
    expect((await login('racer@alpha.example', loser)).status).toBe(401);
    // Replayed later, the link is as dead as an unknown one.
    const replay = await accept(token, 'a third long passphrase here');
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual((await accept('A'.repeat(43))).body);
    expect((await login('racer@alpha.example', 'a third long passphrase here')).status).toBe(401);
  });

  test('two resets racing with one link: exactly one sets the password', async () => {
    const email = deal.users.advisorA.email;
    const seen = smtp.messages.filter(to(email)).length;
    expect((await forgot(email)).status).toBe(202);
    const token = await resetLink(email, seen);
    const [a, b] = await Promise.all([reset(token, NEW_PASSWORD), reset(token, OTHER_PASSWORD)]);
    expect([a.status, b.status].sort()).toEqual([204, 400]);
    const winner = a.status === 204 ? NEW_PASSWORD : OTHER_PASSWORD;
    expect((await login(email, winner)).status).toBe(200);
    expect((await login(email, winner === NEW_PASSWORD ? OTHER_PASSWORD : NEW_PASSWORD)).status).toBe(401);
    // Put it back for the other tests.
    const back = smtp.messages.filter(to(email)).length;
    await forgot(email);
    expect((await reset(await resetLink(email, back), PASSWORD)).status).toBe(204);
  });

  test('an invitation link is no reset link and a reset link is no invitation; trying one as the other does not spend it', async () => {
    const { token: invitation } = await invite('purpose@alpha.example', 'Pat Purpose');
    const asReset = await reset(invitation);
    expect(asReset.status).toBe(400);
    expect(asReset.body.error.code).toBe('invalid_token');

    const email = deal.users.buyerB.email;
    const seen = smtp.messages.filter(to(email)).length;
    await forgot(email);
    const resetToken = await resetLink(email, seen);
    const asInvitation = await accept(resetToken);
    expect(asInvitation.status).toBe(400);
    expect(asInvitation.body).toEqual(asReset.body);
    // An active user's password is not changed by an "acceptance", and neither link was spent by the misuse.
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect((await accept(invitation)).status).toBe(200);
    expect((await reset(resetToken, PASSWORD)).status).toBe(204);
  });

  test('a link altered in case, padding, alphabet or whitespace opens nothing, and every variant gets the same answer', async () => {
    const { token } = await invite('exact@alpha.example', 'Ezra Exact');
    const swapCase = token.replace(/[a-zA-Z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
    const variants = [
      token.toUpperCase(),
      token.toLowerCase(),
      swapCase,
      `${token}=`,
      `${token}==`,
      ` ${token}`,
      `${token} `,
      `${token}\n`,
      `\t${token}`,
      token.replace(/-/g, '+').replace(/_/g, '/') + (token.includes('-') || token.includes('_') ? '' : '+'),
      token.slice(0, -1),
      `${token}A`,
      encodeURIComponent(`#token=${token}`),
    ].filter((v) => v !== token);
    const reference = await accept('no-such-token');
    expect(reference.status).toBe(400);
    for (const variant of variants) {
      const res = await accept(variant);
      expect({ variant, status: res.status, body: res.body }).toEqual({ variant, status: 400, body: reference.body });
    }
    // A NUL is refused as malformed input before any lookup: it can be no issued link either.
    const nul = await accept(`${token}\u0000`);
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.token).toBeDefined();
    // None of them spent the real link.
    expect((await accept(token)).status).toBe(200);
  });

  test('an invitation mailed before the user was disabled, or erased, opens nothing', async () => {
    const disabled = await invite('soon.disabled@alpha.example', 'Dora Disabled');
    const erased = await invite('soon.erased@alpha.example', 'Erin Erased');
    expect((await deal.admin.post(`/api/users/${disabled.id}/disable`)).status).toBe(200);
    expect((await deal.admin.post(`/api/users/${erased.id}/erase`)).status).toBe(200);
    const reference = await accept('no-such-token');
    for (const token of [disabled.token, erased.token]) {
      const res = await accept(token);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(reference.body);
    }
    const rows = await t.db('users').whereIn('id', [disabled.id, erased.id]).select('status');
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['invited', 'invited']);
  });

  test('only the newest reset link works: asking again kills the link mailed before', async () => {
    const email = deal.users.buyerA.email;
    const seen = smtp.messages.filter(to(email)).length;
    await forgot(email);
    const first = await resetLink(email, seen);
    await forgot(email);
    const second = await smtp.waitFor((m) => to(email)(m) && /reset your/i.test(m.subject ?? '') && !(m.text ?? '').includes(first));
    const secondToken = linkIn(second, 'reset-password').token;
    expect((await reset(first)).body.error.code).toBe('invalid_token');
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect((await reset(secondToken, PASSWORD)).status).toBe(204);
  });

  test('a password its owner changed ends the reset link mailed before: the old mail no longer opens the account', async () => {
    const email = deal.users.counsel2.email;
    const seen = smtp.messages.filter(to(email)).length;
    await forgot(email);
    const stale = await resetLink(email, seen);
    // The owner (who did not ask, or changed their mind) changes their password while signed in.
    const owner = await Client.login(t.app, email, PASSWORD);
    expect((await owner.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(204);
    // Whoever holds the reset mail (a forwarded mailbox, a shared inbox) cannot take the account over.
    const res = await reset(stale, 'the attacker chose this one');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_token');
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
  });

  test('accepting an invitation in a browser that had a session replaces it: the old session id opens nothing', async () => {
    const { token } = await invite('fixed@alpha.example', 'Fay Fixation');
    const agent = request.agent(t.app);
    const before = await agent.post('/api/auth/login').send({ email: deal.users.buyerB.email, password: PASSWORD });
    expect(before.status).toBe(200);
    const oldCookie = sessionCookie(before)!;
    expect(oldCookie).toBeDefined();
    const accepted = await agent.post('/api/auth/invitation/accept').send({ token, password: NEW_PASSWORD });
    expect(accepted.status).toBe(200);
    const newCookie = sessionCookie(accepted);
    expect(newCookie).toBeDefined();
    expect(newCookie).not.toEqual(oldCookie);
    expect((await agent.get('/api/me')).body.email).toBe('fixed@alpha.example');
    // Neither the previous user's session nor a session id planted before acceptance is alive.
    expect((await request(t.app).get('/api/me').set('Cookie', oldCookie)).status).toBe(401);
    // A session fixed by an attacker: an id the server never issued is not adopted either.
    const planted = await request(t.app).post('/api/auth/invitation/accept').set('Cookie', 'gatehouse.sid=s%3Aattacker-chosen.id').send({ token: (await invite('fixed2@alpha.example', 'Fred')).token, password: NEW_PASSWORD });
    expect(planted.status).toBe(200);
    expect(sessionCookie(planted)).toBeDefined();
    expect(sessionCookie(planted)).not.toContain('attacker-chosen');
    expect((await request(t.app).get('/api/me').set('Cookie', 'gatehouse.sid=s%3Aattacker-chosen.id')).status).toBe(401);
  });

  test('a cross-site form cannot accept an invitation in the victim\'s browser: a text/plain or form body is not read as JSON', async () => {
    const { token } = await invite('csrf@alpha.example', 'Cyd Csrf');
    const body = JSON.stringify({ token, password: NEW_PASSWORD });
    const plain = await request(t.app).post('/api/auth/invitation/accept').set('Content-Type', 'text/plain').send(body);
    expect(plain.status).toBe(400);
    const form = await request(t.app).post('/api/auth/invitation/accept').type('form').send({ token, password: NEW_PASSWORD });
    expect(form.status).toBe(400);
    expect(sessionCookie(plain)).toBeUndefined();
    expect(sessionCookie(form)).toBeUndefined();
    // The link is still good for its owner.
    expect((await accept(token)).status).toBe(200);
  });

  test('denied uses of links are on the record, without the secret', async () => {
    const { token } = await invite('ledger@alpha.example', 'Lee Ledger');
    expect((await accept(token)).status).toBe(200);
    expect((await accept(token)).status).toBe(400);
    expect((await reset(token)).status).toBe(400);
    const events: Array<{ action: string; decision: string; details: string }> = await t.db('auditEvents').whereIn('action', ['user.invitation.accept', 'auth.password.reset']).select('action', 'decision', 'details');
    expect(events.filter((e) => e.decision === 'deny').length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(events)).not.toContain(token);
    const stored = await t.db('accountTokens').select('tokenHash');
    expect(JSON.stringify(stored)).not.toContain(token);
  });
});

describe('nobody learns from an answer whether an address has an account', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2', LOGIN_MAX_FAILURES_PER_IP: '1000' }, { mailWorker: true });
    deal = await buildDeal(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** An answer as a client can compare it: status, body and headers, without those that differ per response. */
  const comparable = (res: request.Response) => {
    const headers = { ...res.headers };
    for (const h of ['date', 'x-request-id', 'etag', 'traceparent', 'x-trace-id']) delete headers[h];
    return { status: res.status, body: res.body, headers };
  };

  test('forgot-password answers alike for an active, a missing, an invited, a disabled and an erased address', async () => {
    const seller = deal.orgs.sellerOrgId;
    const invited = await deal.admin.post('/api/users', { email: 'invited.only@seller.example', name: 'Ian Invited', orgId: seller, role: 'staff' });
    const disabled = await deal.admin.post('/api/users', { email: 'was.disabled@seller.example', name: 'Dee', orgId: seller, role: 'staff', password: PASSWORD });
    const erased = await deal.admin.post('/api/users', { email: 'was.erased@seller.example', name: 'Eli', orgId: seller, role: 'staff', password: PASSWORD });
    await deal.admin.post(`/api/users/${disabled.body.id}/disable`);
    await deal.admin.post(`/api/users/${erased.body.id}/erase`);
    expect(invited.status).toBe(201);
    await t.mail!.runOnce();

    const addresses = [deal.users.manager.email, 'nobody.here@seller.example', 'invited.only@seller.example', 'was.disabled@seller.example', 'was.erased@seller.example', ` ${deal.users.manager.email.toUpperCase()} `];
    const answers = [];
    for (const email of addresses) answers.push(comparable(await request(t.app).post('/api/auth/password/forgot').send({ email })));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(202);
    expect(answers[0]!.headers['set-cookie']).toBeUndefined();
    // The reset mail is queued after the answer went: wait for it, then give any other one its chance.
    const isReset = (m: ParsedMail) => /reset your/i.test(m.subject ?? '');
    for (let i = 0; i < 100 && smtp.messages.filter(isReset).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    await t.mail!.runOnce();
    // Only the active user is mailed (twice: the address as typed, in another case, is the same person).
    const resets = smtp.messages.filter((m) => /reset your/i.test(m.subject ?? ''));
    expect(resets.filter(to(deal.users.manager.email))).toHaveLength(2);
    expect(resets).toHaveLength(2);
  });

  test('a non-admin creating a user is refused before anything about the address is looked at', async () => {
    const taken = await deal.manager.post('/api/users', { email: deal.users.buyerB.email, name: 'X', orgId: deal.orgs.alpha.id, role: 'external' });
    const fresh = await deal.manager.post('/api/users', { email: 'fresh.address@alpha.example', name: 'X', orgId: deal.orgs.alpha.id, role: 'external' });
    expect(taken.status).toBe(403);
    expect(taken.body).toEqual(fresh.body);
    const bidder = await deal.login('buyerA');
    const byBidder = [
      await bidder.post('/api/users', { email: deal.users.manager.email, name: 'X', orgId: deal.orgs.alpha.id, role: 'external' }),
      await bidder.post('/api/users', { email: 'fresh.address@alpha.example', name: 'X', orgId: deal.orgs.alpha.id, role: 'external' }),
    ];
    expect(byBidder[0]!.status).toBe(403);
    expect(byBidder[0]!.body).toEqual(byBidder[1]!.body);
  });

  test("a manager inviting an address of another deal's bidder hears email_taken (the contract) and nothing of who holds it", async () => {
    // Another deal, run by the admin, that the manager of Project Falcon does not staff.
    const gamma = (await deal.admin.post('/api/orgs', { name: 'Gamma Secret Bidder', kind: 'acquirer' })).body;
    const ghost = (await deal.admin.post('/api/users', { email: 'ghost@gamma.example', name: 'Gustav Ghost', orgId: gamma.id, role: 'external', password: PASSWORD })).body;
    const room2 = (await deal.admin.post('/api/rooms', { name: 'Sale of Osprey', codeName: 'Project Osprey', entityIds: [deal.entities.outside.id] })).body;
    const party2 = (await deal.admin.post(`/api/rooms/${room2.id}/parties`, { name: 'Osprey Bidder', acquirerOrgId: gamma.id })).body;
    expect((await deal.admin.post(`/api/rooms/${room2.id}/parties/${party2.id}/members`, { userId: ghost.id })).status).toBe(201);
    await t.mail!.runOnce();
    const outboxBefore = await t.db('mailOutbox').count({ n: '*' });

    const r = deal.roomPath;
    const hidden = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'ghost@gamma.example', name: 'Whoever', orgId: deal.orgs.alpha.id });
    // The same refusal as for an address the manager may well see (a bidder of another party of their own room).
    const visible = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: deal.users.buyerB.email, name: 'Whoever', orgId: deal.orgs.alpha.id });
    // In another case, with spaces: still the same person, the same answer.
    const cased = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'GHOST@Gamma.Example', name: 'Whoever', orgId: deal.orgs.alpha.id });
    for (const res of [hidden, visible, cased]) {
      expect(res.status).toBe(409);
      expect(res.body).toEqual(visible.body);
    }
    const said = JSON.stringify(hidden.body) + JSON.stringify(hidden.headers);
    for (const secret of ['Gustav', 'Ghost', 'Gamma', 'Osprey', ghost.id, gamma.id, room2.id]) expect(said).not.toContain(secret);
    // Nothing was created or queued, and the other deal's bidder is still in no party of this room.
    expect(await t.db('mailOutbox').count({ n: '*' })).toEqual(outboxBefore);
    expect(await t.db('partyMembers').where({ userId: ghost.id, roomId: deal.room.id }).first()).toBeUndefined();
    expect((await t.db('users').where({ email: 'ghost@gamma.example' })).length).toBe(1);
  });
});

/** An SMTP server that keeps, for every mail, its envelope recipients and its raw bytes as well as the parsed mail. */
async function startRecordingSink() {
  const mails: Array<{ rcpt: string[]; raw: string; parsed: ParsedMail }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            mails.push({ rcpt: session.envelope.rcptTo.map((a) => a.address.toLowerCase()), raw, parsed });
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('mail says no more than its reader may see, and cannot be bent by what people type', () => {
  let sink: Awaited<ReturnType<typeof startRecordingSink>>;
  let t: TestApp;
  let deal: Deal;

  beforeAll(async () => {
    sink = await startRecordingSink();
    // Digests without the settle time: a test sees its digest on the next pass. The worker does not
    // poll: each test runs it when it wants mail made (so nothing is made between two of its steps).
    t = await startTestApp({ SMTP_URL: sink.url, MAIL_POLL_SECONDS: '3600' }, { mailWorker: { digestSettleMs: 0 } });
    deal = await buildDeal(t);
    await settle();
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function settle() {
    for (let i = 0; i < 3; i++) await t.mail!.runOnce();
  }
  const mailsTo = (address: string) => sink.mails.filter((m) => m.rcpt.includes(address.toLowerCase())).map((m) => m.parsed);
  const upload = async (title: string, folderId: string, entityId: string, classification = 'standard', personalData = 'none') => {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, { folderId, entityId, classification, personalData, title });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };

  test("an external user's mails (party invitation, access open, digest) name the room by its code name only, no other party, and only documents they may view", async () => {
    const r = deal.roomPath;
    // Party A: an NDA of Alpha for Falcon GmbH only; a grant on Finance only, up to clean-team documents.
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, maxClassification: 'clean_team', maxPersonalData: 'pseudonymised' });
    // Party B sees everything, so there is something of B's to leak.
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    // A newcomer invited straight into party A.
    const invited = await deal.manager.post(`${r}/parties/${deal.parties.A.id}/invitations`, { email: 'newbie@alpha.example', name: 'Nell Newbie', orgId: deal.orgs.alpha.id });
    expect(invited.status).toBe(201);
    await settle();
    const before = { anna: mailsTo(deal.users.buyerA.email).length, nell: mailsTo('newbie@alpha.example').length, bob: mailsTo(deal.users.buyerB.email).length };

    await upload('Visible budget 2027', deal.folders.finance.id, deal.entities.gmbh.id);
    await upload('Legal folder memo', deal.folders.legal.id, deal.entities.gmbh.id);
    await upload('Falcon Ltd accounts', deal.folders.finance.id, deal.entities.ltd.id);
    await upload('Clean team pricing', deal.folders.finance.id, deal.entities.gmbh.id, 'clean_team');
    await upload('Payroll with names', deal.folders.payroll.id, deal.entities.gmbh.id, 'standard', 'identified');
    await settle();

    const forA = [...mailsTo(deal.users.buyerA.email), ...mailsTo('newbie@alpha.example')];
    expect(forA.length).toBeGreaterThan(0);
    const newForA = [...mailsTo(deal.users.buyerA.email).slice(before.anna), ...mailsTo('newbie@alpha.example').slice(before.nell)];
    expect(newForA.map(readable).join('\n')).toContain('Visible budget 2027');
    for (const mail of forA.map(readable)) {
      expect(mail).not.toContain('Sale of Falcon');
      for (const hidden of ['Legal folder memo', 'Falcon Ltd accounts', 'Clean team pricing', 'Payroll with names', 'Bidder B', 'Beta Holdings', 'Bob Beta', 'bob@beta.example']) {
        expect(mail).not.toContain(hidden);
      }
    }
    expect(forA.some((m) => (m.subject ?? '').includes('Project Falcon'))).toBe(true);
    // B's digest names what B may see, and nothing of A.
    const forB = mailsTo(deal.users.buyerB.email).slice(before.bob).map(readable).join('\n');
    expect(forB).toContain('Falcon Ltd accounts');
    expect(forB).not.toContain('Clean team pricing');
    for (const hidden of ['Sale of Falcon', 'Bidder A', 'Alpha Capital', 'Lex & Co', 'Nell Newbie', 'Łukasz']) expect(forB).not.toContain(hidden);
  });

  test('a digest is computed when it is sent: a member removed between upload and digest hears nothing of the upload', async () => {
    // A third party, its own organisation and person, covered and granted everything.
    const delta = (await deal.admin.post('/api/orgs', { name: 'Delta Partners', kind: 'acquirer' })).body;
    const dina = (await deal.admin.post('/api/users', { email: 'dina@delta.example', name: 'Dina Delta', orgId: delta.id, role: 'external', password: PASSWORD })).body;
    const partyD = (await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder D', acquirerOrgId: delta.id })).body;
    expect((await deal.manager.post(`${deal.roomPath}/parties/${partyD.id}/members`, { userId: dina.id })).status).toBe(201);
    await deal.nda({ orgId: delta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await deal.grant({ partyId: partyD.id, folderId: null });
    await settle();
    const before = mailsTo('dina@delta.example').length;
    await upload('Uploaded before removal', deal.folders.finance.id, deal.entities.gmbh.id);
    expect((await deal.manager.delete(`${deal.roomPath}/parties/${partyD.id}/members/${dina.id}`)).status).toBe(204);
    await settle();
    expect(mailsTo('dina@delta.example').slice(before).map(readable).join('\n')).not.toContain('Uploaded before removal');
  });

  test('a party restricted to its office addresses is not told of documents by mail', async () => {
    const eps = (await deal.admin.post('/api/orgs', { name: 'Epsilon Fund', kind: 'acquirer' })).body;
    const emil = (await deal.admin.post('/api/users', { email: 'emil@epsilon.example', name: 'Emil Eps', orgId: eps.id, role: 'external', password: PASSWORD })).body;
    const partyE = (await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder E', acquirerOrgId: eps.id })).body;
    expect((await deal.manager.post(`${deal.roomPath}/parties/${partyE.id}/members`, { userId: emil.id })).status).toBe(201);
    await deal.nda({ orgId: eps.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: partyE.id, folderId: null });
    expect((await deal.manager.put(`${deal.roomPath}/parties/${partyE.id}/ip-allowlist`, { cidrs: ['203.0.113.0/24'] })).status).toBe(200);
    await settle();
    const before = mailsTo('emil@epsilon.example').length;
    await upload('Office only document', deal.folders.finance.id, deal.entities.gmbh.id);
    await settle();
    expect(mailsTo('emil@epsilon.example').slice(before).map(readable).join('\n')).not.toContain('Office only document');
  });

  test("an advisor who also advises another bidder of the room is not told of the first bidder's NDA", async () => {
    // Lex & Co advise party A (Alpha) and, with another lawyer, party G (Gamma).
    const gamma = (await deal.admin.post('/api/orgs', { name: 'Gamma Industries', kind: 'acquirer' })).body;
    const lena = (await deal.admin.post('/api/users', { email: 'lena@lex.example', name: 'Lena Lex', orgId: deal.orgs.lex.id, role: 'external', password: PASSWORD })).body;
    const partyG = await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder G', acquirerOrgId: gamma.id, advisorOrgIds: [deal.orgs.lex.id] });
    expect(partyG.status).toBe(201);
    expect((await deal.manager.post(`${deal.roomPath}/parties/${partyG.body.id}/members`, { userId: lena.id })).status).toBe(201);
    await settle();
    const before = { lena: mailsTo('lena@lex.example').length, adam: mailsTo(deal.users.advisorA.email).length };

    // Alpha's NDA covers its representatives: party A's advisors, not party G's.
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.ltd.id], coversRepresentatives: true });
    await settle();
    expect(mailsTo(deal.users.advisorA.email).slice(before.adam).map((m) => m.subject)).toContain('Access open: Project Falcon');
    const lenaClient = await Client.login(t.app, 'lena@lex.example', PASSWORD);
    expect((await lenaClient.get(deal.roomPath)).body.nda?.covered).toBe(false);
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'withdrawn' })).status).toBe(200);
    await settle();
    // Party G's lawyer hears nothing of party A's NDA: neither that it opened nor that it closed.
    expect(mailsTo('lena@lex.example').slice(before.lena).map((m) => m.subject)).toEqual([]);
  });

  test('CR/LF in a room name, a code name or a person\'s name never becomes a header or a recipient', async () => {
    const room = await deal.manager.post('/api/rooms', {
      name: 'Sale of Heron\r\nBcc: spy@evil.example',
      codeName: 'Project Heron\r\nBcc: spy2@evil.example\r\n\r\n<b>body</b>',
      entityIds: [deal.entities.gmbh.id],
    });
    // Names are free text (trimmed, capped): the line breaks are accepted, so the mail must neutralise them.
    expect(room.status).toBe(201);
    const r = `/api/rooms/${room.body.id}`;
    expect((await deal.manager.post(`${r}/staff`, { userId: deal.users.counsel.id, role: 'counsel' })).status).toBe(201);
    const party = (await deal.manager.post(`${r}/parties`, { name: 'Heron bidder', acquirerOrgId: deal.orgs.beta.id })).body;
    const invited = await deal.manager.post(`${r}/parties/${party.id}/invitations`, { email: 'heron@beta.example', name: 'Hal\r\nBcc: spy3@evil.example\r\nSubject: pwned', orgId: deal.orgs.beta.id });
    expect(invited.status).toBe(201);
    const ndaRes = await deal.manager.upload(`${r}/ndas`, { data: await makePdf('nda'), name: 'nda.pdf' }, {
      orgId: deal.orgs.beta.id,
      kind: 'nda',
      signedAt: new Date(Date.now() - 86_400_000).toISOString(),
      effectiveAt: new Date(Date.now() - 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000 * 30).toISOString(),
      entityIds: [deal.entities.gmbh.id],
      coversRepresentatives: false,
    });
    expect(ndaRes.status).toBe(201);
    expect((await deal.counsel.post(`${r}/ndas/${ndaRes.body.id}/confirm`)).status).toBe(200);
    await settle();
    const heron = sink.mails.filter((m) => /Heron/.test(m.parsed.subject ?? ''));
    expect(heron.length).toBeGreaterThanOrEqual(3); // the invitation, "NDA to confirm", "Access open"
    for (const mail of sink.mails) {
      expect(mail.rcpt.some((a) => a.includes('evil.example'))).toBe(false);
      const head = mail.raw.split(/\r?\n\r?\n/)[0]!;
      expect(head).not.toMatch(/^bcc:/im);
      expect(mail.parsed.headers.get('bcc')).toBeUndefined();
      expect(mail.parsed.subject ?? '').not.toMatch(/[\r\n]/);
      expect(mail.parsed.headerLines.filter((h) => h.key === 'subject')).toHaveLength(1);
      expect(mail.parsed.headerLines.filter((h) => h.key === 'bcc')).toHaveLength(0);
    }
  });

  test('HTML typed into a name, a title or a code name is shown as text in the HTML part, never as markup', async () => {
    const payloads = { name: '<img src=x onerror=alert(1)>Mallory', title: '<script>alert("t")</script>Q3 "numbers" & more', code: 'Project <b onmouseover=alert(2)>Kite</b>' };
    const room = (await deal.manager.post('/api/rooms', { name: 'Sale of Kite', codeName: payloads.code, entityIds: [deal.entities.gmbh.id], uploadsStartAs: 'published' })).body;
    const r = `/api/rooms/${room.id}`;
    const folder = (await deal.manager.post(`${r}/folders`, { name: 'All' })).body;
    const party = (await deal.manager.post(`${r}/parties`, { name: 'Kite bidder', acquirerOrgId: deal.orgs.beta.id })).body;
    expect((await deal.manager.post(`${r}/parties/${party.id}/members`, { userId: deal.users.buyerB.id })).status).toBe(201);
    const invited = await deal.manager.post(`${r}/parties/${party.id}/invitations`, { email: 'mallory@beta.example', name: payloads.name, orgId: deal.orgs.beta.id });
    expect(invited.status).toBe(201);
    await settle();
    const ndaRes = await deal.manager.upload(`${r}/ndas`, { data: await makePdf('nda'), name: 'nda.pdf' }, {
      orgId: deal.orgs.beta.id,
      kind: 'nda',
      signedAt: new Date(Date.now() - 86_400_000).toISOString(),
      effectiveAt: new Date(Date.now() - 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000 * 30).toISOString(),
      entityIds: [deal.entities.gmbh.id],
      coversRepresentatives: false,
    });
    expect((await deal.manager.post(`${r}/staff`, { userId: deal.users.counsel.id, role: 'counsel' })).status).toBe(201);
    expect((await deal.counsel.post(`${r}/ndas/${ndaRes.body.id}/confirm`)).status).toBe(200);
    expect((await deal.manager.post(`${r}/grants`, { partyId: party.id, folderId: null, level: 'view', maxClassification: 'highly_confidential', maxPersonalData: 'identified' })).status).toBe(201);
    await settle();
    const res = await deal.manager.upload(`${r}/documents`, { data: await makePdf('kite'), name: 'kite.pdf' }, { folderId: folder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title: payloads.title });
    expect(res.status).toBe(201);
    await settle();

    const kite = sink.mails.map((m) => m.parsed).filter((m) => /Kite/.test(m.subject ?? ''));
    const invitation = mailsTo('mallory@beta.example')[0]!;
    const digest = mailsTo(deal.users.buyerB.email).find((m) => (m.text ?? '').includes('Q3'))!;
    expect(invitation).toBeDefined();
    expect(digest).toBeDefined();
    for (const mail of [...kite, invitation, digest]) {
      const html = String(mail.html || '');
      // No element of the attacker's, and no event handler inside any element.
      expect(html).not.toMatch(/<img|<script|<b[\s>]/i);
      expect(html).not.toMatch(/<[^>]*\son\w+\s*=/i);
    }
    expect(String(invitation.html)).toContain('&lt;img src=x onerror=alert(1)&gt;Mallory');
    expect(String(digest.html)).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;Q3 &quot;numbers&quot; &amp; more');
    // The plain text says it as typed: text is not markup.
    expect(digest.text).toContain(payloads.title);
  });

  // Last in this world: it closes the room.
  test('a room closed between an upload and the digest: nobody outside the deal team is told of the upload', async () => {
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
    await settle();
    const before = { anna: mailsTo(deal.users.buyerA.email).length, bob: mailsTo(deal.users.buyerB.email).length, mia: mailsTo(deal.users.manager.email).length };
    // No worker between the upload and the closing: the digest is made after both.
    await t.mail!.stop();
    await upload('Uploaded before closing', deal.folders.finance.id, deal.entities.gmbh.id);
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const worker = startMailDelivery({ db: t.db, config: t.config, logger: createLogger('silent'), poll: false, digestSettleMs: 0 });
    try {
      for (let i = 0; i < 3; i++) await worker.runOnce();
    } finally {
      await worker.stop();
    }
    for (const mail of [...mailsTo(deal.users.buyerA.email).slice(before.anna), ...mailsTo(deal.users.buyerB.email).slice(before.bob)]) {
      expect(readable(mail)).not.toContain('Uploaded before closing');
    }
    // Staff still hear of it.
    expect(mailsTo(deal.users.manager.email).slice(before.mia).map(readable).join('\n')).toContain('Uploaded before closing');
  });
});
