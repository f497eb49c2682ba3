import { startTestApp, type TestApp, type Client } from '../support/test-app.js';
import { buildDeal, iso, PASSWORD, visibleDocumentIds, type Deal } from '../support/world.js';

/**
 * Rights never outlive their source: each revocation takes effect on the very next request, and a
 * download link handed out before it stops working.
 */
let t: TestApp;
let deal: Deal;
let buyerA: Client;
let ndaId: string;
let grantId: string;
const contentUrl = () => `/api/documents/${deal.docs.finance.id}/content`;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  buyerA = await deal.login('buyerA');
  grantId = (await deal.grant({ partyId: deal.parties.A.id, folderId: null })).id;
  ndaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] })).id;
  // access works before each revocation
  expect((await buyerA.get(contentUrl())).status).toBe(200);
});
afterEach(() => t.close());

it('ends access on the next request after the NDA is terminated', async () => {
  await deal.counsel.post(`${deal.roomPath}/ndas/${ndaId}/terminate`, { reason: 'bidder withdrew' }).expect(200);
  const res = await buyerA.get(contentUrl());
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('nda_required');
  expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
});

it('ends access on the next request after the NDA expires', async () => {
  // Expiry is judged at request time: move the NDA's end into the past, as time passing would.
  await t.db('ndas').where({ id: ndaId }).update({ expiresAt: iso(-1) });
  expect((await buyerA.get(contentUrl())).status).toBe(403);
});

it('ends access on the next request after the member is removed', async () => {
  await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.buyerA.id}`).expect(204);
  expect((await buyerA.get(contentUrl())).status).toBe(404);
  expect((await buyerA.get(deal.roomPath)).status).toBe(404);
});

it('ends access on the next request after the grant is deleted', async () => {
  await deal.manager.delete(`${deal.roomPath}/grants/${grantId}`).expect(204);
  expect((await buyerA.get(contentUrl())).status).toBe(404);
  expect(await visibleDocumentIds(deal, buyerA)).toEqual([]);
});

it('ends access on the next request after the grant expires', async () => {
  await t.db('grants').where({ id: grantId }).update({ expiresAt: iso(-1) });
  expect((await buyerA.get(contentUrl())).status).toBe(404);
});

it('ends access on the next request after the room is closed', async () => {
  await deal.manager.post(`${deal.roomPath}/close`).expect(200);
  expect((await buyerA.get(contentUrl())).status).toBe(404);
  expect((await buyerA.get(`${deal.roomPath}/documents`)).body.error.code).toBe('room_closed');
});

it('ends every session and token of a disabled user at once', async () => {
  const token = (await buyerA.post('/api/auth/tokens', { name: 'script', currentPassword: PASSWORD })).body.token as string;
  await deal.admin.post(`/api/users/${deal.users.buyerA.id}/disable`).expect(200);
  expect((await buyerA.get('/api/me')).status).toBe(401);
  expect((await buyerA.agent.get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
});
