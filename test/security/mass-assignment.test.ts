import request from 'supertest';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, FUTURE, PAST, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';

/*
 * docs/quality.md security 4: fields a caller may not set are rejected — never applied. A careless
 * client or a curious bidder adds them to an ordinary request; each answer here is a 400 naming the
 * field, and the record afterwards shows the field was not applied.
 */

let t: TestApp;
let deal: Deal;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
}, 60_000);
afterAll(() => t?.close());

/** A 400 invalid_request whose details name every one of `fields`. */
function expectRefusalNaming(res: { status: number; body: any }, fields: string[]) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'invalid_request' });
  for (const field of fields) expect(Object.keys(res.body.error.details ?? {})).toContain(field);
}

const ndaFields = (extra: Record<string, string>) => ({
  orgId: deal.orgs.alpha.id,
  kind: 'nda',
  signedAt: PAST,
  effectiveAt: PAST,
  expiresAt: FUTURE,
  entityIds: JSON.stringify([deal.entities.gmbh.id]),
  ...extra,
});

describe('NDA registration and confirmation', () => {
  it.each([
    ['status', { status: 'confirmed' }],
    ['confirmedBy', { confirmedBy: 'the-counsel-id' }],
    ['confirmedAt', { confirmedAt: new Date().toISOString() }],
    ['registeredBy', { registeredBy: 'someone-else' }],
  ])('refuses an NDA registration that sets %s, and registers nothing', async (field, extra) => {
    const extraWithIds = field === 'confirmedBy' ? { confirmedBy: deal.users.counsel.id } : extra;
    const before = await t.db('ndas').count({ n: '*' }).first();
    const res = await deal.manager.upload(`${deal.roomPath}/ndas`, { data: await makePdf('Signed NDA'), name: 'nda.pdf' }, ndaFields(extraWithIds));
    expectRefusalNaming(res, [field]);
    expect(await t.db('ndas').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses confirmedBy and confirmedAt in the confirmation, and confirms nothing with them', async () => {
    const registered = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], confirm: false });
    const url = `${deal.roomPath}/ndas/${registered.id}/confirm`;
    const forged = await deal.counsel.post(url, { confirmedBy: deal.users.counsel2.id, confirmedAt: '2001-01-01T00:00:00.000Z', status: 'confirmed' });
    expectRefusalNaming(forged, ['confirmedBy', 'confirmedAt', 'status']);
    expect(await t.db('ndas').where({ id: registered.id }).first('status', 'confirmedBy')).toEqual({ status: 'pending', confirmedBy: null });

    const started = Date.now();
    const confirmed = await deal.counsel.post(url);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.confirmedBy).toBe(deal.users.counsel.id);
    expect(Date.parse(confirmed.body.confirmedAt)).toBeGreaterThanOrEqual(started - 1000);
  });

  it('refuses a status or a different counterparty in a termination', async () => {
    const nda = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
    const res = await deal.counsel.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'deal off', status: 'confirmed', orgId: deal.orgs.alpha.id });
    expectRefusalNaming(res, ['status', 'orgId']);
    expect((await t.db('ndas').where({ id: nda.id }).first('status')).status).toBe('confirmed');
  });
});

describe('a new version of a document', () => {
  it.each([
    ['entityId', () => deal.entities.outside.id],
    ['documentId', () => deal.docs.legal.id],
    ['roomId', () => 'another-room'],
    ['folderId', () => deal.folders.legal.id],
    ['classification', () => 'standard'],
  ])('refuses a version upload carrying %s, and changes neither the document nor its versions', async (field, value) => {
    const docId = deal.docs.payroll.id;
    const before = await t.db('documents').where({ id: docId }).first();
    const versionsBefore = await t.db('documentVersions').where({ documentId: docId }).count({ n: '*' }).first();
    const res = await deal.manager.upload(`/api/documents/${docId}/versions`, { data: await makePdf('Payroll v2'), name: 'payroll-v2.pdf' }, { [field]: value() });
    expectRefusalNaming(res, [field]);
    expect(await t.db('documents').where({ id: docId }).first()).toEqual(before);
    expect(await t.db('documentVersions').where({ documentId: docId }).count({ n: '*' }).first()).toEqual(versionsBefore);
  });

  it('refuses the field even when it comes after the file in the multipart body', async () => {
    const docId = deal.docs.payroll.id;
    const req = deal.manager.agent
      .post(`/api/documents/${docId}/versions`)
      .set('X-CSRF-Token', (await deal.manager.get('/api/auth/csrf')).body.token)
      .attach('file', await makePdf('Payroll v2'), 'payroll-v2.pdf')
      .field('entityId', deal.entities.outside.id);
    expectRefusalNaming(await req, ['entityId']);
    expect((await t.db('documents').where({ id: docId }).first('entityId')).entityId).toBe(deal.entities.gmbh.id);
  });
});

