import { startTestApp, type TestApp, type Client } from '../support/test-app.js';
import { buildDeal, iso, PAST, visibleDocumentIds, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';

/**
 * The access rule of docs/access-rule.md, one condition at a time, through the HTTP API. Each test starts from
 * a fresh database and a deal where nothing is granted, then adds exactly what the condition needs.
 */
let t: TestApp;
let deal: Deal;
let buyerA: Client;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  buyerA = await deal.login('buyerA');
});
afterEach(() => t.close());

const sorted = (...ids: string[]) => [...ids].sort();

/** Party A fully granted and covered for Falcon GmbH: the baseline every condition test narrows. */
async function grantPartyAEverythingOnGmbh() {
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
}

describe('rule 1: the room is open', () => {
  it('shows a covered and granted member the documents of an open room', async () => {
    await grantPartyAEverythingOnGmbh();
    expect(await visibleDocumentIds(deal, buyerA)).toEqual(sorted(deal.docs.finance.id, deal.docs.payroll.id));
  });

  it('answers room_closed for lists and 404 for documents once the room is closed', async () => {
    await grantPartyAEverythingOnGmbh();
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const list = await buyerA.get(`${deal.roomPath}/documents`);
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('room_closed');
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(404);
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(404);
    const room = await buyerA.get(deal.roomPath);
    expect(room.body.status).toBe('closed');
  });
});

describe('rule 2: the user is a member of a party of the room', () => {
  it('hides the room itself from an external user who is in no party', async () => {
    await grantPartyAEverythingOnGmbh();
    await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.buyerA.id}`).expect(204);
    expect((await buyerA.get(deal.roomPath)).status).toBe(404);
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(404);
    expect((await buyerA.get('/api/rooms')).body.items).toEqual([]);
  });

  it('refuses a second party for the same user in one room with party_conflict', async () => {
    // Lex & Co advises bidder A and is also named by a third bidder: its user may join only one of them.
    const partyC = await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder C', acquirerOrgId: deal.orgs.beta.id, advisorOrgIds: [deal.orgs.lex.id] });
    const res = await deal.manager.post(`${deal.roomPath}/parties/${partyC.body.id}/members`, { userId: deal.users.advisorA.id });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('party_conflict');
  });

  it("refuses a member whose organisation is not one of the party's", async () => {
    const res = await deal.manager.post(`${deal.roomPath}/parties/${deal.parties.B.id}/members`, { userId: deal.users.advisorA.id });
    expect(res.status).toBe(400);
  });
});

describe('rule 3: a confirmed NDA covers the user for the document entity', () => {
  beforeEach(() => deal.grant({ partyId: deal.parties.A.id, folderId: null }));

  it('answers nda_required to lists and content without any NDA, while the room and NDA status stay visible', async () => {
    const list = await buyerA.get(`${deal.roomPath}/documents`);
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe('nda_required');
    expect((await buyerA.get(`${deal.roomPath}/folders`)).body.error.code).toBe('nda_required');
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).body.error.code).toBe('nda_required');
    const room = await buyerA.get(deal.roomPath);
    expect(room.status).toBe(200);
    expect(room.body.nda).toEqual({ covered: false, entityIds: [] });
  });

  it('gives nothing for a pending NDA', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], confirm: false });
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it('gives nothing for a rejected NDA', async () => {
    const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], confirm: false });
    await deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/reject`, { reason: 'unsigned page 4' }).expect(200);
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it('covers only the entities in its scope', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.ltd.id] });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([deal.docs.legal.id]);
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(404);
    expect((await buyerA.get(deal.roomPath)).body.nda).toEqual({ covered: true, entityIds: [deal.entities.ltd.id] });
  });

  it('covers nothing before its effective date', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], effectiveAt: iso(86_400_000), expiresAt: iso(2 * 86_400_000) });
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it('covers nothing once expired, even when registered that way for the record', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], effectiveAt: PAST, expiresAt: iso(-1000) });
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it("does not cover a user for another organisation's NDA", async () => {
    const buyerB = await deal.login('buyerB');
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    expect((await buyerB.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it("covers an advisor through the acquirer's NDA only when it covers representatives", async () => {
    const advisor = await deal.login('advisorA');
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: false });
    expect((await advisor.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    expect(await visibleDocumentIds(deal, advisor)).toEqual(sorted(deal.docs.finance.id, deal.docs.payroll.id));
  });

  it("keeps an advisor covered by their own joinder after the acquirer's NDA is terminated", async () => {
    const advisor = await deal.login('advisorA');
    const acquirerNda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    await deal.nda({ orgId: deal.orgs.lex.id, kind: 'joinder', entityIds: [deal.entities.ltd.id] });
    await deal.counsel.post(`${deal.roomPath}/ndas/${acquirerNda.id}/terminate`, { reason: 'bidder withdrew' }).expect(200);
    expect(await visibleDocumentIds(deal, advisor)).toEqual([deal.docs.legal.id]);
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
  });

  it("shows an external user their own organisation's NDAs only, without the file", async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
    const res = await buyerA.get(`${deal.roomPath}/ndas`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].orgId).toBe(deal.orgs.alpha.id);
    expect(res.body.items[0].sha256).toBeUndefined();
  });
});

