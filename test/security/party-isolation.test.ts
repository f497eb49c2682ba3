import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { afterResponseTasksSettled } from '../../server/service-context.js';
import { sha256Hex } from '../../server/auth/secret-hash.js';

/**
 * Issue 15, "Leaks": what one party, an uncovered member, an outsider or a staff member of another
 * deal could learn, each tried the way an attacker would — counting folders, reading numbers,
 * comparing answers to real and made-up ids byte for byte, writing into another deal's trail,
 * reading the directory.
 */
let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

async function upload(name: string, folderId: string, entityId: string, classification: string) {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(name), name }, { folderId, entityId, classification, personalData: 'none' });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}
async function folder(name: string, parentId?: string) {
  const res = await deal.manager.post(`${deal.roomPath}/folders`, { name, parentId });
  expect(res.status).toBe(201);
  return res.body as { id: string; index: string };
}

/** Status, body and every header a client could tell apart (the date and the request id change anyway). */
const observable = (res: request.Response) => ({
  status: res.status,
  body: res.text,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !['date', 'x-request-id'].includes(k))),
});

describe('folders of other parties', () => {
  it("never shows a party another party's folder, however wide its grant: only folders with something of its own below, or named by its grant", async () => {
    const sideLetter = await folder('Side letter (Bidder B only)');
    await upload('side-letter.pdf', sideLetter.id, deal.entities.ltd.id, 'highly_confidential');
    const empty = await folder('Reserved for Bidder B');
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'view', maxClassification: 'confidential' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: sideLetter.id });
    await deal.grant({ partyId: deal.parties.B.id, folderId: empty.id });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
    await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });

    const buyerA = await deal.login('buyerA');
    const seenByA = (await buyerA.get(`${deal.roomPath}/folders`).expect(200)).body.items as Array<{ id: string; name: string }>;
    expect(seenByA.map((f) => f.name).sort()).toEqual(['Finance', 'Legal', 'Payroll']);
    expect(JSON.stringify(seenByA)).not.toMatch(/Bidder B/);
    // Asking for the hidden folder's documents looks like asking for a folder that does not exist.
    const hiddenFolder = await buyerA.get(`${deal.roomPath}/documents?folderId=${sideLetter.id}`);
    const noFolder = await buyerA.get(`${deal.roomPath}/documents?folderId=${randomUUID()}`);
    expect({ status: hiddenFolder.status, body: hiddenFolder.body }).toEqual({ status: noFolder.status, body: noFolder.body });

    // Bidder B sees its two folders — one only because its grant names it — and nothing of A's deal room tree.
    const buyerB = await deal.login('buyerB');
    const seenByB = (await buyerB.get(`${deal.roomPath}/folders`).expect(200)).body.items as Array<{ name: string; index: string }>;
    expect(seenByB.map((f) => [f.index, f.name])).toEqual([['1', 'Side letter (Bidder B only)'], ['2', 'Reserved for Bidder B']]);
    // The deal team sees everything.
    expect((await deal.manager.get(`${deal.roomPath}/folders`)).body.items).toHaveLength(5);
  });

  it('shows a folder on the very next request once something in it becomes the party\'s to see (documents are facts too)', async () => {
    const tax = await folder('Tax');
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const buyerA = await deal.login('buyerA');
    const names = async () => ((await buyerA.get(`${deal.roomPath}/folders`).expect(200)).body.items as Array<{ name: string; index: string }>).map((f) => `${f.index} ${f.name}`);
    expect(await names()).toEqual(['1 Finance', '1.1 Payroll']);
    await upload('tax-return.pdf', tax.id, deal.entities.gmbh.id, 'standard');
    expect(await names()).toEqual(['1 Finance', '1.1 Payroll', '2 Tax']);
    // ...and out of sight again once what made it visible is reclassified beyond the grant.
    await t.db('documents').where({ folderId: tax.id }).update({ classificationRank: 3 });
    expect(await names()).toEqual(['1 Finance', '1.1 Payroll']);
  });

  it('shows the way down to a folder a grant names, and nothing beside it', async () => {
    const deep = await folder('Employment contracts', deal.folders.payroll.id);
    await deal.grant({ partyId: deal.parties.A.id, folderId: deep.id });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const buyerA = await deal.login('buyerA');
    const seen = (await buyerA.get(`${deal.roomPath}/folders`).expect(200)).body.items as Array<{ name: string; index: string }>;
    expect(seen.map((f) => [f.index, f.name])).toEqual([['1', 'Finance'], ['1.1', 'Payroll'], ['1.1.1', 'Employment contracts']]);
  });
});

