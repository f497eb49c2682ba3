/**
 * Retention and purge (issue 22, API.md "Deal end"): an administrator purges a closed room; every
 * stored object of it goes, another room's stay byte for byte; the rows stay and staff get 410 for
 * content; the ledger still verifies; the certificate, signed with the ledger key, lists each deleted
 * object's SHA-256 and verifies with the public key. A purge cut short is finished by the next
 * attempt; retention purges by the clock after a week's notice to the admins.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';
import { writeCheckpoint } from '../../server/ledger/checkpoints.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { StorageUnavailableError } from '../../storage/object-store.js';
import { sweepRetention } from '../../server/purge/retention-sweeper.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CSV = Buffer.from('Name,Email,Entity\nAnn Example,ann@example.test,Falcon GmbH\nBen Example,ben@example.test,Falcon GmbH\nCy Example,cy@example.test,Falcon Ltd\n');

/** Every stored object, key → SHA-256 of its bytes, read from the local store's directory. */
function storeSnapshot(t: TestApp): Map<string, string> {
  const root = path.join(t.dataDir, 'storage', 'objects');
  return new Map(storedObjectKeys(t).map((k) => [k, sha(fs.readFileSync(path.join(root, k)))]));
}

/** The bytes a certificate's signature covers, as its format documents them. */
function signedBytes(certificate: Record<string, unknown>): Buffer {
  const { signature: _s, ...unsigned } = certificate;
  return Buffer.from(`gatehouse-deletion-certificate-v1\n${canonicalJson(unsigned)}`);
}
const signatureValid = (certificate: Record<string, unknown>, bytes: Buffer, publicKeyPem: string) =>
  verify(null, bytes, createPublicKey(publicKeyPem), Buffer.from(certificate.signature as string, 'base64'));