describe('rule 4: a grant of the party covers the document', () => {
  beforeEach(() => deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true }));

  it('covers the granted folder and its subfolders, not its siblings', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual(sorted(deal.docs.finance.id, deal.docs.payroll.id));
    const folders = await buyerA.get(`${deal.roomPath}/folders`);
    expect(folders.body.items.map((f: { index: string }) => f.index)).toEqual(['1', '1.1']);
  });

  it('lets a view grant show and view inline but not download (403)', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'view' });
    const doc = await buyerA.get(`/api/documents/${deal.docs.finance.id}`);
    expect(doc.body.access).toBe('view');
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content?disposition=inline`)).status).toBe(200);
    const download = await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`);
    expect(download.status).toBe(403);
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/original`)).status).toBe(403);
  });

  it('gives the unstamped original only at level original', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'original' });
    const res = await buyerA.get(`/api/documents/${deal.docs.finance.id}/original`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['x-download-id']).toMatch(/^[0-9A-Z]{12}$/);
  });

  it('hides documents above the grant classification limit', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxClassification: 'standard' });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual(sorted(deal.docs.finance.id, deal.docs.legal.id));
    expect((await buyerA.get(`/api/documents/${deal.docs.payroll.id}`)).status).toBe(404);
  });

  it('hides documents above the grant personal-data limit', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxPersonalData: 'pseudonymised' });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual(sorted(deal.docs.finance.id, deal.docs.legal.id));
  });

  it('gives nothing through an expired grant', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, expiresAt: iso(-1000) });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([]);
  });

  it("gives nothing through another party's grant", async () => {
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([]);
  });

  it('uses the highest level among overlapping grants', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'view' });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'download' });
    const items = (await buyerA.get(`${deal.roomPath}/documents`)).body.items as Array<{ id: string; access: string }>;
    expect(Object.fromEntries(items.map((d) => [d.id, d.access]))).toEqual({
      [deal.docs.finance.id]: 'view',
      [deal.docs.payroll.id]: 'view',
      [deal.docs.legal.id]: 'download',
    });
  });
});

describe('rule 5: clean-team documents need a clean-team member', () => {
  it('shows a clean_team document only to clean-team members, whatever the grant', async () => {
    await grantPartyAEverythingOnGmbh();
    const res = await deal.manager.upload(
      `${deal.roomPath}/documents`,
      { data: await makePdf('Clean team pricing model'), name: 'pricing.pdf' },
      { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'clean_team', personalData: 'none' },
    );
    expect(res.status).toBe(201);
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxClassification: 'clean_team' });
    expect(await visibleDocumentIds(deal, buyerA)).not.toContain(res.body.id);
    const advisor = await deal.login('advisorA');
    expect(await visibleDocumentIds(deal, advisor)).not.toContain(res.body.id);
    // re-add the advisor as a clean-team member
    await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`).expect(204);
    await deal.manager.post(`${deal.roomPath}/parties/${deal.parties.A.id}/members`, { userId: deal.users.advisorA.id, cleanTeam: true }).expect(201);
    expect(await visibleDocumentIds(deal, advisor)).toContain(res.body.id);
  });
});

describe('seller staff', () => {
  it('see everything in rooms they staff and nothing of other rooms', async () => {
    const counsel2 = await deal.login('counsel2');
    expect(await visibleDocumentIds(deal, counsel2)).toEqual(sorted(deal.docs.finance.id, deal.docs.payroll.id, deal.docs.legal.id));
    const other = await deal.admin.post('/api/rooms', { name: 'Another deal', entityIds: [deal.entities.outside.id] });
    expect(other.status).toBe(201);
    expect((await counsel2.get(`/api/rooms/${other.body.id}`)).status).toBe(404);
  });
});
