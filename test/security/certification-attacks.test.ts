import { generateKeyPairSync, sign } from 'node:crypto';
import type { Client } from '../support/test-app.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { certificateMessage, certificateSignatureValid, publicKeyText, type SignedCertificate } from '../../server/certifications/certificate.js';

const STATEMENT = 'Every copy has been destroyed.';

/**
 * Attacks on return-or-destroy, from the other side: another party's ids, guessed ids, a party that
 * owes nothing, the deal team signing for a bidder, hostile statements, a forged certificate, and a
 * member whose access ended reaching for more than the certification.
 */
describe('return-or-destroy certifications under attack', () => {
  let t: TestApp;
  let deal: Deal;
  let buyerA: Client;
  let buyerB: Client;
  let requestId: string;

  beforeAll(async () => {
    t = await startTestApp();
    deal = await buildDeal(t);
    [buyerA, buyerB] = await Promise.all([deal.login('buyerA'), deal.login('buyerB')]);
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    // Party A loses its only NDA (a request opens); party B stays covered (it owes nothing).
    const ndaA = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${ndaA.id}/terminate`, { reason: 'test' })).status).toBe(200);
    const open = (await deal.counsel.get(`${deal.roomPath}/certifications?status=requested`)).body.items as Array<{ id: string; partyId: string }>;
    requestId = open.find((c) => c.partyId === deal.parties.A.id)!.id;
  });

  const certifyPath = (id: string, roomPath = deal.roomPath) => `${roomPath}/certifications/${id}/certify`;
  const stored = async () => ((await deal.counsel.get(`${deal.roomPath}/certifications`)).body.items as Array<{ id: string; status: string; certifiedBy: string | null }>).find((c) => c.id === requestId)!;

  test("another party's request answers exactly as a made-up id, on every route, and stays uncertified", async () => {
    const made = '0b7e7a43-5a51-4d8c-9d41-1b6e7f9a2c11';
    for (const [suffix, call] of [
      ['certify', (id: string) => buyerB.post(certifyPath(id), { statement: STATEMENT })],
      ['certificate', (id: string) => buyerB.get(`${deal.roomPath}/certifications/${id}/certificate`)],
      ['certificate.pdf', (id: string) => buyerB.get(`${deal.roomPath}/certifications/${id}/certificate.pdf`)],
    ] as const) {
      const real = await call(requestId);
      const fake = await call(made);
      expect({ suffix, status: real.status, body: real.body }).toEqual({ suffix, status: 404, body: fake.body });
    }
    expect((await buyerB.get(`${deal.roomPath}/certifications`)).body.items).toEqual([]);
    expect(await stored()).toMatchObject({ status: 'requested', certifiedBy: null });
    // The refusals are on the ledger, with the id tried.
    const audit = (await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`)).body.items as Array<{ action: string; decision: string; subjectId: string }>;
    const denials = (await t.db('auditEvents').where({ action: 'certification.certify', decision: 'deny', subjectId: requestId }).select('seq')).length;
    expect(denials).toBeGreaterThanOrEqual(1);
    expect(audit.length).toBeGreaterThan(0);
  });

  test('the deal team and the admin see the request but may not certify in the party\'s place (403)', async () => {
    for (const staff of [deal.manager, deal.counsel, deal.admin]) {
      const res = await staff.post(certifyPath(requestId), { statement: STATEMENT });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    }
    expect(await stored()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  test("a request id through another room's path is a made-up id", async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.gmbh.id] });
    expect(other.status).toBe(201);
    const res = await buyerA.post(certifyPath(requestId, `/api/rooms/${other.body.id}`), { statement: STATEMENT });
    expect(res.status).toBe(404);
    const asStaff = await deal.manager.get(`/api/rooms/${other.body.id}/certifications/${requestId}/certificate`);
    expect(asStaff.status).toBe(404);
    expect(await stored()).toMatchObject({ status: 'requested' });
  });

  test.each([
    ['missing', {}],
    ['empty', { statement: '' }],
    ['blank', { statement: '   \n\t ' }],
    ['not text', { statement: 42 }],
    ['an array', { statement: [STATEMENT] }],
    ['too long', { statement: 'x'.repeat(4001) }],
    ['a NUL', { statement: 'destroyed\u0000 except one' }],
    ['a direction override', { statement: 'We destroyed \u202enothing\u202c.' }],
  ])('a statement that is %s is refused with 400 naming statement, and nothing is certified', async (_what, body) => {
    const res = await buyerA.post(certifyPath(requestId), body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(Object.keys(res.body.error.details)).toContain('statement');
    expect(await stored()).toMatchObject({ status: 'requested', certifiedBy: null });
  });

  test('fields a member may not set (who certified, when, the party) are refused', async () => {
    const res = await buyerA.post(certifyPath(requestId), { statement: STATEMENT, certifiedBy: deal.users.advisorA.id, certifiedAt: '2020-01-01T00:00:00.000Z', partyId: deal.parties.B.id });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['certifiedAt', 'certifiedBy', 'partyId']);
    // A member cannot widen the list to another party by query either.
    expect((await buyerA.get(`${deal.roomPath}/certifications?partyId=${deal.parties.B.id}`)).status).toBe(400);
  });

  test("the party's IP allow-list still holds for its certification", async () => {
    expect((await deal.manager.put(`${deal.roomPath}/parties/${deal.parties.A.id}/ip-allowlist`, { cidrs: ['203.0.113.0/24'] })).status).toBe(200);
    try {
      const res = await buyerA.get(`${deal.roomPath}/certifications`);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'ip_not_allowed' });
      expect((await buyerA.post(certifyPath(requestId), { statement: STATEMENT })).status).toBe(403);
    } finally {
      await deal.manager.put(`${deal.roomPath}/parties/${deal.parties.A.id}/ip-allowlist`, { cidrs: [] });
    }
  });

  test('a certificate re-signed with another key, or altered, does not verify with the ledger key', async () => {
    expect((await buyerA.post(certifyPath(requestId), { statement: STATEMENT })).status).toBe(200);
    const real = (await deal.counsel.get(`${deal.roomPath}/certifications/${requestId}/certificate`)).body as SignedCertificate;
    const ledgerKey = loadLedgerKey(t.config.audit).publicKey;
    expect(certificateSignatureValid(real, ledgerKey)).toBe(true);
    // A forger with their own key, printing their own key in the certificate: the signature is
    // valid for the key it names, never for the ledger's.
    const forger = generateKeyPairSync('ed25519');
    const { signature: _dropped, ...body } = { ...real, downloads: [], signedWith: { ...real.signedWith, publicKey: publicKeyText(forger.publicKey) } };
    void _dropped;
    const forged: SignedCertificate = { ...body, signature: sign(null, certificateMessage(body), forger.privateKey).toString('base64') };
    expect(certificateSignatureValid(forged, forger.publicKey)).toBe(true);
    expect(certificateSignatureValid(forged, ledgerKey)).toBe(false);
    // The signature is bound to its domain: the same body signed bare (as another kind of statement) fails.
    const bare = { ...real, signature: '' };
    expect(certificateSignatureValid(bare, ledgerKey)).toBe(false);
    expect(certificateSignatureValid({ ...real, signature: 'not base64 at all %%%' }, ledgerKey)).toBe(false);
  });

  test('a member whose access ended reaches the certification and nothing else of the room', async () => {
    const r = deal.roomPath;
    expect((await buyerA.get(`${r}/certifications`)).status).toBe(200);
    for (const url of [`${r}/documents`, `${r}/folders`]) {
      const res = await buyerA.get(url);
      expect({ url, code: res.body.error?.code }).toEqual({ url, code: 'nda_required' });
    }
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(403);
    for (const url of [`${r}/audit`, `${r}/disclosures`, `${r}/grants`]) expect([403, 404]).toContain((await buyerA.get(url)).status);
  });
});
