import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { makePdf, TINY_PNG } from '../support/fixtures.js';
import { PAST, FUTURE } from '../support/world.js';
import { storedObjectKeys } from '../support/stored-objects.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

async function registerAs(client: Deal['counsel']) {
  const res = await client.upload(`${deal.roomPath}/ndas`, { data: await makePdf('NDA'), name: 'nda.pdf' }, {
    orgId: deal.orgs.alpha.id,
    kind: 'nda',
    signedAt: PAST,
    effectiveAt: PAST,
    expiresAt: FUTURE,
    entityIds: [deal.entities.gmbh.id],
    coversRepresentatives: true,
  });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe('pending');
  expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/);
  return res.body.id as string;
}

describe('four eyes on NDA confirmation', () => {
  it('refuses the counsel who registered an NDA with 403 four_eyes', async () => {
    const id = await registerAs(deal.counsel);
    const res = await deal.counsel.post(`${deal.roomPath}/ndas/${id}/confirm`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('four_eyes');
  });

  it('lets another counsel confirm it, recording who and when', async () => {
    const id = await registerAs(deal.counsel);
    const counsel2 = await deal.login('counsel2');
    const res = await counsel2.post(`${deal.roomPath}/ndas/${id}/confirm`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'confirmed', confirmedBy: deal.users.counsel2.id });
    expect(Date.parse(res.body.confirmedAt)).toBeGreaterThan(0);
  });

  it('refuses a manager who can see the NDA with 403 forbidden: confirming is for counsel', async () => {
    const id = await registerAs(deal.counsel);
    const res = await deal.manager.post(`${deal.roomPath}/ndas/${id}/confirm`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it('never lets an admin confirm: admins act as manager, not as counsel', async () => {
    const id = await registerAs(deal.counsel);
    const res = await deal.admin.post(`${deal.roomPath}/ndas/${id}/confirm`);
    expect(res.status).toBe(403);
  });

  it('confirms an NDA only once, and terminates only a confirmed one', async () => {
    const id = await registerAs(deal.manager);
    await deal.counsel.post(`${deal.roomPath}/ndas/${id}/confirm`).expect(200);
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${id}/confirm`)).status).toBe(409);
    await deal.counsel.post(`${deal.roomPath}/ndas/${id}/terminate`, { reason: 'deal off' }).expect(200);
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${id}/terminate`, { reason: 'again' })).status).toBe(409);
  });

  it('records each step in the ledger', async () => {
    const id = await registerAs(deal.manager);
    await deal.counsel.post(`${deal.roomPath}/ndas/${id}/confirm`).expect(200);
    const actions = await t.db('auditEvents').where({ subjectId: id }).orderBy('seq').pluck('action');
    expect(actions).toEqual(['nda.register', 'nda.confirm']);
  });
});

describe('registering an NDA', () => {
  it('accepts only a PDF (415 for anything else, nothing stored)', async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/ndas`, { data: TINY_PNG, name: 'nda.pdf' }, {
      orgId: deal.orgs.alpha.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.gmbh.id],
    });
    expect(res.status).toBe(415);
    expect(Number((await t.db('ndas').count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('names the bad fields and leaves nothing behind', async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/ndas`, { data: await makePdf('NDA'), name: 'nda.pdf' }, {
      orgId: deal.orgs.alpha.id, kind: 'treaty', signedAt: 'yesterday', effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.outside.id],
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details)).toEqual(expect.arrayContaining(['kind', 'signedAt']));
    expect(Number((await t.db('ndas').count({ n: '*' }).first())?.n)).toBe(0);
    expect(storedObjectKeys(t).filter((k) => k.startsWith('ndas'))).toEqual([]);
  });

  it("refuses entities outside the room's targets", async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/ndas`, { data: await makePdf('NDA'), name: 'nda.pdf' }, {
      orgId: deal.orgs.alpha.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.outside.id],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('entityIds');
  });
});

describe('what each side reads of an NDA', () => {
  const MEMBER_FIELDS = ['confirmedAt', 'coversRepresentatives', 'effectiveAt', 'entityIds', 'expired', 'expiresAt', 'id', 'kind', 'orgId', 'roomId', 'signedAt', 'status'];
  const STAFF_ONLY = ['decidedAt', 'decidedBy', 'fileName', 'reason', 'registeredAt', 'registeredBy', 'confirmedBy', 'sha256', 'size'];

  it("gives a member their own organisation's NDA — what it covers and whether it holds — and not the file or who handled it; staff everything", async () => {
    const ndaId = await registerAs(deal.manager);
    expect((await deal.counsel.post(`${deal.roomPath}/ndas/${ndaId}/confirm`)).status).toBe(200);
    const buyer = await deal.login('buyerA');
    const theirs = await buyer.get(`${deal.roomPath}/ndas`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items.map((n: Record<string, unknown>) => Object.keys(n).sort())).toEqual([MEMBER_FIELDS]);
    const staff = await deal.counsel.get(`${deal.roomPath}/ndas`);
    expect(Object.keys(staff.body.items[0]).sort()).toEqual([...MEMBER_FIELDS, ...STAFF_ONLY].sort());
    // Another organisation's member sees none of it.
    expect((await (await deal.login('buyerB')).get(`${deal.roomPath}/ndas`)).body.items).toEqual([]);
  });
});
