import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { verify, type KeyObject } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, iso, PASSWORD, type Deal } from '../support/world.js';
import { expectStatus } from '../support/staged-deal.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { binary } from '../support/binary.js';
import { readRawEntries, removeUnpacked, runVerify, unpack } from '../support/archive-on-disk.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';
import { ndaExpiryReminderJob } from '../../server/certifications/clock-jobs.js';

/**
 * Issue 22, deal end, attacked across its parts (API.md "Deal end"): what one part leaves for the
 * next to get wrong — an archive taken before the purge, certificates asked for after it, a party
 * certifying in a purged room, mail that names the wrong party, reminders to the wrong people. The
 * attacks on each part have files of their own:
 * - deal-end-archive-attacks.test.ts: who may touch an archive, what a party archive holds, names in
 *   the ZIP, byte ranges, verify.mjs against doctored copies;
 * - deal-end-certification-attacks.test.ts: who may certify, the statement, certifying once, what a
 *   member whose access ended still reaches, the certificate;
 * - deal-end-purge-attacks.test.ts: who may purge and when, every content path after it, another
 *   deal's objects, the ledger, the deletion certificate, purges racing uploads and archives.
 */

const run = promisify(execFile);
const STATEMENT = 'Every copy we received is destroyed, back-ups included.';
const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;

/** An Ed25519 signature over `domain` + "\n" + the canonical JSON of all but the signature, checked with the key counsel trusts. */
function signedBy(document: Record<string, unknown>, domain: string, publicKey: KeyObject): boolean {
  const { signature, ...body } = document;
  try {
    return verify(null, Buffer.from(`${domain}\n${canonicalJson(body)}`), publicKey, Buffer.from(String(signature), 'base64'));
  } catch {
    return false;
  }
}

