/**
 * Attacks on the purge (issue 22): guessing rooms, purging without the right or the CSRF token,
 * scheduling a purge by retention from the deal team, hostile retainDays, a hand-copied row that
 * names another room's object, an upload racing the purge, and what an outsider learns afterwards.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
});
afterEach(() => t.close());

const close = async () => expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
const objectPath = (key: string) => path.join(t.dataDir, 'storage', 'objects', key);

/** An outsider: seller staff on no team of the room. */
async function outsider() {
  const sellerOrgId = deal.orgs.sellerOrgId;
  const user = await deal.admin.post('/api/users', { email: `stranger-${randomUUID().slice(0, 8)}@seller.example`, name: 'Stranger', password: PASSWORD, orgId: sellerOrgId, role: 'staff' });
  return Client.login(t.app, user.body.email, PASSWORD);
}

describe('purge attacks', () => {
  it('answers a room the caller cannot see exactly as a random id, and deletes nothing', async () => {
    await close();
    const before = storedObjectKeys(t).sort();
    const stranger = await outsider();
    const real = await stranger.post(`${deal.roomPath}/purge`);
    const random = await stranger.post(`/api/rooms/${randomUUID()}/purge`);
    expect([real.status, real.body]).toEqual([404, random.body]);
    expect((await stranger.get(`${deal.roomPath}/purge`)).status).toBe(404);
    expect(storedObjectKeys(t).sort()).toEqual(before);
  });

  it("refuses the party's own members (403) and records the attempt, deleting nothing", async () => {
    await close();
    const before = storedObjectKeys(t).sort();
    const buyer = await deal.login('buyerA');
    expect((await buyer.post(`${deal.roomPath}/purge`)).status).toBe(403);
    expect((await buyer.get(`${deal.roomPath}/purge`)).status).toBe(403);
    const refusal = await t.db('auditEvents').where({ action: 'room.purge', decision: 'deny', actorId: deal.users.buyerA.id }).first();
    expect(JSON.parse(refusal.details).reason).toBe('administrators only');
    expect(storedObjectKeys(t).sort()).toEqual(before);
  });

  it('refuses a cookie-authenticated purge without the CSRF token', async () => {
    await close();
    const res = await deal.admin.agent.post(`${deal.roomPath}/purge`).send({});
    expect([res.status, res.body.error.code]).toEqual([403, 'csrf']);
    expect((await t.db('rooms').where({ id: deal.room.id }).first('purgeStartedAt')).purgeStartedAt).toBeNull();
  });

  it('refuses options it does not know (400 naming them) before touching anything', async () => {
    await close();
    const res = await deal.admin.post(`${deal.roomPath}/purge`, { keep: ['versions/'], dryRun: true });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['dryRun', 'keep']);
    expect((await t.db('rooms').where({ id: deal.room.id }).first('purgeStartedAt')).purgeStartedAt).toBeNull();
  });

  it('lets no one but an administrator schedule a purge by retention, and takes no hostile retainDays', async () => {
    for (const who of [deal.manager, deal.counsel]) expect((await who.patch(deal.roomPath, { retainDays: 1 })).status).toBe(403);
    const buyer = await deal.login('buyerA');
    expect((await buyer.patch(deal.roomPath, { retainDays: 1 })).status).toBe(403);
    for (const hostile of ['1e400', '9007199254740993', '-0.5', '"1"', '[1]', 'true', '{}']) {
      const res = await deal.admin.agent.patch(deal.roomPath).set('X-CSRF-Token', (await deal.admin.get('/api/auth/csrf')).body.token).set('Content-Type', 'application/json').send(`{"retainDays": ${hostile}}`);
      expect([hostile, res.status]).toEqual([hostile, 400]);
    }
    expect((await t.db('rooms').where({ id: deal.room.id }).first('retainDays')).retainDays).toBeNull();
  });

  it("never deletes another room's object, even when a row of the purged room was made to name it", async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.gmbh.id] });
    const folder = await deal.manager.post(`/api/rooms/${other.body.id}/folders`, { name: 'F' });
    const upload = await deal.manager.upload(`/api/rooms/${other.body.id}/documents`, { data: await makePdf('other deal'), name: 'o.pdf' }, { folderId: folder.body.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
    const otherVersion = await t.db('documentVersions').where({ id: upload.body.versionId }).first();
    // A row of the room to purge pointing at the other room's stored file (a bad import, a hand edit).
    const finance = await t.db('documentVersions').where({ documentId: deal.docs.finance.id }).first();
    await t.db('documentVersions').where({ id: finance.id }).update({ objectKey: otherVersion.objectKey });
    const bytes = fs.readFileSync(objectPath(otherVersion.objectKey));
    await close();
    const res = await deal.admin.post(`${deal.roomPath}/purge`);
    expect(res.status).toBe(200);
    expect(fs.readFileSync(objectPath(otherVersion.objectKey))).toEqual(bytes);
    expect(res.body.certificate.objects.map((o: { key: string }) => o.key)).not.toContain(otherVersion.objectKey);
    expect((await deal.manager.get(`/api/documents/${upload.body.id}/original`)).status).toBe(200);
  });

  it('never leaves an upload racing the purge behind: it lands first and is purged, or is refused 410', async () => {
    await close();
    const [upload, purge] = await Promise.all([
      deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('racing upload'), name: 'race.pdf' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none' }),
      deal.admin.post(`${deal.roomPath}/purge`),
    ]);
    expect(purge.status).toBe(200);
    expect([201, 410]).toContain(upload.status);
    const again = await deal.admin.post(`${deal.roomPath}/purge`);
    const keys: string[] = (await t.db('documentVersions as v').join('documents as d', 'd.id', 'v.documentId').where('d.roomId', deal.room.id).select('v.objectKey')).map((r: { objectKey: string }) => r.objectKey);
    const stored = storedObjectKeys(t);
    for (const key of keys) expect(stored.filter((s) => s === key || s.startsWith(`${key}.`))).toEqual([]);
    if (upload.status === 201) {
      const version = await t.db('documentVersions').where({ id: upload.body.versionId }).first('objectKey');
      expect(again.body.certificate.objects.map((o: { key: string }) => o.key)).toContain(version.objectKey);
    }
    // No object of the refused upload, nor of any other, is left without a row.
    const versionsDir = path.join(t.dataDir, 'storage', 'objects', 'versions');
    const referenced = new Set((await t.db('documentVersions').select('objectKey')).map((r: { objectKey: string }) => r.objectKey));
    for (const name of fs.existsSync(versionsDir) ? fs.readdirSync(versionsDir) : []) expect(referenced.has(`versions/${name.split('.')[0]}`)).toBe(true);
  });

  it("tells an external member nothing of the purge: a document is the same 404 as a random id, never 410", async () => {
    const buyer = await deal.login('buyerA');
    await close();
    expect((await deal.admin.post(`${deal.roomPath}/purge`)).status).toBe(200);
    const real = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
    const random = await buyer.get(`/api/documents/${randomUUID()}/content`);
    expect([real.status, real.body]).toEqual([404, random.body]);
    const room = await buyer.get(deal.roomPath);
    expect(room.body).not.toHaveProperty('purgedAt');
    expect(room.body).not.toHaveProperty('retainDays');
  });

  it('accepts a bearer token for an administrator, but not for anyone else', async () => {
    await close();
    const token = (await deal.manager.post('/api/auth/tokens', { name: 'script' })).body.token as string;
    expect((await request(t.app).post(`${deal.roomPath}/purge`).set('Authorization', `Bearer ${token}`).send({})).status).toBe(403);
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const adminToken = (await admin.post('/api/auth/tokens', { name: 'script' })).body.token as string;
    expect((await request(t.app).post(`${deal.roomPath}/purge`).set('Authorization', `Bearer ${adminToken}`).send({})).status).toBe(200);
  });
});
