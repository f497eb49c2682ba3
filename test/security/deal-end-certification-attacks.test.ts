import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { BearerClient, expectStatus, observableAnswer } from '../support/staged-deal.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';

/**
 * Issue 22, return-or-destroy, attacked from outside (API.md "Deal end"): a bidder certifying for
 * another party or reading its certificate, the deal team signing in a bidder's place, a statement
 * that is empty, huge or full of control characters, two members certifying at once, a disabled
 * member, and a member whose access has ended trying to reach anything else of the room. Mail is
 * read off a real SMTP server.
 */

const RANDOM_ID = '3f9b2c7d-1e4a-4b6c-8d0e-9a8b7c6d5e4f';
const STATEMENT = 'We have returned or destroyed every document of Project Falcon and kept no copy.';
const readable = (m: ParsedMail) => `${m.subject}\n${m.text}\n${m.html || ''}`;
/** A mail about return-or-destroy (its wording is the product's, so match loosely). */
const aboutCertification = (m: ParsedMail) => /certif|return|destroy/i.test(`${m.subject}\n${m.text}`);

interface Certification {
  id: string;
  partyId: string;
  status: 'requested' | 'certified';
  downloads: number | unknown[];
  requestedAt: string;
  certifiedAt: string | null;
  certifiedBy: string | null;
}

let smtp: SmtpSink;
let t: TestApp;
let deal: Deal;
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
let alphaNdaId: string;
/** The download ids party A's members took (from X-Download-Id), and the others'. */
let alphaDownloads: string[];
let betaDownload: string;
let staffDownload: string;

const certificationsPath = () => `${deal.roomPath}/certifications`;
const certifyPath = (id: string, roomPath = deal.roomPath) => `${roomPath}/certifications/${id}/certify`;

async function download(client: Client, documentId: string, kind: 'content' | 'original' = 'content'): Promise<string> {
  const res = await client.get(`/api/documents/${documentId}/${kind}`).buffer(true).parse(binary);
  if (res.status !== 200) throw new Error(`download of ${documentId}: ${res.status}`);
  return res.headers['x-download-id'] as string;
}