describe('the whole deal end, in the order counsel runs it, then attacked', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  let deal: Deal;
  let buyerA: Client;
  let advisorA: Client;
  let buyerB: Client;
  const downloads = { A: [] as string[], B: [] as string[] };
  let alphaCertification: { id: string };
  let alphaCertificateBefore: Record<string, any>;
  const archives: Record<'whole' | 'alpha', { id: string; sha256: string; zip: Buffer }> = {} as never;
  let deletion: Record<string, any>;

  const certificationsPath = () => `${deal.roomPath}/certifications`;
  const take = async (client: Client, documentId: string) => {
    const res = await client.get(`/api/documents/${documentId}/content`).buffer(true).parse(binary);
    if (res.status !== 200) throw new Error(`download: ${res.status}`);
    return res.headers['x-download-id'] as string;
  };
  async function archiveOf(body: object) {
    const { id } = await expectStatus<{ id: string }>(deal.counsel.post(`${deal.roomPath}/archives`, body), 202);
    for (let i = 0; i < 600; i++) {
      const state = await expectStatus<{ status: string; sha256: string }>(deal.counsel.get(`${deal.roomPath}/archives/${id}`), 200);
      if (state.status === 'ready') {
        const content = await deal.counsel.get(`${deal.roomPath}/archives/${id}/content`).buffer(true).parse(binary);
        expect(content.status).toBe(200);
        return { id, sha256: state.sha256, zip: content.body as Buffer };
      }
      if (state.status !== 'building') throw new Error(`archive ${state.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('archive never built');
  }

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2', PUBLIC_URL: 'https://dataroom.example.com' }, { mailWorker: true });
    deal = await buildDeal(t);
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'download' });
    const alphaNda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
    [buyerA, advisorA, buyerB] = await Promise.all([deal.login('buyerA'), deal.login('advisorA'), deal.login('buyerB')]);
    downloads.A.push(await take(buyerA, deal.docs.finance.id), await take(advisorA, deal.docs.payroll.id));
    downloads.B.push(await take(buyerB, deal.docs.legal.id));

    // A walks away: its NDA ends, it certifies. Then the room closes, and B is asked.
    await expectStatus(deal.counsel.post(`${deal.roomPath}/ndas/${alphaNda.id}/terminate`, { reason: 'Alpha withdrew' }), 200);
    const listed = await expectStatus<{ items: Array<{ id: string; partyId: string }> }>(deal.counsel.get(certificationsPath()), 200);
    alphaCertification = listed.items.find((c) => c.partyId === deal.parties.A.id)!;
    await expectStatus(buyerA.post(`${certificationsPath()}/${alphaCertification.id}/certify`, { statement: STATEMENT }), 200);
    alphaCertificateBefore = await expectStatus(deal.counsel.get(`${certificationsPath()}/${alphaCertification.id}/certificate`), 200);
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);

    archives.whole = await archiveOf({});
    archives.alpha = await archiveOf({ partyId: deal.parties.A.id });
    deletion = (await expectStatus<{ certificate: Record<string, any> }>(deal.admin.post(`${deal.roomPath}/purge`), 200)).certificate;
    // Let the mail worker run dry: every mail of the deal end is on the SMTP server.
    await t.mail!.runOnce();
    await t.mail!.runOnce();
  }, 300_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  it("serves a party's return-or-destroy certificate after the purge as before it: signed, with every download its members took", async () => {
    const key = loadLedgerKey(t.config.audit);
    const after = await expectStatus<Record<string, any>>(deal.counsel.get(`${certificationsPath()}/${alphaCertification.id}/certificate`), 200);
    expect(signedBy(after, 'gatehouse/return-or-destroy-certificate/v1', key.publicKey)).toBe(true);
    expect(after.downloads).toEqual(alphaCertificateBefore.downloads);
    for (const id of downloads.A) expect(JSON.stringify(after.downloads)).toContain(id);
    const pdf = await deal.counsel.get(`${certificationsPath()}/${alphaCertification.id}/certificate.pdf`).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('lets a party whose access ended with the room certify after the purge, and lists what its members took', async () => {
    const mine = await expectStatus<{ items: Array<{ id: string; partyId: string; status: string }> }>(buyerB.get(certificationsPath()), 200);
    expect(mine.items.map((c) => [c.partyId, c.status])).toEqual([[deal.parties.B.id, 'requested']]);
    await expectStatus(buyerB.post(`${certificationsPath()}/${mine.items[0]!.id}/certify`, { statement: STATEMENT }), 200);
    const certificate = await expectStatus<Record<string, any>>(buyerB.get(`${certificationsPath()}/${mine.items[0]!.id}/certificate`), 200);
    expect(JSON.stringify(certificate.downloads)).toContain(downloads.B[0]);
    for (const id of downloads.A) expect(JSON.stringify(certificate)).not.toContain(id);
  });

  it('answers 410 for archives taken before the purge, while the copies counsel took still verify offline', async () => {
    for (const archive of Object.values(archives)) {
      const res = await deal.counsel.get(`${deal.roomPath}/archives/${archive.id}/content`).buffer(true).parse(binary);
      expect(res.status).toBe(410);
      const dir = unpack(await readRawEntries(archive.zip));
      try {
        const verified = await runVerify(dir);
        expect({ code: verified.code, output: verified.output }).toEqual({ code: 0, output: expect.any(String) });
      } finally {
        removeUnpacked(dir);
      }
    }
  });

  it('lists both archives in the deletion certificate, with the SHA-256 each archive reported', () => {
    const listed = (deletion.objects as Array<{ kind: string; sha256: string; state: string }>).filter((o) => o.kind === 'archive');
    expect(listed.map((o) => o.sha256).sort()).toEqual([archives.whole.sha256, archives.alpha.sha256].sort());
    expect(listed.every((o) => o.state === 'deleted')).toBe(true);
    expect(signedBy(deletion, 'gatehouse-deletion-certificate-v1', loadLedgerKey(t.config.audit).publicKey)).toBe(true);
  });

  it('keeps a ledger that verifies after it all: npm run audit:verify exits 0', async () => {
    const cli = await run(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
      env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) },
    }).then((r) => ({ code: 0, ...r }), (err: { code: number; stdout: string; stderr: string }) => err);
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true });
  }, 60_000);

  it("never names another party, or the room's real name, in any mail a party's member received", () => {
    const alphaMembers = [deal.users.buyerA.email, deal.users.advisorA.email];
    const secretsOf = {
      A: ['Alpha Capital', 'Lex & Co', 'Bidder A', deal.users.buyerA.email, deal.users.advisorA.email, 'Łukasz Ørsted', 'Adam Advisor'],
      B: ['Beta Holdings', 'Bidder B', deal.users.buyerB.email, 'Bob Beta'],
    };
    const toA = smtp.messages.filter((m) => alphaMembers.some((a) => to(a)(m)));
    const toB = smtp.messages.filter(to(deal.users.buyerB.email));
    expect(toA.length).toBeGreaterThan(0);
    expect(toB.length).toBeGreaterThan(0);
    for (const [mails, secrets] of [[toA, secretsOf.B], [toB, secretsOf.A]] as const) {
      for (const mail of mails) {
        const text = readable(mail);
        const leaked = [...secrets, 'Sale of Falcon'].filter((s) => text.includes(s));
        expect({ subject: mail.subject, leaked }).toEqual({ subject: mail.subject, leaked: [] });
      }
    }
  });

  it('shows a bidder nothing of the purge or the archives: no state, no certificate, no list', async () => {
    for (const url of [`${deal.roomPath}/purge`, `${deal.roomPath}/archives`, `${deal.roomPath}/archives/${archives.whole.id}`]) {
      const res = await buyerA.get(url);
      expect({ url, status: [403, 404].includes(res.status) }).toEqual({ url, status: true });
      expect(JSON.stringify(res.body)).not.toContain(deletion.signature as string);
    }
    const room = await expectStatus<Record<string, unknown>>(buyerA.get(deal.roomPath), 200);
    expect(room).not.toHaveProperty('retainDays');
  });
});

describe('NDA expiry reminders go to the deal team and counsel of the room, and no one else', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  it('mails the managers and counsel a week before an NDA ends; never a bidder, an expert, a disabled counsel or the staff of another deal', async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2' }, { mailWorker: true });
    const deal = await buildDeal(t);
    const staffUser = (email: string, name: string) =>
      expectStatus<{ id: string; email: string }>(deal.admin.post('/api/users', { email, name, password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }), 201);
    const expert = await staffUser('erin.expert@seller.example', 'Erin Expert');
    await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: expert.id, role: 'expert' }), 201);
    const olga = await staffUser('olga@seller.example', 'Olga Other');
    const other = await Client.login(t.app, olga.email, PASSWORD);
    await expectStatus(other.post('/api/rooms', { name: 'Sale of Osprey', entityIds: [deal.entities.gmbh.id] }), 201);
    await expectStatus(deal.admin.post(`/api/users/${deal.users.counsel2.id}/disable`), 200);
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], expiresAt: iso(6 * 86_400_000) });

    await ndaExpiryReminderJob(t.config).run(t.db, new Date().toISOString());
    await t.mail!.runOnce();
    await t.mail!.runOnce();
    const aboutExpiry = (m: ParsedMail) => /expir/i.test(`${m.subject}\n${m.text}`);
    await smtp.waitFor((m) => to(deal.users.manager.email)(m) && aboutExpiry(m));
    await smtp.waitFor((m) => to(deal.users.counsel.email)(m) && aboutExpiry(m));
    const recipients = new Set(smtp.messages.filter(aboutExpiry).flatMap((m) => [m.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address!.toLowerCase()))));
    for (const never of [deal.users.buyerA.email, deal.users.advisorA.email, deal.users.buyerB.email, expert.email, olga.email, deal.users.counsel2.email]) {
      expect({ never, mailed: recipients.has(never) }).toEqual({ never, mailed: false });
    }
  });
});

describe('deal-end mail under hostile names', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  it('keeps a code name or organisation name with line breaks out of the headers of certification and NDA expiry mails (no header injection)', async () => {
    smtp = await startSmtpSink();
    t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2' }, { mailWorker: true });
    const deal = await buildDeal(t);
    const hostile = 'Project Falcon\r\nBcc: spy@evil.example\r\nX-Injected: yes';
    const renamed = await deal.manager.patch(deal.roomPath, { codeName: hostile });
    // Refusing such a name is a fine answer too; then there is nothing to inject.
    if (renamed.status !== 200) {
      expect(renamed.status).toBe(400);
      return;
    }
    await expectStatus(deal.admin.patch(`/api/orgs/${deal.orgs.alpha.id}`, { name: 'Alpha Capital\r\nBcc: spy@evil.example' }), 200).catch(() => undefined);
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true, expiresAt: iso(6 * 86_400_000) });
    await ndaExpiryReminderJob(t.config).run(t.db, new Date().toISOString());
    await expectStatus(deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'ended' }), 200);
    await smtp.waitFor((m) => to(deal.users.buyerA.email)(m) && /certif|return|destroy/i.test(`${m.subject}\n${m.text}`));
    await smtp.waitFor((m) => to(deal.users.counsel.email)(m) && /expir/i.test(`${m.subject}\n${m.text}`));
    await t.mail!.runOnce();
    for (const mail of smtp.messages) {
      expect({ subject: mail.subject, injected: mail.headers.has('x-injected') || mail.headers.has('bcc') }).toEqual({ subject: mail.subject, injected: false });
      const recipients = [mail.to ?? [], mail.cc ?? [], mail.bcc ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
      expect(recipients).not.toContain('spy@evil.example');
    }
  });
});