/** A second room of the same deal team, with a document and an NDA of its own: a purge of room 1 must leave it whole. */
async function buildSecondRoom(deal: Deal) {
  const room = (await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.gmbh.id], uploadsStartAs: 'published' })).body as { id: string };
  const folder = (await deal.manager.post(`/api/rooms/${room.id}/folders`, { name: 'Finance' })).body as { id: string };
  const doc = await deal.manager.upload(`/api/rooms/${room.id}/documents`, { data: await makePdf('Eagle accounts'), name: 'eagle.pdf' }, { folderId: folder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
  expect(doc.status).toBe(201);
  const nda = await deal.manager.upload(`/api/rooms/${room.id}/ndas`, { data: await makePdf('Eagle NDA'), name: 'nda.pdf' }, {
    orgId: deal.orgs.beta.id, kind: 'nda', signedAt: new Date(Date.now() - DAY).toISOString(), effectiveAt: new Date(Date.now() - DAY).toISOString(),
    expiresAt: new Date(Date.now() + 365 * DAY).toISOString(), entityIds: [deal.entities.gmbh.id], coversRepresentatives: false,
  });
  expect(nda.status).toBe(201);
  return { id: room.id, documentId: doc.body.id as string };
}

/** The deal of world.ts, with a covered party that took files, a dataset, and a room 2 beside it. */
async function dealWithContent(t: TestApp) {
  const deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
  const dataset = await deal.manager.upload(`${deal.roomPath}/documents`, { data: CSV, name: 'staff.csv' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'identified' });
  expect(dataset.status).toBe(201);
  const v2 = await deal.manager.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: await makePdf('finance.pdf of Project Falcon, restated'), name: 'finance.pdf' });
  expect(v2.status).toBe(201);
  const buyer = await deal.login('buyerA');
  expect((await buyer.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
  expect((await buyer.get(`/api/documents/${dataset.body.id}/content?format=csv`)).status).toBe(200);
  const room2 = await buildSecondRoom(deal);
  // An archive of the room, as server/archives stores them: the purge finds it by its prefix.
  await t.store.put(`archives/${deal.room.id}/archive-1.zip`, Readable.from([Buffer.from('PK archive of room 1')]));
  return { deal, buyer, datasetId: dataset.body.id as string, versionIds: { financeV1: deal.docs.finance, financeV2: v2.body.versionId as string }, room2 };
}

async function roomObjectKeys(t: TestApp, roomId: string): Promise<Set<string>> {
  const rows: Array<{ objectKey: string }> = [
    ...(await t.db('documentVersions as v').join('documents as d', 'd.id', 'v.documentId').where('d.roomId', roomId).select('v.objectKey')),
    ...(await t.db('ndas').where({ roomId }).select('objectKey')),
  ];
  const uploads = rows.map((r) => r.objectKey);
  return new Set(storedObjectKeys(t).filter((k) => uploads.some((u) => k === u || k.startsWith(`${u}.`)) || k.startsWith(`archives/${roomId}/`)));
}

describe('purging a closed room', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof dealWithContent>>;
  let before: Map<string, string>;
  let room1Keys: Set<string>;
  let purged: { certificate: Record<string, any>; publicKey: string };

  beforeAll(async () => {
    t = await startTestApp();
    world = await dealWithContent(t);
    await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    before = storeSnapshot(t);
    room1Keys = await roomObjectKeys(t, world.deal.room.id);
  });
  afterAll(() => t.close());

  it('refuses an open room with 409 room_open, and deletes nothing', async () => {
    const res = await world.deal.admin.post(`${world.deal.roomPath}/purge`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('room_open');
    expect(storeSnapshot(t)).toEqual(before);
    const refused = await t.db('auditEvents').where({ action: 'room.purge', decision: 'deny', roomId: world.deal.room.id }).first();
    expect(JSON.parse(refused.details).reason).toBe('room open');
  });

  it('is for administrators only: the room\'s manager and counsel get 403', async () => {
    expect((await world.deal.manager.post(`${world.deal.roomPath}/close`)).status).toBe(200);
    for (const staff of [world.deal.manager, world.deal.counsel]) {
      const res = await staff.post(`${world.deal.roomPath}/purge`);
      expect(res.status).toBe(403);
    }
    expect(storeSnapshot(t)).toEqual(before);
  });

  it('deletes every stored object of the room and answers a certificate listing each with its SHA-256', async () => {
    expect(room1Keys.size).toBeGreaterThanOrEqual(10);
    const res = await world.deal.admin.post(`${world.deal.roomPath}/purge`);
    expect(res.status).toBe(200);
    purged = res.body;
    const after = storeSnapshot(t);
    for (const key of room1Keys) expect(after.has(key)).toBe(false);
    const listed = new Map((purged.certificate.objects as Array<{ key: string; sha256: string; state: string; size: number }>).map((o) => [o.key, o]));
    // Every object the room had is listed with the digest of the bytes it held, and nothing else is.
    expect([...listed.keys()].sort()).toEqual([...room1Keys].sort());
    for (const key of room1Keys) {
      expect(listed.get(key)).toMatchObject({ state: 'deleted', sha256: before.get(key) });
      expect(listed.get(key)!.size).toBeGreaterThan(0);
    }
    expect(purged.certificate).toMatchObject({
      roomId: world.deal.room.id,
      roomName: 'Sale of Falcon',
      purgedBy: { id: world.deal.admin.user.id },
      trigger: 'admin',
      counts: { deleted: room1Keys.size, documents: 4, versions: 5, ndas: 1 },
      ledgerHead: { seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(purged.certificate.counts.byKind).toMatchObject({ version: 5, nda: 1, archive: 1, rendition: expect.any(Number), 'row-store': 1, 'party-copy': expect.any(Number) });
  });

  it("leaves another room's objects and the ledger's checkpoints byte for byte", () => {
    const after = storeSnapshot(t);
    for (const [key, digest] of before) if (!room1Keys.has(key)) expect([key, after.get(key)]).toEqual([key, digest]);
    expect([...after.keys()].some((k) => k.startsWith('ledger/checkpoints/'))).toBe(true);
  });

  it("signs the certificate with the ledger's key: it verifies with the public key, and not once one byte changes", async () => {
    const { certificate, publicKey } = purged;
    expect(certificate.keyId).toBe(loadLedgerKey(t.config.audit).keyId);
    const bytes = signedBytes(certificate);
    expect(signatureValid(certificate, bytes, publicKey)).toBe(true);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20] ^= 0x01;
    expect(signatureValid(certificate, flipped, publicKey)).toBe(false);
    const forged = { ...certificate, objects: certificate.objects.map((o: { sha256: string }, i: number) => (i === 0 ? { ...o, sha256: '0'.repeat(64) } : o)) };
    expect(signatureValid(forged, signedBytes(forged), publicKey)).toBe(false);
  });

  it('writes room.purge to the ledger with the certificate digest, and the ledger still verifies (API and npm run audit:verify)', async () => {
    const event = await t.db('auditEvents').where({ action: 'room.purge', decision: 'allow', roomId: world.deal.room.id }).first();
    expect(JSON.parse(event.details).certificateSha256).toBe(createHash('sha256').update(canonicalJson(purged.certificate)).digest('hex'));
    expect(Number(event.seq)).toBeGreaterThan(purged.certificate.ledgerHead.seq);
    expect((await world.deal.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });
    await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    const cli = await run(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
      env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) },
    });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true });
  });

  it('answers staff 410 purged on every content path', async () => {
    const { deal } = world;
    const ndaId = (await t.db('ndas').where({ roomId: deal.room.id }).first('id')).id;
    const paths = [
      `/api/documents/${deal.docs.finance.id}/content`,
      `/api/documents/${deal.docs.finance.id}/content?disposition=inline`,
      `/api/documents/${deal.docs.finance.id}/original`,
      `/api/documents/${deal.docs.finance.id}/versions/${world.versionIds.financeV2}/original`,
      `/api/documents/${world.datasetId}/content?format=csv`,
      `/api/documents/${world.datasetId}/rows`,
      `${deal.roomPath}/ndas/${ndaId}/file`,
      `${deal.roomPath}/download.zip`,
    ];
    for (const who of [deal.admin, deal.manager, deal.counsel]) {
      for (const p of paths) {
        const res = await who.get(p);
        expect([p, res.status, res.body?.error?.code]).toEqual([p, 410, 'purged']);
      }
    }
    expect((await deal.manager.put(`/api/documents/${world.datasetId}/dataset`, { columns: [{ name: 'Name', role: 'direct' }] })).status).toBe(410);
  });

  it('keeps externals at what a closed room answers them: 404 for documents, 403 room_closed for lists', async () => {
    const { deal, buyer } = world;
    const content = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
    expect(content.status).toBe(404);
    expect((await buyer.get(`${deal.roomPath}/download.zip`)).body.error.code).toBe('room_closed');
  });

  it("keeps the room's record readable to staff: lists, metadata, versions with their hashes, NDAs", async () => {
    const { deal } = world;
    const docs = await deal.manager.get(`${deal.roomPath}/documents`);
    expect(docs.status).toBe(200);
    expect(docs.body.items).toHaveLength(4);
    const doc = await deal.counsel.get(`/api/documents/${deal.docs.payroll.id}`);
    expect(doc.body).toMatchObject({ id: deal.docs.payroll.id, title: 'payroll' });
    const versions = await deal.manager.get(`/api/documents/${deal.docs.finance.id}/versions`);
    expect(versions.body.items.map((v: { sha256: string }) => v.sha256)).toContain(deal.docs.finance.sha256);
    const ndas = await deal.counsel.get(`${deal.roomPath}/ndas`);
    expect(ndas.body.items[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const room = await deal.manager.get(deal.roomPath);
    expect(room.body.purgedAt).toEqual(expect.any(String));
  });

  it("forgets the room's extracted text: search finds nothing", async () => {
    const rows = await t.db('documentText').whereIn('documentId', [world.deal.docs.finance.id, world.deal.docs.legal.id]).count({ n: '*' }).first();
    expect(Number(rows!.n)).toBe(0);
  });

  it('answers a second purge with the same certificate, and serves it again to room staff', async () => {
    const again = await world.deal.admin.post(`${world.deal.roomPath}/purge`);
    expect(again.status).toBe(200);
    expect(again.body.certificate).toEqual(purged.certificate);
    const state = await world.deal.counsel.get(`${world.deal.roomPath}/purge`);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ status: 'purged', certificate: purged.certificate, publicKey: purged.publicKey });
    const events = await t.db('auditEvents').where({ action: 'room.purge', decision: 'allow', roomId: world.deal.room.id }).select('details');
    expect(events.map((e: { details: string }) => JSON.parse(e.details).certificateSha256)).toEqual([expect.any(String), expect.any(String)]);
  });

  it('takes no new content into a purged room: uploads and NDAs are 410, and leave no object behind', async () => {
    const { deal } = world;
    const keysBefore = new Set(storedObjectKeys(t));
    const upload = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('late'), name: 'late.pdf' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none' });
    expect([upload.status, upload.body.error?.code]).toEqual([410, 'purged']);
    const version = await deal.manager.upload(`/api/documents/${deal.docs.legal.id}/versions`, { data: await makePdf('late v2'), name: 'legal.pdf' });
    expect(version.status).toBe(410);
    const nda = await deal.manager.upload(`${deal.roomPath}/ndas`, { data: await makePdf('late NDA'), name: 'nda.pdf' }, {
      orgId: deal.orgs.beta.id, kind: 'nda', signedAt: new Date().toISOString(), effectiveAt: new Date().toISOString(), expiresAt: new Date(Date.now() + DAY).toISOString(), entityIds: [deal.entities.gmbh.id], coversRepresentatives: false,
    });
    expect(nda.status).toBe(410);
    expect(new Set(storedObjectKeys(t))).toEqual(keysBefore);
  });
});