describe('index gaps', () => {
  it("numbers a party's folders and documents over what it sees only; staff read the true index and find the party's by /access and view-as", async () => {
    const secret = await upload('secret.pdf', deal.folders.finance.id, deal.entities.gmbh.id, 'highly_confidential');
    const budget = await upload('budget.pdf', deal.folders.finance.id, deal.entities.gmbh.id, 'standard');
    const sideLetter = await folder('Side letter (Bidder B only)');
    await upload('side-letter.pdf', sideLetter.id, deal.entities.ltd.id, 'highly_confidential');
    const tax = await folder('Tax');
    const taxReturn = await upload('tax-return.pdf', tax.id, deal.entities.ltd.id, 'standard');
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'view', maxClassification: 'confidential' });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });

    const buyerA = await deal.login('buyerA');
    const docs = (await buyerA.get(`${deal.roomPath}/documents`).expect(200)).body.items as Array<{ id: string; index: string }>;
    const indexOf = Object.fromEntries(docs.map((d) => [d.id, d.index]));
    // The deal team's Finance holds 1.1 finance, 1.2 secret, 1.3 budget; A never reads a gap.
    expect(indexOf).toEqual({ [deal.docs.finance.id]: '1.1', [budget.id]: '1.2', [deal.docs.payroll.id]: '1.1.1', [deal.docs.legal.id]: '2.1', [taxReturn.id]: '3.1' });
    expect(indexOf[secret.id]).toBeUndefined();
    expect((await buyerA.get(`/api/documents/${budget.id}`)).body.index).toBe('1.2');
    const folders = (await buyerA.get(`${deal.roomPath}/folders`)).body.items as Array<{ name: string; index: string }>;
    expect(folders.map((f) => [f.index, f.name])).toEqual([['1', 'Finance'], ['1.1', 'Payroll'], ['2', 'Legal'], ['3', 'Tax']]);

    // The deal team reads the true numbers...
    const staffDocs = (await deal.manager.get(`${deal.roomPath}/documents`)).body.items as Array<{ id: string; index: string }>;
    expect(staffDocs.find((d) => d.id === budget.id)!.index).toBe('1.3');
    expect(staffDocs.find((d) => d.id === taxReturn.id)!.index).toBe('4.1');
    // ...and finds the document a party quotes as "3.1".
    const explained = await deal.manager.get(`${deal.roomPath}/access?userId=${deal.users.buyerA.id}&documentId=${taxReturn.id}`).expect(200);
    expect({ index: explained.body.index, partyIndex: explained.body.partyIndex }).toEqual({ index: '4.1', partyIndex: '3.1' });
    const hiddenFromA = await deal.manager.get(`${deal.roomPath}/access?userId=${deal.users.buyerA.id}&documentId=${secret.id}`).expect(200);
    expect({ index: hiddenFromA.body.index, partyIndex: hiddenFromA.body.partyIndex }).toEqual({ index: '1.2', partyIndex: null });
    const viewAs = await deal.manager.get(`${deal.roomPath}/access/party/${deal.parties.A.id}`).expect(200);
    const asA = viewAs.body.members.find((m: { userId: string }) => m.userId === deal.users.buyerA.id);
    expect(asA.documents.find((d: { index: string }) => d.index === '3.1').id).toBe(taxReturn.id);
  });
});

