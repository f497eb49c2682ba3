import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
});
afterEach(() => t.close());

/** Status, body and the headers a client could tell apart. */
const observable = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({
  status: res.status,
  body: res.body,
  contentType: res.headers['content-type'],
  contentLength: res.headers['content-length'],
});

describe('what a caller may not see is the same 404 as an id that does not exist', () => {
  it.each([
    ['document metadata', (id: string) => `/api/documents/${id}`],
    ['document content', (id: string) => `/api/documents/${id}/content`],
    ['inline view', (id: string) => `/api/documents/${id}/content?disposition=inline`],
    ['original', (id: string) => `/api/documents/${id}/original`],
  ])("another party's %s", async (_what, url) => {
    const buyerB = await deal.login('buyerB');
    const hidden = await buyerB.get(url(deal.docs.finance.id));
    const missing = await buyerB.get(url(randomUUID()));
    expect(hidden.status).toBe(404);
    expect(observable(hidden)).toEqual(observable(missing));
  });

  it("another room, another party's NDA and grant, by id, for an external user", async () => {
    const buyerB = await deal.login('buyerB');
    const ndas = await deal.counsel.get(`${deal.roomPath}/ndas`);
    const alphaNda = ndas.body.items.find((n: { orgId: string }) => n.orgId === deal.orgs.alpha.id);
    const grants = await deal.counsel.get(`${deal.roomPath}/grants`);
    const pairs: Array<[string, string, 'get' | 'post' | 'delete']> = [
      [`/api/rooms/${randomUUID()}`, deal.roomPath.replace(deal.room.id, randomUUID()), 'get'],
      [`${deal.roomPath}/ndas/${alphaNda.id}/file`, `${deal.roomPath}/ndas/${randomUUID()}/file`, 'get'],
      [`${deal.roomPath}/ndas/${alphaNda.id}/confirm`, `${deal.roomPath}/ndas/${randomUUID()}/confirm`, 'post'],
      [`${deal.roomPath}/grants/${grants.body.items[0].id}`, `${deal.roomPath}/grants/${randomUUID()}`, 'delete'],
    ];
    for (const [hiddenUrl, missingUrl, method] of pairs) {
      const hidden = await buyerB[method](hiddenUrl);
      const missing = await buyerB[method](missingUrl);
      expect(hidden.status).toBe(missing.status);
      expect(hidden.body).toEqual(missing.body);
    }
  });

  it('a room the caller has no part in answers exactly like a random room id', async () => {
    const buyerB = await deal.login('buyerB');
    const other = await deal.admin.post('/api/rooms', { name: 'Eagle', entityIds: [deal.entities.outside.id] });
    for (const suffix of ['', '/documents', '/folders', '/ndas']) {
      const hidden = await buyerB.get(`/api/rooms/${other.body.id}${suffix}`);
      const missing = await buyerB.get(`/api/rooms/${randomUUID()}${suffix}`);
      expect(hidden.status).toBe(404);
      expect(observable(hidden)).toEqual(observable(missing));
    }
  });

  it('never lists or finds another party documents by search', async () => {
    const buyerB = await deal.login('buyerB');
    const res = await buyerB.get(`${deal.roomPath}/documents?q=finance`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    const all = await buyerB.get(`${deal.roomPath}/documents`);
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual([deal.docs.legal.id]);
  });

  it('records every refusal in the ledger with its reason', async () => {
    const buyerB = await deal.login('buyerB');
    await buyerB.get(`/api/documents/${deal.docs.finance.id}`).expect(404);
    const audit = await deal.counsel.get('/api/audit/verify');
    expect(audit.status).toBe(403); // counsel is not an admin
    const rows = await t.db('auditEvents').where({ actorId: deal.users.buyerB.id, decision: 'deny', subjectId: deal.docs.finance.id });
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].details).reason).toMatch(/not visible/);
  });
});
