import { randomUUID } from 'node:crypto';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';

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

  it("another room, another party's NDA and another room's grant, by id, answer exactly like ids that do not exist", async () => {
    // A second deal room, run by a manager who is nobody in the first: a caller who reaches the
    // grant lookup there must not learn that the first room's grant exists.
    const eagleManager = await deal.admin.post('/api/users', { email: 'erik@seller.example', name: 'Erik Eagle', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' });
    expect(eagleManager.status).toBe(201);
    const erik = await Client.login(t.app, 'erik@seller.example', PASSWORD);
    const eagle = await erik.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] });
    expect(eagle.status).toBe(201);
    const eaglePath = `/api/rooms/${eagle.body.id}`;

    const buyerB = await deal.login('buyerB');
    const ndas = await deal.counsel.get(`${deal.roomPath}/ndas`);
    const alphaNda = ndas.body.items.find((n: { orgId: string }) => n.orgId === deal.orgs.alpha.id);
    const grants = await deal.counsel.get(`${deal.roomPath}/grants`);
    const falconGrantId = grants.body.items[0].id as string;
    const cases: Array<[string, Client, 'get' | 'post' | 'delete', string, string]> = [
      ['a room the caller is not in', buyerB, 'get', eaglePath, `/api/rooms/${randomUUID()}`],
      ["another party's NDA file", buyerB, 'get', `${deal.roomPath}/ndas/${alphaNda.id}/file`, `${deal.roomPath}/ndas/${randomUUID()}/file`],
      ["another party's NDA, confirmed by a member", buyerB, 'post', `${deal.roomPath}/ndas/${alphaNda.id}/confirm`, `${deal.roomPath}/ndas/${randomUUID()}/confirm`],
      ["another room's grant, deleted by a manager of this one", erik, 'delete', `${eaglePath}/grants/${falconGrantId}`, `${eaglePath}/grants/${randomUUID()}`],
      ["a grant of a room the manager is not in", erik, 'delete', `${deal.roomPath}/grants/${falconGrantId}`, `/api/rooms/${randomUUID()}/grants/${falconGrantId}`],
    ];
    for (const [what, caller, method, hiddenUrl, missingUrl] of cases) {
      const hidden = await caller[method](hiddenUrl);
      const missing = await caller[method](missingUrl);
      expect([what, hidden.status]).toEqual([what, 404]);
      expect([what, observable(hidden)]).toEqual([what, observable(missing)]);
    }
    // Refused, not done: the grant still gives party A the room.
    expect((await deal.counsel.get(`${deal.roomPath}/grants`)).body.items.map((g: { id: string }) => g.id)).toContain(falconGrantId);
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