describe('existence oracle', () => {
  /** The app behind a counter of the database queries each request makes before its response is sent. */
  function countingApp() {
    let counting = false;
    let queries = 0;
    t.db.on('query', () => {
      if (counting) queries++;
    });
    const outer = express();
    outer.use((_req, res, next) => {
      queries = 0;
      counting = true;
      res.on('finish', () => (counting = false));
      next();
    });
    outer.use(t.app);
    return { app: outer, queries: () => queries };
  }

  const CONTENT = [
    ['metadata', (id: string) => `/api/documents/${id}`],
    ['download', (id: string) => `/api/documents/${id}/content`],
    ['inline view', (id: string) => `/api/documents/${id}/content?disposition=inline`],
    ['original', (id: string) => `/api/documents/${id}/original`],
  ] as const;

  it.each([
    ['an uncovered member', false],
    ['a covered member of another party', true],
  ])('answers %s alike for a real document id and a made-up one: same status, body, headers and work before the answer', async (_who, covered) => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    if (covered) await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
    // A bearer token, stored as the token service stores it: no session, no cookie to tell requests apart.
    const token = `probe-${randomUUID()}`;
    await t.db('apiTokens').insert({ id: randomUUID(), userId: deal.users.buyerB.id, name: 'probe', tokenHash: sha256Hex(token), createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const counting = countingApp();
    const probe = async (url: string) => {
      await afterResponseTasksSettled(t.db);
      const res = await request(counting.app).get(url).set('Authorization', `Bearer ${token}`);
      return { res, queries: counting.queries() };
    };
    for (const [what, url] of CONTENT) {
      // Warm what is cached per caller (ability, folder tree), then probe a real id and a made-up one in turn.
      await probe(url(randomUUID()));
      const real = await probe(url(deal.docs.finance.id));
      const madeUp = await probe(url(randomUUID()));
      expect({ what, ...observable(real.res) }).toEqual({ what, ...observable(madeUp.res) });
      expect({ what, queries: real.queries }).toEqual({ what, queries: madeUp.queries });
      if (what !== 'metadata') expect({ what, code: real.res.body.error.code }).toEqual({ what, code: covered ? 'not_found' : 'nda_required' });
    }
    // The refusals read alike in the ledger too; only the explanation written after the answer names the real document.
    await afterResponseTasksSettled(t.db);
    const refusals = await t.db('auditEvents').where({ actorId: deal.users.buyerB.id, decision: 'deny', subjectType: 'Document' }).orderBy('seq');
    const shapes = new Set(refusals.map((e: { action: string; details: string }) => `${e.action} ${Object.keys(JSON.parse(e.details)).sort().join(',')}`));
    expect(shapes.size).toBe(CONTENT.length);
    const explained = await t.db('auditEvents').where({ actorId: deal.users.buyerB.id, action: 'document.refusal.explained' });
    expect(explained.map((e: { details: string }) => JSON.parse(e.details).documentId)).toEqual(CONTENT.map(() => deal.docs.finance.id));
  });
});

describe('room response', () => {
  it("shows an uncovered member the room's name and their NDA status only, not the entities it targets", async () => {
    const buyerA = await deal.login('buyerA');
    const room = await buyerA.get(deal.roomPath).expect(200);
    expect(Object.keys(room.body).sort()).toEqual(['codeName', 'id', 'name', 'nda', 'status']);
    expect(room.body.nda).toEqual({ covered: false, entityIds: [] });
    const listed = (await buyerA.get('/api/rooms').expect(200)).body.items;
    expect(listed.map((r: object) => Object.keys(r).sort())).toEqual([['codeName', 'id', 'name', 'status']]);
    expect(JSON.stringify([room.body, listed])).not.toContain(deal.entities.ltd.id);

    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const covered = await buyerA.get(deal.roomPath).expect(200);
    expect(covered.body.entityIds).toEqual([deal.entities.gmbh.id, deal.entities.ltd.id].sort());
    expect(covered.body.nda).toEqual({ covered: true, entityIds: [deal.entities.gmbh.id] });
  });
});

describe('ledger spam', () => {
  it("writes nothing into the trail of a room the caller cannot see, whatever ids they make up; the refusal is recorded without the room", async () => {
    const eagle = await deal.admin.post('/api/rooms', { name: 'Eagle', codeName: 'Project Eagle', entityIds: [deal.entities.outside.id] });
    const eaglePath = `/api/rooms/${eagle.body.id}`;
    const hostile = encodeURIComponent("=HYPERLINK(\"http://x\")");
    const before = await t.db('auditEvents').where({ roomId: eagle.body.id }).count({ n: '*' }).first();
    for (const who of ['buyerB', 'counsel'] as const) {
      const attacker: Client = who === 'counsel' ? deal.counsel : await deal.login(who);
      // Each decision with the body it takes (a confirmation takes none: a body there is refused as input).
      for (const [action, body] of [['confirm', undefined], ['reject', { reason: 'spam' }], ['terminate', { reason: 'spam' }]] as const) {
        expect([action, (await attacker.post(`${eaglePath}/ndas/${hostile}/${action}`, body)).status]).toEqual([action, 404]);
      }
      expect((await attacker.get(`${eaglePath}/ndas/${hostile}/file`)).status).toBe(404);
    }
    const after = await t.db('auditEvents').where({ roomId: eagle.body.id }).count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    const trail = await deal.admin.get(`${eaglePath}/audit?limit=1000`).expect(200);
    expect(trail.body.items.map((e: { actorId: string }) => e.actorId)).not.toEqual(expect.arrayContaining([deal.users.buyerB.id]));
    expect(trail.body.items.map((e: { actorId: string }) => e.actorId)).not.toEqual(expect.arrayContaining([deal.users.counsel.id]));
    // Recorded all the same: against the room id asked for, outside any room's trail, never the made-up NDA id.
    const refusals = await t.db('auditEvents').whereIn('actorId', [deal.users.buyerB.id, deal.users.counsel.id]).where({ decision: 'deny', subjectId: eagle.body.id });
    expect(refusals).toHaveLength(8);
    expect(refusals.every((e: { roomId: string | null; subjectType: string }) => e.roomId === null && e.subjectType === 'Room')).toBe(true);
    expect(await t.db('auditEvents').where({ subjectId: decodeURIComponent(hostile) }).first()).toBeUndefined();
  });
});

describe('directory', () => {
  it("shows seller staff the seller group and the parties of the rooms they staff, never another deal's bidders; admins see everyone", async () => {
    const admin = deal.admin;
    const gamma = (await admin.post('/api/orgs', { name: 'Gamma Partners', kind: 'acquirer' })).body as { id: string };
    const delta = (await admin.post('/api/orgs', { name: 'Delta Industries', kind: 'acquirer' })).body as { id: string };
    const user = async (email: string, orgId: string, role: string) => (await admin.post('/api/users', { email, name: email, password: PASSWORD, orgId, role })).body as { id: string };
    const gina = await user('gina@gamma.example', gamma.id, 'external');
    const dan = await user('dan@delta.example', delta.id, 'external');
    const idle = await user('idle@seller.example', deal.orgs.sellerOrgId, 'staff');
    // Another deal, run by the admin, with Gamma bidding in it.
    const eagle = (await admin.post('/api/rooms', { name: 'Eagle', entityIds: [deal.entities.outside.id] })).body as { id: string };
    const gammaParty = (await admin.post(`/api/rooms/${eagle.id}/parties`, { name: 'Bidder G', acquirerOrgId: gamma.id })).body as { id: string };
    await admin.post(`/api/rooms/${eagle.id}/parties/${gammaParty.id}/members`, { userId: gina.id }).expect(201);

    const names = async (client: Client, what: 'orgs' | 'users') =>
      ((await client.get(`/api/${what}`).expect(200)).body.items as Array<{ name: string; id: string }>).map((x) => x.id).sort();
    const sellerPeople = [deal.users.manager.id, deal.users.counsel.id, deal.users.counsel2.id, idle.id];

    // The Falcon manager: the seller group, Falcon's bidders, and Delta (in no deal yet: a candidate for a new party).
    expect(await names(deal.manager, 'orgs')).toEqual([deal.orgs.sellerOrgId, deal.orgs.alpha.id, deal.orgs.lex.id, deal.orgs.beta.id, delta.id].sort());
    const managerSees = await names(deal.manager, 'users');
    expect(managerSees).toEqual(expect.arrayContaining([...sellerPeople, deal.users.buyerA.id, deal.users.advisorA.id, deal.users.buyerB.id]));
    expect(managerSees).not.toContain(gina.id);
    expect(managerSees).not.toContain(dan.id);

    // Staff of no room: the seller group only, and Delta's name.
    const idleClient = await Client.login(t.app, 'idle@seller.example', PASSWORD);
    expect(await names(idleClient, 'orgs')).toEqual([deal.orgs.sellerOrgId, delta.id].sort());
    const idleSees = await names(idleClient, 'users');
    expect(idleSees).toEqual(expect.arrayContaining(sellerPeople));
    expect(idleSees.filter((id) => [deal.users.buyerA.id, deal.users.advisorA.id, deal.users.buyerB.id, gina.id, dan.id].includes(id))).toEqual([]);

    // Admins see everyone; external users see no directory at all.
    expect(await names(admin, 'users')).toEqual(expect.arrayContaining([gina.id, dan.id, deal.users.buyerA.id]));
    expect(await names(admin, 'orgs')).toEqual(expect.arrayContaining([gamma.id, delta.id]));
    expect((await (await deal.login('buyerA')).get('/api/users')).status).toBe(403);
  });
});
