import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, visibleDocumentIds, type Deal } from '../support/world.js';
import { withAddresses } from '../../server/audit/addresses.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  // Behind a trusted proxy, so each request can come from the address the test chooses.
  t = await startTestApp({ TRUST_PROXY: 'loopback', SESSION_COOKIE_SECURE: 'false' });
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null });
});
afterEach(() => t.close());

const allowlistPath = (partyId: string) => `${deal.roomPath}/parties/${partyId}/ip-allowlist`;
const setAllowlist = async (partyId: string, cidrs: string[]) => {
  const csrf = (await deal.manager.get('/api/auth/csrf')).body.token;
  return deal.manager.agent.put(allowlistPath(partyId)).set('X-CSRF-Token', csrf).send({ cidrs });
};

describe('Per-party IP allow-lists', () => {
  it("refuses every room request of a party's members from outside its CIDR ranges, on the very next request", async () => {
    const buyer = await deal.login('buyerA');
    const from = (ip: string) => ({ list: () => buyer.get(`${deal.roomPath}/documents`).set('X-Forwarded-For', ip), doc: () => buyer.get(`/api/documents/${deal.docs.finance.id}/content`).set('X-Forwarded-For', ip) });
    expect((await from('198.51.100.7').list()).status).toBe(200);

    const set = await setAllowlist(deal.parties.A.id, ['203.0.113.0/24', '2001:db8::/32']);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ partyId: deal.parties.A.id, cidrs: ['2001:db8::/32', '203.0.113.0/24'] });

    const outside = await from('198.51.100.7').list();
    expect([outside.status, outside.body.error.code]).toEqual([403, 'ip_not_allowed']);
    expect((await from('198.51.100.7').doc()).status).toBe(404);
    expect((await from('203.0.113.99').list()).status).toBe(200);
    expect((await from('203.0.113.99').doc()).status).toBe(200);
    expect((await from('2001:db8:1::5').list()).status).toBe(200);

    // The address is kept beside the chain (erasable), committed to by the event's details.
    const denied = await withAddresses(t.db, await t.db('auditEvents').where({ decision: 'deny', actorId: deal.users.buyerA.id }));
    expect(denied.map((e) => ({ ...JSON.parse(e.details), ip: e.ip }))).toContainEqual(
      expect.objectContaining({ reason: 'address outside the party IP allow-list', ip: '198.51.100.7' }),
    );
  });

  it("binds only the party's own members: the other party and the seller's staff are unaffected", async () => {
    await setAllowlist(deal.parties.A.id, ['203.0.113.0/24']);
    const buyerB = await deal.login('buyerB');
    expect((await buyerB.get(`${deal.roomPath}/documents`).set('X-Forwarded-For', '198.51.100.7')).status).toBe(200);
    expect(await visibleDocumentIds(deal, deal.manager)).toHaveLength(3);
    // Advisors of the party are its members too.
    const advisor = await deal.login('advisorA');
    expect((await advisor.get(`${deal.roomPath}/folders`).set('X-Forwarded-For', '198.51.100.7')).status).toBe(403);
  });

  it('lifts the restriction when the list is emptied', async () => {
    const buyer = await deal.login('buyerA');
    await setAllowlist(deal.parties.A.id, ['10.0.0.0/8']);
    expect((await buyer.get(`${deal.roomPath}/documents`).set('X-Forwarded-For', '198.51.100.7')).status).toBe(403);
    await setAllowlist(deal.parties.A.id, []);
    expect((await buyer.get(`${deal.roomPath}/documents`).set('X-Forwarded-For', '198.51.100.7')).status).toBe(200);
  });

  it('refuses what is not a CIDR range, naming the entry', async () => {
    const res = await setAllowlist(deal.parties.A.id, ['10.0.0.0/8', '10.0.0.0/33', 'example.com']);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['cidrs.1', 'cidrs.2']);
  });

  it("lets managers set it and room staff read it; an outsider gets the same answer for another party's list as for a random id", async () => {
    await setAllowlist(deal.parties.A.id, ['203.0.113.0/24']);
    expect((await deal.counsel.get(allowlistPath(deal.parties.A.id))).body).toEqual({ partyId: deal.parties.A.id, cidrs: ['203.0.113.0/24'] });
    const csrf = (await deal.counsel.get('/api/auth/csrf')).body.token;
    expect((await deal.counsel.agent.put(allowlistPath(deal.parties.A.id)).set('X-CSRF-Token', csrf).send({ cidrs: [] })).status).toBe(403);
    const buyerB = await deal.login('buyerB');
    const hidden = await buyerB.get(allowlistPath(deal.parties.A.id));
    const random = await buyerB.get(allowlistPath('no-such-party'));
    expect([hidden.status, hidden.body]).toEqual([403, { error: { code: 'forbidden', message: expect.any(String) } }]);
    expect(random.body).toEqual(hidden.body);
    expect((await deal.manager.get(allowlistPath('no-such-party'))).status).toBe(404);
  });
});