describe('a purge cut short', () => {
  let t: TestApp;
  let deal: Deal;
  afterEach(() => t.close());

  it('by a store outage answers 503, serves no content meanwhile, and the next POST completes it with every object certified', async () => {
    t = await startTestApp();
    ({ deal } = await dealWithContent(t));
    const before = storeSnapshot(t);
    const roomKeys = await roomObjectKeys(t, deal.room.id);
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);

    // The store goes away after three deletions.
    const realDelete = t.store.delete.bind(t.store);
    let deletions = 0;
    t.store.delete = async (key: string) => {
      if (++deletions > 3) throw new StorageUnavailableError('store unreachable');
      return realDelete(key);
    };
    try {
      const cut = await deal.admin.post(`${deal.roomPath}/purge`);
      expect([cut.status, cut.body.error.code]).toEqual([503, 'storage_unavailable']);
    } finally {
      t.store.delete = realDelete;
    }
    const halfway = storeSnapshot(t);
    expect([...roomKeys].filter((k) => !halfway.has(k))).toHaveLength(3);
    expect((await deal.manager.get(`/api/documents/${deal.docs.legal.id}/original`)).status).toBe(410);
    expect((await deal.admin.get(`${deal.roomPath}/purge`)).body.status).toBe('purging');

    const done = await deal.admin.post(`${deal.roomPath}/purge`);
    expect(done.status).toBe(200);
    const after = storeSnapshot(t);
    for (const key of roomKeys) expect(after.has(key)).toBe(false);
    // The three objects the first attempt deleted are on the certificate too, with the digests of their bytes.
    const listed = new Map((done.body.certificate.objects as Array<{ key: string; sha256: string }>).map((o) => [o.key, o.sha256]));
    expect([...listed.keys()].sort()).toEqual([...roomKeys].sort());
    for (const key of roomKeys) expect(listed.get(key)).toBe(before.get(key));
    expect((await deal.admin.get('/api/audit/verify')).body.ok).toBe(true);
  });

  it('by a read failing while digests are taken leaves every object in place, and the next POST completes it', async () => {
    t = await startTestApp();
    ({ deal } = await dealWithContent(t));
    const before = storeSnapshot(t);
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const realGet = t.store.get.bind(t.store);
    t.store.get = async () => {
      throw new StorageUnavailableError('store unreachable');
    };
    try {
      expect((await deal.admin.post(`${deal.roomPath}/purge`)).status).toBe(503);
    } finally {
      t.store.get = realGet;
    }
    expect(storeSnapshot(t)).toEqual(before);
    expect((await deal.admin.post(`${deal.roomPath}/purge`)).status).toBe(200);
  });

  it('waits for an archive being built: 409 archive_building, no content served meanwhile, then the next POST completes it', async () => {
    t = await startTestApp();
    ({ deal } = await dealWithContent(t));
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const archiveId = '00000000-0000-4000-8000-000000000001';
    const now = new Date().toISOString();
    await t.db('archives').insert({ id: archiveId, roomId: deal.room.id, scope: 'room', status: 'building', objectKey: `archives/${deal.room.id}/${archiveId}.zip`, requestedBy: deal.users.manager.id, createdAt: now, updatedAt: now });
    const waiting = await deal.admin.post(`${deal.roomPath}/purge`);
    expect([waiting.status, waiting.body.error.code]).toEqual([409, 'archive_building']);
    expect((await deal.manager.get(`/api/documents/${deal.docs.legal.id}/original`)).status).toBe(410);
    // The build ends (its ZIP lands under the room's prefix): the purge goes on and takes it too.
    await t.store.put(`archives/${deal.room.id}/${archiveId}.zip`, Readable.from([Buffer.from('PK late archive')]));
    await t.db('archives').where({ id: archiveId }).update({ status: 'ready' });
    const done = await deal.admin.post(`${deal.roomPath}/purge`);
    expect(done.status).toBe(200);
    expect(done.body.certificate.objects.map((o: { key: string }) => o.key)).toContain(`archives/${deal.room.id}/${archiveId}.zip`);
    expect(storedObjectKeys(t).filter((k) => k.startsWith(`archives/${deal.room.id}/`))).toEqual([]);
  });

  it('run twice at once: both answer the one certificate', async () => {
    t = await startTestApp();
    ({ deal } = await dealWithContent(t));
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const [a, b] = await Promise.all([deal.admin.post(`${deal.roomPath}/purge`), deal.admin.post(`${deal.roomPath}/purge`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.certificate).toEqual(b.body.certificate);
    const completed = await t.db('auditEvents').where({ action: 'room.purge', decision: 'allow', roomId: deal.room.id }).select('details');
    expect(completed.filter((e: { details: string }) => !JSON.parse(e.details).already)).toHaveLength(1);
  });
});

describe('retention', () => {
  let t: TestApp;
  let deal: Deal;
  beforeAll(async () => {
    t = await startTestApp({}, { mailWorker: true });
    deal = await buildDeal(t);
  });
  afterAll(() => t.close());

  it('takes retainDays from an admin: an integer of 1 to 36,500 days, or null; 400 names the field otherwise', async () => {
    for (const bad of [0, -1, 36_501, 1.5, '30', true, {}]) {
      const res = await deal.admin.patch(deal.roomPath, { retainDays: bad });
      expect([bad, res.status, Object.keys(res.body.error.details ?? {})]).toEqual([bad, 400, ['retainDays']]);
    }
    expect((await deal.admin.patch(deal.roomPath, { retainDays: 30 })).body.retainDays).toBe(30);
    expect((await deal.admin.patch(deal.roomPath, { retainDays: null })).body.retainDays).toBeNull();
  });

  it("is an administrator's decision: a manager setting it gets 403 and changes nothing", async () => {
    const res = await deal.manager.patch(deal.roomPath, { retainDays: 1 });
    expect(res.status).toBe(403);
    expect((await deal.manager.get(deal.roomPath)).body.retainDays).toBeNull();
  });

  it('mails the admins once a week before a closed room falls due, then purges it as the system', async () => {
    expect((await deal.admin.patch(deal.roomPath, { retainDays: 30 })).status).toBe(200);
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const { closedAt } = await t.db('rooms').where({ id: deal.room.id }).first('closedAt');
    const due = Date.parse(closedAt) + 30 * DAY;
    const at = (ms: number) => new Date(ms).toISOString();
    const deps = { db: t.db, store: t.store, config: t.config };
    const noticeMails = () => t.db('mailOutbox').where({ kind: 'room_purge_notice' }).select();

    expect(await sweepRetention(deps, at(due - 8 * DAY))).toMatchObject({ noticed: 0, purged: 0 });
    expect(await noticeMails()).toHaveLength(0);
    // Two processes' sweepers at once: one mail per admin, not two.
    const [s1, s2] = await Promise.all([sweepRetention(deps, at(due - 6 * DAY)), sweepRetention(deps, at(due - 6 * DAY))]);
    expect(s1.noticed + s2.noticed).toBe(1);
    const mails = await noticeMails();
    expect(mails.map((m: { toAddress: string }) => m.toAddress)).toEqual([ADMIN.email]);
    expect(mails[0].subject).toContain('Sale of Falcon');
    expect(mails[0].textBody).toContain(`${at(due + DAY).slice(0, 16).replace('T', ' ')} UTC`);
    // Queued at the sweep's instant (a week ahead of the test's clock): the worker sends it then, not before.
    expect(mails[0].nextAttemptAt).toBe(at(due - 6 * DAY));

    // Due at `due`, but never sooner than a week after the notice (sent six days before it).
    expect((await sweepRetention(deps, at(due))).purged).toBe(0);
    expect((await deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`)).status).toBe(200);
    expect((await sweepRetention(deps, at(due + DAY))).purged).toBe(1);
    expect((await deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`)).status).toBe(410);
    const state = await deal.counsel.get(`${deal.roomPath}/purge`);
    expect(state.body).toMatchObject({ status: 'purged', certificate: { trigger: 'retention', purgedBy: null, retainDays: 30 } });
    expect(signatureValid(state.body.certificate, signedBytes(state.body.certificate), state.body.publicKey)).toBe(true);
    const event = await t.db('auditEvents').where({ action: 'room.purge', roomId: deal.room.id }).first();
    expect(event.actorId).toBeNull();
    expect(await noticeMails()).toHaveLength(1);
    expect((await deal.admin.get('/api/audit/verify')).body.ok).toBe(true);
    expect(await Client.login(t.app, deal.users.manager.email, PASSWORD)).toBeDefined();
  });
});
