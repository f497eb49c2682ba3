import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, iso, type Deal } from '../support/world.js';

/**
 * "Download links already handed out stop working" (docs/access-rule.md, "Rights never outlive their source"). A viewer fetches
 * a stamped PDF in byte ranges: the first answer carries `X-Download-Id`, and every later range names
 * it (`?download=<id>`). Once any source of the right is gone, that link is refused on its very next
 * range exactly as a document the caller cannot see: the answer a made-up document id gets (404, or
 * the code docs/http-api.md gives that caller for every content request), never another byte.
 */
let t: TestApp;
let deal: Deal;
let buyerA: Client;
/** Alpha's NDA for Falcon GmbH (finance.pdf's entity); another for Falcon Ltd keeps Alpha covered in the room. */
let gmbhNdaId: string;
let ltdNdaId: string;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  ltdNdaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.ltd.id] })).id;
  buyerA = await deal.login('buyerA');
});
afterEach(() => t.close());

/** Status, body and the headers a client could tell apart (per-request ones aside). */
const observable = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({
  status: res.status,
  body: res.body,
  contentType: res.headers['content-type'],
  contentLength: res.headers['content-length'],
  downloadId: res.headers['x-download-id'],
  contentRange: res.headers['content-range'],
});

const financeContent = (documentId = deal.docs.finance.id) => `/api/documents/${documentId}/content`;
const range = (client: Client, url: string, from: number) => client.get(url).set('Range', `bytes=${from}-${from + 99}`);

/** Starts a stamped download of finance.pdf with a range request, and shows its link resumes. */
async function startDownload(client: Client): Promise<string> {
  const first = await range(client, financeContent(), 0);
  expect(first.status).toBe(206);
  const downloadId = first.headers['x-download-id'] as string;
  expect(downloadId).toBeTruthy();
  const next = await range(client, `${financeContent()}?download=${downloadId}`, 100);
  expect([next.status, next.headers['x-download-id']]).toEqual([206, downloadId]);
  return downloadId;
}

/** The next range of that download, answered as the same request for a document that does not exist. */
async function expectLinkRefused(client: Client, downloadId: string, status: number, code: string) {
  const resumed = await range(client, `${financeContent()}?download=${downloadId}`, 200);
  const missing = await range(client, `${financeContent(randomUUID())}?download=${downloadId}`, 200);
  expect([resumed.status, resumed.body?.error?.code]).toEqual([status, code]);
  expect(observable(resumed)).toEqual(observable(missing));
}

const setAllowlist = async (partyId: string, cidrs: string[]) => {
  const csrf = (await deal.manager.get('/api/auth/csrf')).body.token;
  return deal.manager.agent.put(`${deal.roomPath}/parties/${partyId}/ip-allowlist`).set('X-CSRF-Token', csrf).send({ cidrs });
};

describe('a download link handed out before a revocation stops working', () => {
  let grantId: string;
  let downloadId: string;
  beforeEach(async () => {
    grantId = (await deal.grant({ partyId: deal.parties.A.id, folderId: null })).id;
    gmbhNdaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] })).id;
    downloadId = await startDownload(buyerA);
  });

  it('when the grant is deleted', async () => {
    await deal.manager.delete(`${deal.roomPath}/grants/${grantId}`).expect(204);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it("when the party's NDAs are terminated (no coverage left: nda_required, as for every content request)", async () => {
    for (const id of [gmbhNdaId, ltdNdaId]) await deal.counsel.post(`${deal.roomPath}/ndas/${id}/terminate`, { reason: 'bidder withdrew' }).expect(200);
    await expectLinkRefused(buyerA, downloadId, 403, 'nda_required');
  });

  it("when the NDA of the document's entity ends, while another NDA still covers the room", async () => {
    await deal.counsel.post(`${deal.roomPath}/ndas/${gmbhNdaId}/terminate`, { reason: 'Falcon GmbH left the perimeter' }).expect(200);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it('when the member is removed from the party', async () => {
    await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.buyerA.id}`).expect(204);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it('when the user is disabled (their session ends with it)', async () => {
    await deal.admin.post(`/api/users/${deal.users.buyerA.id}/disable`).expect(200);
    await expectLinkRefused(buyerA, downloadId, 401, 'unauthenticated');
  });

  it('when the room is closed', async () => {
    await deal.manager.post(`${deal.roomPath}/close`).expect(200);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it('when the deal team withdraws the document', async () => {
    await deal.manager.post(`/api/documents/${deal.docs.finance.id}/withdraw`, { reason: 'superseded' }).expect(200);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it("when the document is moved out of the grant's reach", async () => {
    await deal.manager.delete(`${deal.roomPath}/grants/${grantId}`).expect(204);
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id });
    const onFinance = await startDownload(buyerA);
    await deal.manager.patch(`/api/documents/${deal.docs.finance.id}`, { folderId: deal.folders.legal.id }).expect(200);
    await expectLinkRefused(buyerA, onFinance, 404, 'not_found');
  });

  it("when the party's IP allow-list no longer admits the address the link is used from", async () => {
    expect((await setAllowlist(deal.parties.A.id, ['203.0.113.0/24'])).status).toBe(200);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });
});

describe('a download link stops working once time passes an expiry set through the API', () => {
  // Long enough for the download to begin and resume once before it, on a loaded machine.
  const LEAD_MS = 4_000;
  const waitUntilPast = async (expiresAt: string) => sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 250);

  it("when the NDA covering the document's entity expires", async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const expiresAt = iso(LEAD_MS);
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], expiresAt });
    const downloadId = await startDownload(buyerA);
    await waitUntilPast(expiresAt);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });

  it('when the grant expires', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const expiresAt = iso(LEAD_MS);
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, expiresAt });
    const downloadId = await startDownload(buyerA);
    await waitUntilPast(expiresAt);
    await expectLinkRefused(buyerA, downloadId, 404, 'not_found');
  });
});