describe('self-service account routes', () => {
  let bidder: Client;
  beforeAll(async () => {
    bidder = await deal.login('buyerB');
  });

  it('refuses role and orgId at sign-in and signs nobody in with them', async () => {
    const forged = await request(t.app).post('/api/auth/login').send({ email: deal.users.buyerB.email, password: PASSWORD, role: 'admin', orgId: deal.orgs.sellerOrgId });
    expectRefusalNaming(forged, ['role', 'orgId']);
    expect(forged.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['POST', '/api/auth/tokens', { name: 'laptop', currentPassword: PASSWORD, role: 'admin', orgId: 'seller', userId: 'someone' }, ['role', 'orgId', 'userId']],
    ['POST', '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase 42', role: 'admin', orgId: 'seller' }, ['role', 'orgId']],
    ['POST', '/api/auth/mfa/enable', { otp: '123456', currentPassword: PASSWORD, role: 'admin' }, ['role']],
    ['POST', '/api/auth/mfa/disable', { currentPassword: PASSWORD, orgId: 'seller' }, ['orgId']],
  ] as const)('refuses %s %s with fields of the account it does not own', async (_method, url, body, fields) => {
    const res = await bidder.post(url, body);
    expectRefusalNaming(res, [...fields]);
    const me = await bidder.get('/api/me');
    expect(me.status).toBe(200);
    expect({ role: me.body.role, orgId: me.body.orgId }).toEqual({ role: 'external', orgId: deal.orgs.beta.id });
    expect((await t.db('users').where({ id: deal.users.buyerB.id }).first('role', 'orgId'))).toEqual({ role: 'external', orgId: deal.orgs.beta.id });
  });

  it('has no writable /api/me: PATCH and PUT of role or orgId are not routes at all', async () => {
    const csrf = (await bidder.get('/api/auth/csrf')).body.token;
    for (const method of ['patch', 'put'] as const) {
      const res = await bidder.agent[method]('/api/me').set('X-CSRF-Token', csrf).send({ role: 'admin', orgId: deal.orgs.sellerOrgId });
      expect(res.status).toBe(404);
    }
    expect((await bidder.get('/api/me')).body.role).toBe('external');
  });

  it("refuses an admin's user creation that sets status, id or disabledAt", async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const res = await admin.post('/api/users', { email: 'new@alpha.example', name: 'New', password: PASSWORD, orgId: deal.orgs.alpha.id, role: 'external', id: 'chosen-id', status: 'active', disabledAt: null });
    expectRefusalNaming(res, ['id', 'status', 'disabledAt']);
    expect(await t.db('users').where({ email: 'new@alpha.example' }).first()).toBeUndefined();
  });
});

describe('rooms, parties and grants', () => {
  it('refuses a room created closed or with a chosen id', async () => {
    const res = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id], status: 'closed', id: 'chosen' });
    expectRefusalNaming(res, ['status', 'id']);
  });

  it('refuses a grant that names another room or a rank of its own', async () => {
    const res = await deal.manager.post(`${deal.roomPath}/grants`, {
      partyId: deal.parties.A.id,
      folderId: null,
      level: 'view',
      maxClassification: 'standard',
      maxPersonalData: 'none',
      roomId: 'another-room',
      levelRank: 2,
    });
    expectRefusalNaming(res, ['roomId', 'levelRank']);
    expect(await t.db('grants').where({ partyId: deal.parties.A.id })).toEqual([]);
  });

  it('refuses a party member added with a roomId or partyId of its own', async () => {
    const res = await deal.manager.post(`${deal.roomPath}/parties/${deal.parties.B.id}/members`, { userId: deal.users.advisorA.id, roomId: 'x', partyId: deal.parties.A.id });
    expectRefusalNaming(res, ['roomId', 'partyId']);
  });
});
