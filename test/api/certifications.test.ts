import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, iso, PASSWORD, type Deal } from '../support/world.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { certificateSignatureValid, publicKeyText, type SignedCertificate } from '../../server/certifications/certificate.js';
import { certificationReminderJob, expiredNdaCertificationJob, ndaExpiryReminderJob } from '../../server/certifications/clock-jobs.js';
import { verifyLedgerIntegrity } from '../../server/ledger/verify-ledger.js';

const DAY = 86_400_000;
const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;
const STATEMENT = 'We have destroyed every copy of the documents received, including back-ups, and kept none.';

describe('return-or-destroy: a party whose access ended certifies, listing every copy its people took', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;
  let buyerA: Client;
  let advisorA: Client;
  let buyerB: Client;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2' }, { mailWorker: { digestSettleMs: 0 } });
    deal = await buildDeal(t);
    [buyerA, advisorA, buyerB] = await Promise.all([deal.login('buyerA'), deal.login('advisorA'), deal.login('buyerB')]);
    await settle();
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  /**
   * Two passes of the mail worker. Jobs run here at a moved clock queue their mail due at that time;
   * the worker reads the real clock, so what they queued is made due now first (the clock moved for
   * the worker too).
   */
  const settle = async () => {
    await t.db('mailOutbox').where({ status: 'queued' }).where('nextAttemptAt', '>', new Date().toISOString()).update({ nextAttemptAt: new Date().toISOString() });
    await t.mail!.runOnce();
    await t.mail!.runOnce();
  };
  const mailsTo = (address: string) => smtp.messages.filter(to(address));
  const certMails = (address: string) => mailsTo(address).filter((m) => /certify return or destruction/i.test(m.subject ?? ''));
  const certs = (c: Client) => c.get(`${deal.roomPath}/certifications`);
  /** Takes a stamped copy of a document; answers its download id. */
  const take = async (c: Client, documentId: string) => {
    const res = await c.get(`/api/documents/${documentId}/content`);
    expect(res.status).toBe(200);
    return res.headers['x-download-id'] as string;
  };
  /** Party A covered (its acquirer's NDA answers for its advisors) and B covered, each with a grant on the whole room. */
  const openDeal = async () => {
    const ndaA = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
    const ndaB = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    return { ndaA, ndaB };
  };
  const terminate = async (ndaId: string) => expect((await deal.counsel.post(`${deal.roomPath}/ndas/${ndaId}/terminate`, { reason: 'deal off' })).status).toBe(200);

  test('terminating the last NDA opens a request, mails the members, reminds weekly, and the certificate lists exactly their downloads, signed', async () => {
    const { ndaA } = await openDeal();
    const a1 = await take(buyerA, deal.docs.finance.id);
    const a2 = await take(advisorA, deal.docs.legal.id);
    const a3 = await take(buyerA, deal.docs.payroll.id);
    const b1 = await take(buyerB, deal.docs.finance.id);

    await terminate(ndaA.id);
    const list = await certs(deal.counsel);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const [request] = list.body.items;
    expect(request).toMatchObject({ partyId: deal.parties.A.id, status: 'requested', downloads: 3, certifiedAt: null, certifiedBy: null });
    expect(typeof request.requestedAt).toBe('string');

    // The members are mailed, under the room's code name, with nothing of the other party.
    await settle();
    for (const user of [deal.users.buyerA, deal.users.advisorA]) {
      const mails = certMails(user.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe('Certify return or destruction for Project Falcon');
      const text = readable(mails[0]!);
      expect(text).toContain(`/rooms/${deal.room.id}/certifications`);
      expect(text).toContain('3 copies');
      for (const secret of ['Sale of Falcon', 'Bidder', 'Beta']) expect(text).not.toContain(secret);
    }
    expect(certMails(deal.users.buyerB.email)).toHaveLength(0);

    // A week on, a reminder; run twice, or by two workers at once, it is sent once.
    const reminders = certificationReminderJob(t.config);
    await reminders.run(t.db, iso(6 * DAY));
    await settle();
    expect(mailsTo(deal.users.buyerA.email).filter((m) => /^Reminder/.test(m.subject ?? ''))).toHaveLength(0);
    await Promise.all([reminders.run(t.db, iso(7 * DAY + 60_000)), reminders.run(t.db, iso(7 * DAY + 60_000))]);
    await reminders.run(t.db, iso(8 * DAY));
    await settle();
    expect(mailsTo(deal.users.buyerA.email).filter((m) => /^Reminder: certify/.test(m.subject ?? ''))).toHaveLength(1);
    await reminders.run(t.db, iso(14 * DAY + 120_000));
    await settle();
    expect(mailsTo(deal.users.advisorA.email).filter((m) => /^Reminder: certify/.test(m.subject ?? ''))).toHaveLength(2);

    // The member still signs in for this alone: the room's content is closed to them, the certification open.
    expect((await buyerA.get(`${deal.roomPath}/documents`)).status).toBe(403);
    const own = await certs(buyerA);
    expect(own.status).toBe(200);
    expect(own.body.items.map((c: { id: string }) => c.id)).toEqual([request.id]);

    const certified = await buyerA.post(`${deal.roomPath}/certifications/${request.id}/certify`, { statement: STATEMENT });
    expect(certified.status).toBe(200);
    expect(certified.body).toMatchObject({ status: 'certified', certifiedBy: deal.users.buyerA.id, statement: STATEMENT });

    // No reminder once certified.
    const before = smtp.messages.length;
    await reminders.run(t.db, iso(30 * DAY));
    await settle();
    expect(smtp.messages.length).toBe(before);

    const res = await deal.counsel.get(`${deal.roomPath}/certifications/${request.id}/certificate`);
    expect(res.status).toBe(200);
    const certificate = res.body as SignedCertificate;
    expect(certificate.certification).toMatchObject({ id: request.id, status: 'certified', statement: STATEMENT, certifiedBy: { id: deal.users.buyerA.id, email: deal.users.buyerA.email } });
    expect(certificate.room.label).toBe('Project Falcon');
    expect(certificate.party.organisations.map((o) => o.name).sort()).toEqual(['Alpha Capital', 'Lex & Co']);
    expect(certificate.members.map((m) => m.email).sort()).toEqual([deal.users.advisorA.email, deal.users.buyerA.email].sort());
    expect(certificate.downloads.map((d) => d.id).sort()).toEqual([a1, a2, a3].sort());
    expect(certificate.downloads.map((d) => d.id)).not.toContain(b1);
    const finance = certificate.downloads.find((d) => d.id === a1)!;
    expect(finance.document).toMatchObject({ id: deal.docs.finance.id, title: 'finance', index: '1.1' });
    expect(finance.version.sha256).toBe(deal.docs.finance.sha256);

    // Its signature verifies with the ledger's public key, and fails for any change.
    const ledgerKey = loadLedgerKey(t.config.audit);
    expect(certificate.signedWith.publicKey).toBe(publicKeyText(ledgerKey.publicKey));
    expect(certificateSignatureValid(certificate, ledgerKey.publicKey)).toBe(true);
    expect(certificateSignatureValid({ ...certificate, downloads: certificate.downloads.slice(1) }, ledgerKey.publicKey)).toBe(false);
    expect(certificateSignatureValid({ ...certificate, certification: { ...certificate.certification, statement: 'We kept a copy.' } }, ledgerKey.publicKey)).toBe(false);

    // The party's own copy: the same downloads, without the deal team's index numbers.
    const partyCopy = (await advisorA.get(`${deal.roomPath}/certifications/${request.id}/certificate`)).body as SignedCertificate;
    expect(partyCopy.audience).toBe('party');
    expect(partyCopy.downloads.map((d) => d.id).sort()).toEqual([a1, a2, a3].sort());
    expect(partyCopy.downloads.every((d) => d.document.index === null)).toBe(true);
    expect(certificateSignatureValid(partyCopy, publicKeyText(ledgerKey.publicKey))).toBe(true);

    // Every step is on the ledger, which still verifies.
    const audit = (await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`)).body.items as Array<{ action: string; decision: string }>;
    for (const action of ['certification.open', 'certification.mail', 'certification.remind', 'certification.certify']) expect(audit.some((e) => e.action === action)).toBe(true);
    expect((await verifyLedgerIntegrity({ db: t.db, store: t.store, config: t.config })).ok).toBe(true);
  });

  test('the certificate PDF names the members in their own script, the statement and every download', async () => {
    const { ndaA } = await openDeal();
    const a1 = await take(buyerA, deal.docs.finance.id);
    await terminate(ndaA.id);
    const [request] = (await certs(deal.counsel)).body.items;
    expect((await buyerA.post(`${deal.roomPath}/certifications/${request.id}/certify`, { statement: STATEMENT })).status).toBe(200);
    const res = await deal.counsel.get(`${deal.roomPath}/certifications/${request.id}/certificate.pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const body = res.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certificate-'));
    fs.writeFileSync(path.join(dir, 'c.pdf'), body);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'c.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(text).toContain('Łukasz Ørsted');
    expect(text).toContain('Project Falcon');
    expect(text).toContain(a1);
    expect(text).toContain(deal.docs.finance.sha256.slice(0, 20));
    expect(text).toContain('destroyed every copy');
    expect(text).not.toContain('Sale of Falcon');
  });

  test('certifying twice answers as the first time: the first certifier, time and statement stay', async () => {
    const { ndaA } = await openDeal();
    await terminate(ndaA.id);
    const [request] = (await certs(deal.counsel)).body.items;
    const url = `${deal.roomPath}/certifications/${request.id}/certify`;
    const [one, two] = await Promise.all([buyerA.post(url, { statement: 'First statement.' }), advisorA.post(url, { statement: 'Second statement.' })]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.certifiedBy).toBe(two.body.certifiedBy);
    expect(one.body.certifiedAt).toBe(two.body.certifiedAt);
    expect(one.body.statement).toBe(two.body.statement);
    const again = await buyerA.post(url, { statement: 'Third statement.' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'certified', certifiedBy: one.body.certifiedBy, certifiedAt: one.body.certifiedAt, statement: one.body.statement });
    const [stored] = (await certs(deal.counsel)).body.items;
    expect(stored).toMatchObject({ certifiedBy: one.body.certifiedBy, certifiedAt: one.body.certifiedAt, statement: one.body.statement });
  });

  test('an NDA expiring by the clock opens the request once, however many workers run', async () => {
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(3 * DAY) });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    await take(buyerB, deal.docs.finance.id);
    const job = expiredNdaCertificationJob(t.config);
    await job.run(t.db, iso(2 * DAY));
    expect((await certs(deal.counsel)).body.items).toHaveLength(0);
    await Promise.all([job.run(t.db, iso(3 * DAY + 1000)), job.run(t.db, iso(3 * DAY + 1000)), job.run(t.db, iso(4 * DAY))]);
    const items = (await certs(deal.counsel)).body.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ partyId: deal.parties.B.id, status: 'requested', reason: 'nda_expired', downloads: 1 });
    await settle();
    expect(certMails(deal.users.buyerB.email)).toHaveLength(1);
    expect(certMails(deal.users.buyerA.email)).toHaveLength(0);
  });

  test('an installation upgraded to certifications asks nothing of deals whose NDAs ended before the upgrade', async () => {
    const ended = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    await take(buyerB, deal.docs.finance.id);
    // The NDA was in force once and ended yesterday, before this version was installed.
    await t.db('ndas').where({ id: ended.id }).update({ effectiveAt: iso(-10 * DAY), confirmedAt: iso(-9 * DAY), expiresAt: iso(-DAY) });
    await t.db.migrate.down({ name: '20261214000001-certifications' });
    await t.db.migrate.latest();
    await expiredNdaCertificationJob(t.config).run(t.db, iso(0));
    expect((await certs(deal.counsel)).body.items).toHaveLength(0);
    // What ends after the upgrade is asked for as ever.
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(DAY) });
    await expiredNdaCertificationJob(t.config).run(t.db, iso(2 * DAY));
    expect((await certs(deal.counsel)).body.items).toMatchObject([{ partyId: deal.parties.B.id, reason: 'nda_expired' }]);
  });

  test('a party still covered by another NDA, or never covered at all, is asked for nothing', async () => {
    const { ndaA } = await openDeal();
    // The advisor's own NDA keeps party A covered when its acquirer's ends.
    await deal.nda({ orgId: deal.orgs.lex.id, entityIds: [deal.entities.gmbh.id] });
    await terminate(ndaA.id);
    expect((await certs(deal.counsel)).body.items).toHaveLength(0);
    // An NDA registered for the record, already expired, never covered: its "expiry" asks nothing.
    const t2Deal = deal;
    await t2Deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], effectiveAt: iso(-10 * DAY), expiresAt: iso(-DAY) });
    await expiredNdaCertificationJob(t.config).run(t.db, iso(0));
    expect((await certs(deal.counsel)).body.items.filter((c: { partyId: string }) => c.partyId === deal.parties.B.id)).toHaveLength(0);
  });

  test('closing the room asks every party that had access, and only those; their members reach only the certification', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const a1 = await take(advisorA, deal.docs.finance.id);
    // Party B never had an NDA in force nor took anything.
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const items = (await certs(deal.manager)).body.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ partyId: deal.parties.A.id, reason: 'room_closed', downloads: 1 });
    // Closing again opens nothing more.
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    expect((await certs(deal.manager)).body.items).toHaveLength(1);

    // The gate still holds for the rest of the room.
    expect((await advisorA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('room_closed');
    expect((await advisorA.get(`${deal.roomPath}/folders`)).body.error.code).toBe('room_closed');
    expect((await advisorA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(404);
    expect((await advisorA.get(`/api/rooms/${deal.room.id}/certifications`)).status).toBe(200);
    const certified = await advisorA.post(`${deal.roomPath}/certifications/${items[0].id}/certify`, { statement: STATEMENT });
    expect(certified.status).toBe(200);
    const certificate = (await advisorA.get(`${deal.roomPath}/certifications/${items[0].id}/certificate`)).body as SignedCertificate;
    expect(certificate.downloads.map((d) => d.id)).toEqual([a1]);
    // Party B's member sees an empty list: no request, and nothing of A's.
    const listB = await certs(buyerB);
    expect(listB.status).toBe(200);
    expect(listB.body.items).toEqual([]);
  });

  test('a party whose access comes back and ends again is asked again, for what it took since; while a request is open, not twice', async () => {
    const { ndaA } = await openDeal();
    await take(buyerA, deal.docs.finance.id);
    await terminate(ndaA.id);
    const [first] = (await certs(deal.counsel)).body.items;
    // Access back, and ended again before the party certified: still the one request.
    const again = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await terminate(again.id);
    expect((await certs(deal.counsel)).body.items).toHaveLength(1);
    expect((await buyerA.post(`${deal.roomPath}/certifications/${first.id}/certify`, { statement: STATEMENT })).status).toBe(200);

    // Access back after certifying, a new copy taken, access ended: a new request.
    const third = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const later = await take(buyerA, deal.docs.finance.id);
    await terminate(third.id);
    const items = (await certs(deal.counsel)).body.items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ status: 'requested', downloads: 2 });
    expect(items[1]).toMatchObject({ id: first.id, status: 'certified', downloads: 1 });
    const newest = (await deal.counsel.get(`${deal.roomPath}/certifications/${items[0].id}/certificate`)).body as SignedCertificate;
    expect(newest.downloads.map((d) => d.id)).toContain(later);
    // The first certificate stays as it was certified: it does not grow with later downloads.
    const firstCertificate = (await deal.counsel.get(`${deal.roomPath}/certifications/${first.id}/certificate`)).body as SignedCertificate;
    expect(firstCertificate.downloads.map((d) => d.id)).not.toContain(later);
  });

  test('a member removed from the party still appears on its certificate with what they took while a member', async () => {
    const { ndaA } = await openDeal();
    const a1 = await take(advisorA, deal.docs.finance.id);
    expect((await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`)).status).toBe(204);
    await terminate(ndaA.id);
    const [request] = (await certs(deal.counsel)).body.items;
    expect(request.downloads).toBe(1);
    const certificate = (await deal.counsel.get(`${deal.roomPath}/certifications/${request.id}/certificate`)).body as SignedCertificate;
    expect(certificate.downloads.map((d) => d.id)).toEqual([a1]);
    expect(certificate.members.find((m) => m.id === deal.users.advisorA.id)?.until).toEqual(expect.any(String));
    // Removed, they no longer reach it.
    expect((await advisorA.get(`${deal.roomPath}/certifications`)).status).toBe(404);
  });

  test('NDA expiry reminders go to the deal team 30, 7 and 1 days before, once each; none for a terminated NDA', async () => {
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(40 * DAY) });
    const gone = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(45 * DAY) });
    await terminate(gone.id);
    await settle();
    const job = ndaExpiryReminderJob(t.config);
    const reminders = (address: string) => mailsTo(address).filter((m) => /^NDA of .* expires in/.test(m.subject ?? ''));
    await job.run(t.db, iso(0));
    await settle();
    expect(reminders(deal.users.counsel.email)).toHaveLength(0);
    await Promise.all([job.run(t.db, iso(11 * DAY)), job.run(t.db, iso(11 * DAY)), job.run(t.db, iso(12 * DAY))]);
    await settle();
    for (const staff of [deal.users.manager, deal.users.counsel, deal.users.counsel2]) {
      const mails = reminders(staff.email);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe('NDA of Alpha Capital expires in 29 days: Sale of Falcon');
    }
    for (const external of [deal.users.buyerA, deal.users.advisorA, deal.users.buyerB]) expect(reminders(external.email)).toHaveLength(0);
    // Each run's mail is sent before the next run, so the mailbox holds them in order.
    for (const at of [34 * DAY, 39 * DAY + 60_000, 39 * DAY + 120_000, 41 * DAY]) {
      await job.run(t.db, iso(at));
      await settle();
    }
    expect(reminders(deal.users.counsel.email).map((m) => m.subject)).toEqual([
      'NDA of Alpha Capital expires in 29 days: Sale of Falcon',
      'NDA of Alpha Capital expires in 6 days: Sale of Falcon',
      'NDA of Alpha Capital expires in 1 day: Sale of Falcon',
    ]);
    // The terminated NDA, within 30 days of its expiry from day 15 on, was never reminded of.
    expect(smtp.messages.some((m) => /Beta Holdings expires/.test(m.subject ?? ''))).toBe(false);
    expect(nda.id).toEqual(expect.any(String));
  });

  test('an NDA registered with five days left gets the 7-day reminder at once and never a 30-day one', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(5 * DAY) });
    const job = ndaExpiryReminderJob(t.config);
    await job.run(t.db, iso(0));
    await job.run(t.db, iso(60_000));
    await settle();
    const mails = mailsTo(deal.users.manager.email).filter((m) => /expires in/.test(m.subject ?? ''));
    expect(mails.map((m) => m.subject)).toEqual(['NDA of Alpha Capital expires in 5 days: Sale of Falcon']);
  });

  test('a disabled member is not mailed and cannot certify', async () => {
    const { ndaA } = await openDeal();
    expect((await deal.admin.post(`/api/users/${deal.users.advisorA.id}/disable`)).status).toBe(200);
    await terminate(ndaA.id);
    await settle();
    expect(certMails(deal.users.advisorA.email)).toHaveLength(0);
    expect(certMails(deal.users.buyerA.email)).toHaveLength(1);
    const [request] = (await certs(deal.counsel)).body.items;
    expect((await advisorA.post(`${deal.roomPath}/certifications/${request.id}/certify`, { statement: STATEMENT })).status).toBe(401);
    await expect(Client.login(t.app, deal.users.advisorA.email, PASSWORD)).rejects.toThrow();
  });
});