async function list(client: Client | BearerClient): Promise<Certification[]> {
  const res = await client.get(certificationsPath());
  if (res.status !== 200) throw new Error(`certifications: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.items as Certification[];
}

/** Party A's open request, as counsel reads it. */
async function alphaRequest(): Promise<Certification> {
  const mine = (await list(deal.counsel)).filter((c) => c.partyId === deal.parties.A.id);
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

/**
 * Whether a return-or-destroy certificate's signature holds under `publicKey`, checked as counsel
 * would with Node alone: Ed25519 over the domain line and the canonical JSON of all but the signature.
 */
function signatureHolds(certificate: Record<string, unknown>, publicKey: KeyObject): boolean {
  const { signature, ...body } = certificate;
  try {
    return verify(null, Buffer.from(`gatehouse/return-or-destroy-certificate/v1\n${canonicalJson(body)}`), publicKey, Buffer.from(String(signature), 'base64'));
  } catch {
    return false;
  }
}

const terminateAlpha = () => expectStatus(deal.counsel.post(`${deal.roomPath}/ndas/${alphaNdaId}/terminate`, { reason: 'deal abandoned by Alpha' }), 200);

/** The room's ledger events about one subject (oldest first), as counsel reads them. */
async function eventsAbout(subjectId: string) {
  const res = await expectStatus<{ items: Array<{ seq: number; action: string; decision: string; actorId: string | null; subjectId: string | null; details: Record<string, unknown> }> }>(
    deal.counsel.get(`${deal.roomPath}/audit?limit=1000`),
    200,
  );
  return res.items.filter((e) => e.subjectId === subjectId).sort((a, b) => a.seq - b.seq);
}

beforeEach(async () => {
  smtp = await startSmtpSink();
  t = await startTestApp({ SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.2', PUBLIC_URL: 'https://dataroom.example.com' }, { mailWorker: true });
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'download' });
  alphaNdaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true })).id;
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');
  alphaDownloads = [await download(buyerA, deal.docs.finance.id), await download(buyerA, deal.docs.finance.id), await download(advisorA, deal.docs.payroll.id)];
  betaDownload = await download(buyerB, deal.docs.legal.id);
  staffDownload = await download(deal.manager, deal.docs.finance.id, 'original');
}, 120_000);
afterEach(async () => {
  await t.close();
  await smtp.stop();
});

describe("a request opens for the party whose access ended, and for no one else", () => {
  it("opens one request for A when A's last NDA is terminated, none for B whose access goes on, and shows each external only their own party's", async () => {
    expect(await list(deal.counsel)).toEqual([]);
    await terminateAlpha();
    const request = await alphaRequest();
    expect(request).toMatchObject({ partyId: deal.parties.A.id, status: 'requested', certifiedAt: null, certifiedBy: null });
    expect(await list(deal.counsel)).toHaveLength(1);
    expect((await list(buyerA)).map((c) => c.id)).toEqual([request.id]);
    expect((await list(advisorA)).map((c) => c.id)).toEqual([request.id]);
    expect(await list(buyerB)).toEqual([]);
    // A query parameter does not widen an external's list.
    const asked = await buyerB.get(`${certificationsPath()}?partyId=${deal.parties.A.id}`);
    expect(asked.status === 400 || (asked.status === 200 && asked.body.items.length === 0)).toBe(true);
  });

  it("mails A's members (and only them), naming the room by its code name and no other party", async () => {
    await terminateAlpha();
    const mails = await Promise.all([smtp.waitFor((m) => to(deal.users.buyerA.email)(m) && aboutCertification(m)), smtp.waitFor((m) => to(deal.users.advisorA.email)(m) && aboutCertification(m))]);
    // Let the worker run dry, then read everything it sent.
    await t.mail!.runOnce();
    await t.mail!.runOnce();
    for (const mail of mails) {
      const text = readable(mail);
      expect(text).toContain('Project Falcon');
      for (const secret of ['Sale of Falcon', 'Beta Holdings', 'Bidder B', deal.users.buyerB.email, 'Bob Beta', deal.parties.B.id]) expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(smtp.messages.filter((m) => to(deal.users.buyerB.email)(m) && aboutCertification(m))).toEqual([]);
  });

  it('opens no second request when the same party loses access twice over (terminate, then the room closes)', async () => {
    await terminateAlpha();
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const requests = await list(deal.counsel);
    expect(requests.filter((c) => c.partyId === deal.parties.A.id)).toHaveLength(1);
    // B's access ended with the room: B now has its own.
    expect(requests.filter((c) => c.partyId === deal.parties.B.id)).toHaveLength(1);
  });

  it("opens none while another NDA still covers the party: a second NDA of the acquirer, or an advisor's own NDA after the acquirer's ends", async () => {
    const joinder = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], kind: 'joinder', coversRepresentatives: true });
    await terminateAlpha();
    expect(await list(deal.counsel)).toEqual([]);
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
    // The advisor signs its own NDA; the acquirer's last one ends: the advisor is still covered, so the party's access has not ended.
    await deal.nda({ orgId: deal.orgs.lex.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await expectStatus(deal.counsel.post(`${deal.roomPath}/ndas/${joinder.id}/terminate`, { reason: 'joinder ended' }), 200);
    expect((await advisorA.get(`/api/documents/${deal.docs.payroll.id}/content`)).status).toBe(200);
    expect(await list(deal.counsel)).toEqual([]);
  });

  it('opens none for a party that never had access (no NDA ever confirmed, nothing downloaded), even when the room closes', async () => {
    const gamma = await expectStatus<{ id: string }>(deal.admin.post('/api/orgs', { name: 'Gamma Partners', kind: 'acquirer' }), 201);
    const partyC = await expectStatus<{ id: string }>(deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id }), 201);
    await deal.grant({ partyId: partyC.id, folderId: null });
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    expect((await list(deal.counsel)).filter((c) => c.partyId === partyC.id)).toEqual([]);
  });
});

describe('who may certify', () => {
  it("answers B certifying A's request, or reading A's certificate, exactly as a made-up id, and leaves A's request untouched", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const pairs: Array<[string, (id: string) => Promise<any>]> = [
      ['certify', (id) => buyerB.post(certifyPath(id), { statement: STATEMENT })],
      ['certificate', (id) => buyerB.get(`${certificationsPath()}/${id}/certificate`)],
      ['certificate.pdf', (id) => buyerB.get(`${certificationsPath()}/${id}/certificate.pdf`)],
      ['read', (id) => buyerB.get(`${certificationsPath()}/${id}`)],
    ];
    for (const [what, attempt] of pairs) {
      const real = observableAnswer(await attempt(request.id));
      const made = observableAnswer(await attempt(RANDOM_ID));
      expect({ what, ...real }).toEqual({ what, ...made });
      expect({ what, status: real.status }).toEqual({ what, status: 404 });
    }
    const script = await BearerClient.mint(t.app, buyerB);
    expect((await script.post(certifyPath(request.id), { statement: STATEMENT })).status).toBe(404);
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  it("answers A's request id through another room's path as a made-up id", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const other = await expectStatus<{ id: string }>(deal.manager.post('/api/rooms', { name: 'Another deal', entityIds: [deal.entities.gmbh.id] }), 201);
    const otherPath = `/api/rooms/${other.id}`;
    for (const client of [buyerA, deal.counsel]) {
      const crossed = observableAnswer(await client.post(certifyPath(request.id, otherPath), { statement: STATEMENT }));
      const made = observableAnswer(await client.post(certifyPath(RANDOM_ID, otherPath), { statement: STATEMENT }));
      expect(crossed).toEqual(made);
      expect([403, 404]).toContain(crossed.status);
    }
    expect(await alphaRequest()).toMatchObject({ status: 'requested' });
  });

  it("refuses the deal team and the admin certifying in a party's place (403 or 404), and the request stays open", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    for (const staff of [deal.manager, deal.counsel, deal.admin]) {
      const res = await staff.post(certifyPath(request.id), { statement: STATEMENT });
      expect([403, 404]).toContain(res.status);
    }
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null, certifiedAt: null });
  });

  it('shuts a disabled member out of certifying, by session and by API token', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const script = await BearerClient.mint(t.app, advisorA);
    await expectStatus(deal.admin.post(`/api/users/${deal.users.advisorA.id}/disable`), 200);
    expect((await advisorA.post(certifyPath(request.id), { statement: STATEMENT })).status).toBe(401);
    expect((await script.post(certifyPath(request.id), { statement: STATEMENT })).status).toBe(401);
    expect((await advisorA.get(certificationsPath())).status).toBe(401);
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  it('refuses a member who left the party certifying for it (404), and shows them no request', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    await expectStatus(deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`), 204);
    const res = await advisorA.post(certifyPath(request.id), { statement: STATEMENT });
    expect(res.status).toBe(404);
    const listed = await advisorA.get(certificationsPath());
    expect(listed.status === 404 || (listed.status === 200 && listed.body.items.length === 0) || listed.status === 403).toBe(true);
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  it('refuses a cookie-authenticated certify without the CSRF token', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const res = await buyerA.agent.post(certifyPath(request.id)).send({ statement: STATEMENT });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
    expect(await alphaRequest()).toMatchObject({ status: 'requested' });
  });

  it('gives a member of a party whose access never ended nothing to certify: an empty list, and 404 for any id', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    expect(await list(buyerB)).toEqual([]);
    expect((await buyerB.post(certifyPath(request.id), { statement: STATEMENT })).status).toBe(404);
  });
});

