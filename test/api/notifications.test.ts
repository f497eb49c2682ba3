import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, iso, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { totpCode } from '../../server/auth/totp.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import type { ParsedMail } from 'mailparser';

/** Everything a recipient can read of a mail: subject, text and HTML. */
const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;

describe('notifications go to those the access rule lets know, and say no more than they may see', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    // Digests without the settle time, so a test sees its digest on the next pass.
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2' }, { mailWorker: { digestSettleMs: 0 } });
    deal = await buildDeal(t);
    // The deal's own mail (the digests of its uploads) goes before a test counts: a pass of the
    // poller already under way when buildDeal ended would not make them (settle, below).
    await settle();
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  const mailsTo = (address: string) => smtp.messages.filter(to(address));
  /** Two passes: runOnce joins a pass under way, which may have begun before the last change; the second begins after it. */
  const settle = async () => {
    await t.mail!.runOnce();
    await t.mail!.runOnce();
  };

  test('an NDA registered is announced to the room counsel other than the registrant; its confirmation opens access by mail to the counterparty only', async () => {
    const before = smtp.messages.length;
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], confirm: false });
    await settle();
    const registered = smtp.messages.slice(before);
    expect(registered.filter(to(deal.users.counsel.email))).toHaveLength(1);
    expect(registered.filter(to(deal.users.counsel2.email))).toHaveLength(1);
    expect(registered.filter(to(deal.users.manager.email))).toHaveLength(0);
    expect(registered.filter(to(deal.users.buyerA.email))).toHaveLength(0);
    // Staff see the room's name.
    expect(registered[0]!.subject).toContain('Sale of Falcon');

    const pending = (await deal.manager.get(`${deal.roomPath}/ndas`)).body.items[0];
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${pending.id}/confirm`)).status).toBe(200);
    const open = await smtp.waitFor((m) => to(deal.users.buyerA.email)(m) && /access open/i.test(m.subject ?? ''));
    expect(open.subject).toBe('Access open: Project Falcon');
    expect(readable(open)).not.toContain('Sale of Falcon');
    expect(readable(open)).toContain(`/rooms/${deal.room.id}`);
    await settle();
    // Not the other bidder; not the advisor, as the NDA does not cover representatives.
    expect(mailsTo(deal.users.buyerB.email).filter((m) => /access/i.test(m.subject ?? ''))).toHaveLength(0);
    expect(mailsTo(deal.users.advisorA.email).filter((m) => /access/i.test(m.subject ?? ''))).toHaveLength(0);
  });

  test("an NDA covering representatives tells the party's advisors too; a termination closes access by mail", async () => {
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    await smtp.waitFor((m) => to(deal.users.advisorA.email)(m) && /access open/i.test(m.subject ?? ''));
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'deal off' })).status).toBe(200);
    const closed = await smtp.waitFor((m) => to(deal.users.buyerA.email)(m) && /access closed/i.test(m.subject ?? ''));
    expect(readable(closed)).toMatch(/terminated/);
    expect(readable(closed)).not.toContain('deal off'); // counsel's reason is for the record, not for the bidder
  });

  test('an NDA that expires is announced once by the clock, however many workers run', async () => {
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(1500) });
    await smtp.waitFor((m) => to(deal.users.buyerB.email)(m) && /access open/i.test(m.subject ?? ''));
    await new Promise((r) => setTimeout(r, 1600));
    await Promise.all([t.mail!.runOnce(), t.mail!.runOnce(), t.mail!.runOnce()]);
    await settle();
    const closed = mailsTo(deal.users.buyerB.email).filter((m) => /access closed/i.test(m.subject ?? ''));
    expect(closed).toHaveLength(1);
    expect(readable(closed[0]!)).toMatch(/expired/);
  });

  test('an NDA registered for the record, already expired, is never announced as opening access', async () => {
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], effectiveAt: iso(-86_400_000 * 10), expiresAt: iso(-86_400_000) });
    await settle();
    expect(mailsTo(deal.users.buyerB.email).filter((m) => /access/i.test(m.subject ?? ''))).toHaveLength(0);
  });

  test('a document digest names only the documents the recipient may view, computed when it is sent', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, maxClassification: 'standard', maxPersonalData: 'none' });
    await settle();
    const before = mailsTo(deal.users.buyerA.email).length;
    const upload = async (title: string, folderId: string, classification = 'standard') =>
      deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, { folderId, entityId: deal.entities.gmbh.id, classification, personalData: 'none', title });
    expect((await upload('Budget 2027', deal.folders.finance.id)).status).toBe(201);
    expect((await upload('Secret litigation memo', deal.folders.legal.id)).status).toBe(201);
    expect((await upload('Board minutes (confidential)', deal.folders.finance.id, 'confidential')).status).toBe(201);
    await settle();
    const digests = mailsTo(deal.users.buyerA.email).slice(before);
    expect(digests.length).toBeGreaterThanOrEqual(1);
    expect(digests.map(readable).join('\n')).toContain('Budget 2027');
    for (const digest of digests.map(readable)) {
      expect(digest).not.toContain('Secret litigation memo');
      expect(digest).not.toContain('Board minutes');
      expect(digest).not.toContain('Sale of Falcon');
    }
    expect(digests.map((m) => m.subject)).toEqual(['1 new document in Project Falcon']);
    // Bidder B has no NDA: no digest at all, not even an empty one.
    expect(mailsTo(deal.users.buyerB.email)).toHaveLength(0);
    // Staff see all three, under the room's name (in one digest or several, as the worker's passes fell).
    const staffDigests = mailsTo(deal.users.manager.email).filter((m) => /new documents? in/.test(m.subject ?? ''));
    for (const title of ['Budget 2027', 'Secret litigation memo', 'Board minutes']) expect(staffDigests.map(readable).join('\n')).toContain(title);
    expect(staffDigests.every((m) => m.subject!.includes('Sale of Falcon'))).toBe(true);
  });

  test('access revoked between the upload and the digest: the digest names nothing, and the document is not named later', async () => {
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    await settle();
    const before = mailsTo(deal.users.buyerA.email).length;
    // The worker is not run between the upload and the termination: the digest is made after both.
    const stopped = t.mail!;
    await stopped.stop();
    await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('late'), name: 'late.pdf' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title: 'Late addition' });
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'ended' })).status).toBe(200);
    const { startMailDelivery } = await import('../../server/mail/mail-delivery.js');
    const { createLogger } = await import('../../server/logger.js');
    const worker = startMailDelivery({ db: t.db, config: t.config, logger: createLogger('silent'), poll: false, digestSettleMs: 0 });
    await worker.runOnce();
    await worker.runOnce();
    await worker.stop();
    const after = mailsTo(deal.users.buyerA.email).slice(before);
    // The party's last NDA ended: it is told so, and asked to certify return or destruction (deal end);
    // neither mail names what it never could see.
    expect(after.map((m) => m.subject).sort()).toEqual(['Access closed: Project Falcon', 'Certify return or destruction for Project Falcon']);
    expect(after.some((m) => readable(m).includes('Late addition'))).toBe(false);
  });

  test('notify "off" silences notifications, "daily" sends at most one digest a day; both read back from /api/me/settings', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const buyer = await deal.login('buyerA');
    const advisor = await deal.login('advisorA');
    expect((await buyer.get('/api/me/settings')).body).toEqual({ notify: 'immediate' });
    expect((await buyer.put('/api/me/settings', { notify: 'daily' })).body).toEqual({ notify: 'daily' });
    expect((await advisor.put('/api/me/settings', { notify: 'off' })).status).toBe(200);
    const bad = await buyer.put('/api/me/settings', { notify: 'hourly' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.notify).toBeDefined();
    expect((await buyer.put('/api/me/settings', { notify: 'daily', role: 'admin' })).body.error.details.role).toBe('unknown field');
    await settle();
    const before = { buyer: mailsTo(deal.users.buyerA.email).length, advisor: mailsTo(deal.users.advisorA.email).length };
    const upload = async (title: string) =>
      deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title });
    await upload('First of the day');
    await settle();
    await upload('Second of the day');
    await settle();
    const buyerMails = mailsTo(deal.users.buyerA.email).slice(before.buyer);
    expect(buyerMails).toHaveLength(1);
    expect(readable(buyerMails[0]!)).toContain('First of the day');
    expect(mailsTo(deal.users.advisorA.email).slice(before.advisor)).toHaveLength(0);
  });

  test('changing how an account signs in is told to its owner by mail (a stolen session does not act unseen)', async () => {
    const buyer = await deal.login('buyerB');
    const before = mailsTo(deal.users.buyerB.email).length;
    expect((await buyer.post('/api/auth/tokens', { name: 'laptop', currentPassword: PASSWORD })).status).toBe(201);
    const { secret } = (await buyer.post('/api/auth/mfa/setup', { currentPassword: PASSWORD })).body;
    expect((await buyer.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: PASSWORD })).status).toBe(200);
    expect((await buyer.post('/api/auth/mfa/disable', { currentPassword: PASSWORD })).status).toBe(200);
    expect((await buyer.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase 2027' })).status).toBe(204);
    await settle();
    const notices = mailsTo(deal.users.buyerB.email).slice(before);
    expect(notices.map((m) => m.subject)).toEqual(Array(4).fill('Security notice: your Gatehouse account changed'));
    // Each change in its own mail; the outbox may send them in any order.
    expect(notices.map((m) => (m.text ?? '').match(/^(.*?) \(\d{4}-/m)?.[1]).sort()).toEqual([
      'A new API token was created.',
      'Two-step sign-in (an authenticator app) was turned off.',
      'Two-step sign-in (an authenticator app) was turned on.',
      'Your password was changed.',
    ]);
    await Client.login(t.app, deal.users.buyerB.email, 'another long passphrase 2027');
  });
});