describe('the statement', () => {
  it.each([
    ['missing', {}],
    ['empty', { statement: '' }],
    ['blank', { statement: ' \n\t ' }],
    ['a number', { statement: 42 }],
    ['an object', { statement: { text: STATEMENT } }],
    ['NUL inside', { statement: `${STATEMENT}\u0000` }],
  ])('refuses a statement that is %s with 400 naming statement, and certifies nothing', async (_what, body) => {
    await terminateAlpha();
    const request = await alphaRequest();
    const res = await buyerA.post(certifyPath(request.id), body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('statement');
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  it('refuses a 1 MB statement with a clear 4xx (400 naming statement, or 413), and certifies nothing', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const res = await buyerA.post(certifyPath(request.id), { statement: 'x'.repeat(1024 * 1024) });
    expect([400, 413]).toContain(res.status);
    if (res.status === 400) expect(JSON.stringify(res.body.error.details)).toContain('statement');
    expect(await alphaRequest()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  it('refuses unknown fields beside the statement (a certifier, a time, a party) with 400 naming them', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    for (const extra of [{ certifiedBy: deal.users.advisorA.id }, { certifiedAt: '2020-01-01T00:00:00.000Z' }, { partyId: deal.parties.B.id }]) {
      const res = await buyerA.post(certifyPath(request.id), { statement: STATEMENT, ...extra });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toContain(Object.keys(extra)[0]);
    }
    expect(await alphaRequest()).toMatchObject({ status: 'requested' });
  });

  it('either refuses control characters (400 naming statement) or keeps the statement exactly, in a certificate and PDF that still read', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const hostile = `Returned.\u0007\u001b[31m Destroyed.\u202Egnissim\u202C\r\n<script>alert(1)</script> %PDF-1.7 ) Tj`;
    const res = await buyerA.post(certifyPath(request.id), { statement: hostile });
    if (res.status === 400) {
      expect(JSON.stringify(res.body.error.details)).toContain('statement');
      return;
    }
    expect(res.status).toBe(200);
    const json = await buyerA.get(`${certificationsPath()}/${request.id}/certificate`);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.stringify(json.body)).toContain(JSON.stringify(hostile).slice(1, -1));
    const pdf = await buyerA.get(`${certificationsPath()}/${request.id}/certificate.pdf`).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('certifying once', () => {
  it('answers a second certification without changing who certified or when (200 with the first, or 409)', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const first = await buyerA.post(certifyPath(request.id), { statement: STATEMENT });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('certified');
    const certified = await alphaRequest();
    expect(certified).toMatchObject({ status: 'certified', certifiedBy: deal.users.buyerA.id, certifiedAt: expect.any(String) });
    for (const again of [buyerA, advisorA]) {
      const res = await again.post(certifyPath(request.id), { statement: 'A different statement, written later.' });
      expect([200, 409]).toContain(res.status);
    }
    expect(await alphaRequest()).toEqual(certified);
    const certificate = await buyerA.get(`${certificationsPath()}/${request.id}/certificate`);
    expect(JSON.stringify(certificate.body)).toContain(STATEMENT);
    expect(JSON.stringify(certificate.body)).not.toContain('A different statement');
  });

  it('certifies once when two members certify at the same instant: one certifier, one time, one ledger event', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const answers = await Promise.all([
      buyerA.post(certifyPath(request.id), { statement: 'Statement of Anna' }),
      advisorA.post(certifyPath(request.id), { statement: 'Statement of Adam' }),
      buyerA.post(certifyPath(request.id), { statement: 'Statement of Anna' }),
    ]);
    for (const res of answers) expect([200, 409]).toContain(res.status);
    expect(answers.some((res) => res.status === 200)).toBe(true);
    const certified = await alphaRequest();
    expect(certified.status).toBe('certified');
    expect([deal.users.buyerA.id, deal.users.advisorA.id]).toContain(certified.certifiedBy);
    const certificate = JSON.stringify((await deal.counsel.get(`${certificationsPath()}/${request.id}/certificate`)).body);
    // One statement, the winner's.
    expect([certificate.includes('Statement of Anna'), certificate.includes('Statement of Adam')].filter(Boolean)).toHaveLength(1);
    // Repeated attempts are on the record too, marked as answered by the certification already made.
    const certifications = (await eventsAbout(request.id)).filter((e) => e.decision === 'allow' && /certif(y|ied)$/.test(e.action) && !e.details.alreadyCertified);
    expect(certifications).toHaveLength(1);
    expect(certifications[0]!.actorId).toBe(certified.certifiedBy);
  });
});

describe('what a member whose access ended can still reach', () => {
  async function expectShutOut(client: Client) {
    const r = deal.roomPath;
    const lists = [`${r}/documents`, `${r}/folders`, `${r}/search?q=finance`, `${r}/questions`, `${r}/download.zip`];
    for (const url of lists) {
      const res = await client.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
      expect(['nda_required', 'room_closed']).toContain(res.body.error.code);
    }
    for (const url of [`/api/documents/${deal.docs.finance.id}`, `/api/documents/${deal.docs.finance.id}/content`, `/api/documents/${deal.docs.finance.id}/content?download=${alphaDownloads[0]}`]) {
      const res = await client.get(url);
      expect({ url, reached: res.status === 200 || res.status === 206 }).toEqual({ url, reached: false });
    }
    const asked = await client.post(`${r}/questions`, { subject: 'Still here?', body: 'Can we still ask?' });
    expect(asked.status).toBe(403);
  }

  it('reaches the list and certify of its own request, and nothing else of the room, before and after certifying', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    await expectShutOut(buyerA);
    await expectShutOut(advisorA);
    expect((await buyerA.get(`${certificationsPath()}/${request.id}/certificate`)).status).toBe(200);
    expect((await buyerA.post(certifyPath(request.id), { statement: STATEMENT })).status).toBe(200);
    await expectShutOut(buyerA);
    await expectShutOut(advisorA);
  });

  it('reaches only its own request in a closed room, and still gets room_closed for everything else', async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const mine = await list(buyerB);
    expect(mine.map((c) => c.partyId)).toEqual([deal.parties.B.id]);
    expect((await buyerB.post(certifyPath(mine[0]!.id), { statement: STATEMENT })).status).toBe(200);
    const docs = await buyerB.get(`${deal.roomPath}/documents`);
    expect({ status: docs.status, code: docs.body.error?.code }).toEqual({ status: 403, code: 'room_closed' });
    expect((await buyerB.get(`/api/documents/${deal.docs.legal.id}/content`)).status).toBe(404);
  });
});

describe('the certificate', () => {
  /** Every download id a certificate names, wherever it keeps them. */
  const downloadIdsIn = (certificate: unknown) => {
    const text = JSON.stringify(certificate);
    return [...alphaDownloads, betaDownload, staffDownload].filter((id) => text.includes(id));
  };

  it("lists every download A's members took, and none of B's or the deal team's", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const downloads = request.downloads;
    expect(Array.isArray(downloads) ? downloads.length : downloads).toBe(alphaDownloads.length);
    await expectStatus(buyerA.post(certifyPath(request.id), { statement: STATEMENT }), 200);
    const certificate = await expectStatus(deal.counsel.get(`${certificationsPath()}/${request.id}/certificate`), 200);
    expect(downloadIdsIn(certificate).sort()).toEqual([...alphaDownloads].sort());
    const text = JSON.stringify(certificate);
    for (const secret of ['Beta Holdings', 'Bidder B', deal.users.buyerB.email, deal.users.buyerB.id]) expect(text).not.toContain(secret);
  });

  it('still lists the downloads of a member who left the party before its access ended (the departing employee)', async () => {
    await expectStatus(deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`), 204);
    await terminateAlpha();
    const request = await alphaRequest();
    const certificate = await expectStatus(deal.counsel.get(`${certificationsPath()}/${request.id}/certificate`), 200);
    expect(downloadIdsIn(certificate).sort()).toEqual([...alphaDownloads].sort());
  });

  it("is signed with the ledger key: it verifies with the server's public key, and not once a byte of it changes or its printed key is swapped", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    await expectStatus(buyerA.post(certifyPath(request.id), { statement: STATEMENT }), 200);
    const key = loadLedgerKey(t.config.audit);
    for (const reader of [deal.counsel, buyerA]) {
      const certificate = await expectStatus<Record<string, any>>(reader.get(`${certificationsPath()}/${request.id}/certificate`), 200);
      expect(JSON.stringify(certificate)).toContain(key.keyId);
      expect(signatureHolds(certificate, key.publicKey)).toBe(true);
      const lessDownloads = { ...certificate, downloads: certificate.downloads.slice(1) };
      expect(signatureHolds(lessDownloads, key.publicKey)).toBe(false);
      const otherStatement = JSON.parse(JSON.stringify(certificate).replace('kept no copy', 'kept one copy'));
      expect(signatureHolds(otherStatement, key.publicKey)).toBe(false);
      // A forger's key printed in the certificate and a signature by it: counsel checks with the server's key, not the printed one.
      const forger = generateKeyPairSync('ed25519');
      const { signature: _signature, ...body } = otherStatement;
      const reprinted = { ...body, signedWith: { ...body.signedWith, publicKey: forger.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } };
      const forged = { ...reprinted, signature: sign(null, Buffer.from(`gatehouse/return-or-destroy-certificate/v1\n${canonicalJson(reprinted)}`), forger.privateKey).toString('base64') };
      expect(signatureHolds(forged, key.publicKey)).toBe(false);
    }
  });

  it("names the room to the party by its code name only, in the certificate's JSON and its PDF", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const json = await expectStatus(buyerA.get(`${certificationsPath()}/${request.id}/certificate`), 200);
    expect(JSON.stringify(json)).toContain('Project Falcon');
    expect(JSON.stringify(json)).not.toContain('Sale of Falcon');
    const pdf = await buyerA.get(`${certificationsPath()}/${request.id}/certificate.pdf`).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    const text = execFileSync('pdftotext', ['-', '-'], { input: pdf.body as Buffer }).toString('utf8');
    expect(text).toContain('Project Falcon');
    expect(text).not.toContain('Sale of Falcon');
    for (const secret of ['Beta Holdings', 'Bidder B', deal.users.buyerB.email]) expect(text).not.toContain(secret);
  });

  it("lists nothing a member took for the party they left before joining this one (moved from C to D within a second)", async () => {
    const r = deal.roomPath;
    const org = (name: string, kind: string) => expectStatus<{ id: string }>(deal.admin.post('/api/orgs', { name, kind }), 201);
    const [gamma, delta, swing] = [await org('Gamma Partners', 'acquirer'), await org('Delta Group', 'acquirer'), await org('Swing Advisory', 'advisor')];
    const partyC = await expectStatus<{ id: string }>(deal.manager.post(`${r}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id, advisorOrgIds: [swing.id] }), 201);
    const partyD = await expectStatus<{ id: string }>(deal.manager.post(`${r}/parties`, { name: 'Bidder D', acquirerOrgId: delta.id, advisorOrgIds: [swing.id] }), 201);
    const moverUser = await expectStatus<{ id: string; email: string }>(deal.admin.post('/api/users', { email: 'max@swing.example', name: 'Max Mover', password: PASSWORD, orgId: swing.id, role: 'external' }), 201);
    const cFolder = await expectStatus<{ id: string }>(deal.manager.post(`${r}/folders`, { name: 'Gamma data' }), 201);
    const cDoc = await expectStatus<{ id: string }>(
      deal.manager.upload(`${r}/documents`, { data: await makePdf('Gamma only'), name: 'gamma.pdf' }, { folderId: cFolder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title: 'GAMMA-ONLY-MARKER terms' }),
      201,
    );
    await deal.grant({ partyId: partyC.id, folderId: cFolder.id });
    await deal.grant({ partyId: partyD.id, folderId: deal.folders.legal.id });
    await deal.nda({ orgId: gamma.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    const deltaNda = await deal.nda({ orgId: delta.id, entityIds: [deal.entities.ltd.id], coversRepresentatives: true });
    await expectStatus(deal.manager.post(`${r}/parties/${partyC.id}/members`, { userId: moverUser.id }), 201);
    const mover = await Client.login(t.app, moverUser.email, PASSWORD);
    const tookForC = await download(mover, cDoc.id);
    await expectStatus(deal.manager.delete(`${r}/parties/${partyC.id}/members/${moverUser.id}`), 204);
    await expectStatus(deal.manager.post(`${r}/parties/${partyD.id}/members`, { userId: moverUser.id }), 201);
    const tookForD = await download(mover, deal.docs.legal.id);
    await expectStatus(deal.counsel.post(`${r}/ndas/${deltaNda.id}/terminate`, { reason: 'Delta withdrew' }), 200);

    const request = (await list(mover)).find((c) => c.partyId === partyD.id);
    expect(request).toBeDefined();
    for (const reader of [mover, deal.counsel]) {
      const certificate = JSON.stringify(await expectStatus(reader.get(`${certificationsPath()}/${request!.id}/certificate`), 200));
      expect(certificate).toContain(tookForD);
      expect({ forC: certificate.includes(tookForC), title: certificate.includes('GAMMA-ONLY-MARKER'), party: certificate.includes(partyC.id) }).toEqual({ forC: false, title: false, party: false });
    }
  });

  it('is refused to a member of another party and to a stranger to the room alike', async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    const strangerUser = await expectStatus<{ id: string; email: string }>(
      deal.admin.post('/api/users', { email: 'sam@stranger.example', name: 'Sam Stranger', password: PASSWORD, orgId: deal.orgs.beta.id, role: 'external' }),
      201,
    );
    const stranger = await Client.login(t.app, strangerUser.email, PASSWORD);
    for (const client of [buyerB, stranger]) {
      for (const tail of ['/certificate', '/certificate.pdf']) {
        const real = observableAnswer(await client.get(`${certificationsPath()}/${request.id}${tail}`));
        const made = observableAnswer(await client.get(`${certificationsPath()}/${RANDOM_ID}${tail}`));
        expect(real).toEqual(made);
        expect(real.status).toBe(404);
      }
    }
    // The stranger is not in the room: its list is the room's 404, not an empty list.
    expect((await stranger.get(certificationsPath())).status).toBe(404);
  });
});

describe('everything is on the record', () => {
  it("records refused certifications (another party's, the deal team's) as refusals", async () => {
    await terminateAlpha();
    const request = await alphaRequest();
    await buyerB.post(certifyPath(request.id), { statement: STATEMENT });
    await deal.manager.post(certifyPath(request.id), { statement: STATEMENT });
    const refusals = await t.db('auditEvents').where({ decision: 'deny' }).whereIn('actorId', [deal.users.buyerB.id, deal.users.manager.id]).select('actorId', 'action', 'subjectId');
    const about = refusals.filter((e: { action: string }) => /certif/.test(e.action));
    expect(new Set(about.map((e: { actorId: string }) => e.actorId))).toEqual(new Set([deal.users.buyerB.id, deal.users.manager.id]));
  });
});

