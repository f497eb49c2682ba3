import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createHash, verify, type KeyObject } from 'node:crypto';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { BearerClient, expectStatus, observableAnswer } from '../support/staged-deal.js';
import { makePdf } from '../support/fixtures.js';
import { binary } from '../support/binary.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { CENSUS_CLASSIFICATION, censusCsv, generateCensus } from '../support/census.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';

/**
 * Issue 22, purge, attacked from outside (API.md "Deal end"): a purge asked of an open room, by a
 * manager, by a bidder, for a room that does not exist, twice, at once; then every way staff could
 * still get a byte of the purged room back (content, originals, versions, NDA files, folder ZIPs,
 * datasets, archives, search snippets, byte ranges, caches), another deal's files byte for byte, the
 * ledger, and a certificate doctored after the fact.
 */

const run = promisify(execFile);
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const RANDOM_ID = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
/** A word only the purged room's documents hold: search must never find it again. */
const SECRET_WORD = 'Zanzibarquartz';

const purgePath = (roomPath: string) => `${roomPath}/purge`;
const bytes = (req: ReturnType<Client['get']>) => req.buffer(true).parse(binary);

/** `npm run audit:verify` on the test app's database, object store and key, as an operator runs it. */
const auditVerify = (t: TestApp) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli/audit-verify.ts'], {
    env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) },
  }).then((r) => ({ code: 0, ...r }), (err: { code: number; stdout: string; stderr: string }) => err);

/** Every stored object, key → SHA-256 of its bytes, read off the local store's disk. */
function storeSnapshot(t: TestApp): Map<string, string> {
  const root = path.join(t.dataDir, 'storage', 'objects');
  return new Map(storedObjectKeys(t).map((key) => [key, sha256(fs.readFileSync(path.join(root, key)))]));
}
/** Objects the ledger keeps for itself (signed checkpoints): not the room's, and they must stay. */
const isLedgerObject = (key: string) => key.startsWith('ledger/');

describe('who may purge, and when', () => {
  let t: TestApp;
  let deal: Deal;
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildDeal(t);
  }, 60_000);
  afterEach(() => t.close());

  it('refuses to purge an open room (409) and deletes nothing', async () => {
    const before = storeSnapshot(t);
    const res = await deal.admin.post(purgePath(deal.roomPath));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toEqual(expect.any(String));
    expect(storeSnapshot(t)).toEqual(before);
    expect((await bytes(deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`))).status).toBe(200);
  });

  it('refuses a manager and counsel of the closed room (403), and deletes nothing', async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const before = storeSnapshot(t);
    for (const staff of [deal.manager, deal.counsel]) {
      const res = await staff.post(purgePath(deal.roomPath));
      expect(res.status).toBe(403);
    }
    expect(storeSnapshot(t)).toEqual(before);
  });

  it("answers an outsider to the room exactly as a room that does not exist (404); a bidder of the room is refused (403 as for the room's other staff acts, or 404); an admin naming a made-up room 404", async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const before = storeSnapshot(t);
    const outsiderUser = await expectStatus<{ email: string }>(
      deal.admin.post('/api/users', { email: 'sam@stranger.example', name: 'Sam Stranger', password: PASSWORD, orgId: deal.orgs.beta.id, role: 'external' }),
      201,
    );
    const outsider = await Client.login(t.app, outsiderUser.email, PASSWORD);
    const real = observableAnswer(await outsider.post(purgePath(deal.roomPath)));
    const made = observableAnswer(await outsider.post(purgePath(`/api/rooms/${RANDOM_ID}`)));
    expect(real).toEqual(made);
    expect(real.status).toBe(404);
    const buyerA = await deal.login('buyerA');
    expect([403, 404]).toContain((await buyerA.post(purgePath(deal.roomPath))).status);
    const script = await BearerClient.mint(t.app, buyerA);
    expect([403, 404]).toContain((await script.post(purgePath(deal.roomPath))).status);
    expect((await deal.admin.post(purgePath(`/api/rooms/${RANDOM_ID}`))).status).toBe(404);
    expect((await deal.admin.post(purgePath('/api/rooms/..%2F..%2Fetc'))).status).toBe(404);
    expect(storeSnapshot(t)).toEqual(before);
  });

  it('refuses a cookie-authenticated purge without the CSRF token, and the purge of a room a staff member of another deal cannot see', async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const before = storeSnapshot(t);
    const res = await deal.admin.agent.post(purgePath(deal.roomPath)).send({});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
    const olgaUser = await expectStatus<{ email: string }>(
      deal.admin.post('/api/users', { email: 'olga@seller.example', name: 'Olga Other', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }),
      201,
    );
    const olga = await Client.login(t.app, olgaUser.email, PASSWORD);
    expect((await olga.post(purgePath(deal.roomPath))).status).toBe(404);
    expect(storeSnapshot(t)).toEqual(before);
  });

  it('refuses a purge with options (400 naming the field), and deletes nothing', async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const before = storeSnapshot(t);
    const res = await deal.admin.post(purgePath(deal.roomPath), { keep: ['archives'] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error)).toContain('keep');
    expect(storeSnapshot(t)).toEqual(before);
  });

  it('lets only an admin schedule a purge (retainDays): a manager 403, a bidder refused, bad values 400 naming retainDays, purgedAt never settable', async () => {
    expect((await deal.manager.patch(deal.roomPath, { retainDays: 1 })).status).toBe(403);
    const buyerA = await deal.login('buyerA');
    expect([403, 404]).toContain((await buyerA.patch(deal.roomPath, { retainDays: 1 })).status);
    for (const retainDays of [0, -1, 36_501, 1.5, '30', true]) {
      const res = await deal.admin.patch(deal.roomPath, { retainDays });
      expect({ retainDays, status: res.status }).toEqual({ retainDays, status: 400 });
      expect(JSON.stringify(res.body.error.details)).toContain('retainDays');
    }
    for (const field of ['purgedAt', 'purgeStartedAt', 'status', 'closedAt']) {
      const res = await deal.admin.patch(deal.roomPath, { [field]: '2020-01-01T00:00:00.000Z' });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
    }
    const room = await expectStatus<Record<string, unknown>>(deal.manager.get(deal.roomPath), 200);
    expect(room).toMatchObject({ status: 'open', retainDays: null });
  });

  it('purges once when two admins purge at the same instant: one certificate, one ledger event, the same answer or a conflict', async () => {
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const [a, b] = await Promise.all([deal.admin.post(purgePath(deal.roomPath)), deal.admin.post(purgePath(deal.roomPath))]);
    expect([a.status, b.status].sort()).toEqual(a.status === b.status ? [200, 200] : [200, 409]);
    if (a.status === 200 && b.status === 200) expect(a.body.certificate).toEqual(b.body.certificate);
    // Asking again is on the record too, marked as answered by the purge already made.
    const purges = await t.db('auditEvents').where({ roomId: deal.room.id, decision: 'allow', action: 'room.purge' }).select('details');
    expect(purges.filter((e: { details: string }) => !JSON.parse(e.details).already)).toHaveLength(1);
    const kept = [...storeSnapshot(t).keys()].filter((k) => !isLedgerObject(k));
    expect(kept).toEqual([]);
  });
});

describe('a purge while an archive is still being written', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('leaves no upload of the purged room behind when its bytes were still on their way into the store as the purge ran', async () => {
    t = await startTestApp();
    const deal = await buildDeal(t);
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    const store = t.store as unknown as { put: (key: string, body: NodeJS.ReadableStream) => Promise<unknown> };
    const realPut = store.put.bind(t.store);
    let streamed!: () => void;
    const uploadStreamed = new Promise<void>((resolve) => (streamed = resolve));
    let release!: () => void;
    const purgeAnswered = new Promise<void>((resolve) => (release = resolve));
    store.put = async (key, body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      streamed();
      await purgeAnswered;
      return realPut(key, Readable.from([Buffer.concat(chunks)]));
    };
    const upload = deal.manager
      .upload(`${deal.roomPath}/documents`, { data: await makePdf('a late upload'), name: 'late.pdf' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' })
      .then((res) => res);
    await uploadStreamed;
    store.put = realPut;
    const purge = await deal.admin.post(purgePath(deal.roomPath));
    expect(purge.status).toBe(200);
    release();
    const uploaded = await upload;
    expect(uploaded.status).toBeGreaterThanOrEqual(400);
    expect(uploaded.status).toBeLessThan(500);
    expect([...storeSnapshot(t).keys()].filter((k) => !isLedgerObject(k))).toEqual([]);
  });

  it('leaves no archive of the purged room behind when the archive was still on its way into the store as the purge ran', async () => {
    t = await startTestApp();
    const deal = await buildDeal(t);
    await expectStatus(deal.manager.post(`${deal.roomPath}/close`), 200);
    // A slow store write, as a multi-gigabyte archive's upload to S3 is: the archive's bytes are all
    // produced, but the object lands in the store only later — here, once the purge has answered.
    const store = t.store as unknown as { put: (key: string, body: NodeJS.ReadableStream) => Promise<unknown> };
    const realPut = store.put.bind(t.store);
    let streamed!: () => void;
    const archiveStreamed = new Promise<void>((resolve) => (streamed = resolve));
    let release!: () => void;
    const purgeAnswered = new Promise<void>((resolve) => (release = resolve));
    store.put = async (key, body) => {
      if (!key.startsWith('archives/')) return realPut(key, body);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      streamed();
      await purgeAnswered;
      return realPut(key, Readable.from([Buffer.concat(chunks)]));
    };
    const archive = await expectStatus<{ id: string }>(deal.counsel.post(`${deal.roomPath}/archives`, {}), 202);
    await archiveStreamed;
    const purge = await deal.admin.post(purgePath(deal.roomPath));
    release();
    for (let i = 0; i < 300; i++) {
      const state = await deal.counsel.get(`${deal.roomPath}/archives/${archive.id}`);
      if (state.body.status !== 'building') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    store.put = realPut;
    // Whatever the purge answered (a certificate, or a refusal while an archive is being written),
    // once it has certified the room's objects deleted, none may appear afterwards.
    if (purge.status === 200) {
      expect([...storeSnapshot(t).keys()].filter((k) => !isLedgerObject(k))).toEqual([]);
    } else {
      expect(purge.status).toBe(409);
    }
  });
});

describe('a purged room', () => {
  let t: TestApp;
  let deal: Deal;
  let buyerA: Client;
  let osprey: { roomPath: string; documentId: string; manager: Client; original: Buffer };
  /** Osprey's stored objects, key → SHA-256: each must stay exactly as it is. */
  let ospreyObjects: Map<string, string>;
  let beforePurge: Map<string, string>;
  let financeV2: { versionId: string; sha256: string };
  let datasetId: string;
  let datasetSha: string;
  let ndaIds: string[];
  let ndaShas: string[];
  let archiveId: string | undefined;
  /** A stamped copy buyerA took before the purge: the evidence a trace needs. */
  let leakedCopy: Buffer;
  let leakedDownloadId: string;
  let certificate: Record<string, unknown>;
  let ledgerEventsBefore: number;

  beforeAll(async () => {
    t = await startTestApp();
    deal = await buildDeal(t);
    const r = deal.roomPath;

    // Osprey, another deal of another manager: its objects are the ones that must survive.
    const falconFirst = storeSnapshot(t);
    const olgaUser = await expectStatus<{ email: string }>(
      deal.admin.post('/api/users', { email: 'olga@seller.example', name: 'Olga Other', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }),
      201,
    );
    const olga = await Client.login(t.app, olgaUser.email, PASSWORD);
    const room = await expectStatus<{ id: string }>(olga.post('/api/rooms', { name: 'Sale of Osprey', entityIds: [deal.entities.outside.id], uploadsStartAs: 'published' }), 201);
    const op = `/api/rooms/${room.id}`;
    const folder = await expectStatus<{ id: string }>(olga.post(`${op}/folders`, { name: 'Osprey data' }), 201);
    const ospreyPdf = await makePdf(`Osprey accounts ${SECRET_WORD}`);
    const doc = await expectStatus<{ id: string }>(
      olga.upload(`${op}/documents`, { data: ospreyPdf, name: 'osprey.pdf' }, { folderId: folder.id, entityId: deal.entities.outside.id, classification: 'standard', personalData: 'none' }),
      201,
    );
    osprey = { roomPath: op, documentId: doc.id, manager: olga, original: ospreyPdf };
    await t.indexText();
    ospreyObjects = new Map([...storeSnapshot(t)].filter(([key]) => !isLedgerObject(key) && !falconFirst.has(key)));
    expect(ospreyObjects.size).toBeGreaterThan(0);

    // Falcon grows everything a room stores: versions, NDA files, a dataset, stamped deliveries, a folder ZIP, an index, an archive.
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
    const alpha = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
    const beta = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
    ndaIds = [alpha.id, beta.id];
    const ndas = await expectStatus<{ items: Array<{ id: string; sha256: string }> }>(deal.counsel.get(`${r}/ndas`), 200);
    ndaShas = ndas.items.map((n) => n.sha256);
    financeV2 = await expectStatus(deal.manager.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: await makePdf(`Finance restated ${SECRET_WORD}`), name: 'finance-v2.pdf' }), 201);
    const census = generateCensus(40, ['Falcon GmbH', 'Falcon Ltd']);
    const csv = censusCsv(census);
    datasetSha = sha256(csv);
    const dataset = await expectStatus<{ id: string; kind: string }>(
      deal.manager.upload(`${r}/documents`, { data: csv, name: 'census.csv' }, { folderId: deal.folders.payroll.id, entityId: deal.entities.gmbh.id, classification: 'confidential', personalData: 'identified', title: 'Employee census' }),
      201,
    );
    datasetId = dataset.id;
    await expectStatus(deal.manager.put(`/api/documents/${datasetId}/dataset`, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } }), 200);
    buyerA = await deal.login('buyerA');
    const leak = await bytes(buyerA.get(`/api/documents/${deal.docs.legal.id}/content`));
    expect(leak.status).toBe(200);
    leakedCopy = leak.body as Buffer;
    leakedDownloadId = leak.headers['x-download-id'] as string;
    expect((await bytes(buyerA.get(`/api/documents/${datasetId}/content`))).status).toBe(200);
    expect((await bytes(buyerA.get(`${r}/download.zip`))).status).toBe(200);
    // The deal team warms every cache it can: stamped and original reads, ranges.
    expect((await bytes(deal.manager.get(`/api/documents/${deal.docs.finance.id}/content`))).status).toBe(200);
    expect((await bytes(deal.manager.get(`/api/documents/${deal.docs.finance.id}/content`).set('Range', 'bytes=0-99'))).status).toBe(206);
    expect((await bytes(deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`))).status).toBe(200);
    await t.indexText();
    expect((await deal.manager.get(`${r}/search?q=${SECRET_WORD}`)).body.items.length).toBeGreaterThan(0);
    const archive = await deal.counsel.post(`${r}/archives`, {});
    if (archive.status === 202) {
      archiveId = archive.body.id as string;
      for (let i = 0; i < 600; i++) {
        const state = await deal.counsel.get(`${r}/archives/${archiveId}`);
        if (state.body.status !== 'building') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    await expectStatus(deal.manager.post(`${r}/close`), 200);
    beforePurge = storeSnapshot(t);
    ledgerEventsBefore = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
    const purged = await expectStatus<{ certificate: Record<string, unknown> }>(deal.admin.post(purgePath(r)), 200);
    certificate = purged.certificate;
  }, 600_000);
  afterAll(() => t?.close());

  it("leaves no object of the room in the store, and every other room's object byte for byte", async () => {
    const after = storeSnapshot(t);
    const falconLeft = [...after.keys()].filter((key) => !isLedgerObject(key) && !ospreyObjects.has(key));
    expect(falconLeft).toEqual([]);
    for (const [key, digest] of ospreyObjects) expect({ key, digest: after.get(key) }).toEqual({ key, digest });
    const ospreyRead = await bytes(osprey.manager.get(`/api/documents/${osprey.documentId}/original`));
    expect(ospreyRead.status).toBe(200);
    expect(sha256(ospreyRead.body as Buffer)).toBe(sha256(osprey.original));
  });

  it.each([
    ['stamped content', () => `/api/documents/${deal.docs.finance.id}/content`],
    ['inline view', () => `/api/documents/${deal.docs.finance.id}/content?disposition=inline`],
    ['original', () => `/api/documents/${deal.docs.finance.id}/original`],
    ['first version', () => `/api/documents/${deal.docs.finance.id}/versions/${(deal.docs.finance as { versionId?: string }).versionId}/original`],
    ['second version', () => `/api/documents/${deal.docs.finance.id}/versions/${financeV2.versionId}/original`],
    ['dataset content', () => `/api/documents/${datasetId}/content`],
    ['dataset rows', () => `/api/documents/${datasetId}/rows`],
    ['NDA file', () => `${deal.roomPath}/ndas/${ndaIds[0]}/file`],
    ['folder ZIP', () => `${deal.roomPath}/download.zip`],
    ['folder ZIP of a subtree', () => `${deal.roomPath}/download.zip?folderId=${deal.folders.finance.id}`],
  ])('answers staff 410 for the %s, never a byte from a cache', async (_what, url) => {
    const target = url();
    for (const staff of [deal.manager, deal.counsel, deal.admin]) {
      for (const headers of [{}, { Range: 'bytes=0-99' }]) {
        const req = staff.get(target);
        for (const [k, v] of Object.entries(headers)) req.set(k, v as string);
        const res = await bytes(req);
        expect({ target, headers, status: res.status }).toEqual({ target, headers, status: 410 });
      }
    }
  });

  it('answers staff 410 for the archive built before the purge', async () => {
    if (!archiveId) throw new Error('no archive endpoint: POST /archives did not answer 202');
    const res = await bytes(deal.counsel.get(`${deal.roomPath}/archives/${archiveId}/content`));
    expect(res.status).toBe(410);
  });

  it('finds nothing in search any more: no hit, no snippet, for staff', async () => {
    const res = await deal.manager.get(`${deal.roomPath}/search?q=${SECRET_WORD}`);
    if (res.status === 200) expect(res.body.items).toEqual([]);
    else expect([403, 410]).toContain(res.status);
    // Osprey's copy of the word is still found in Osprey.
    expect((await osprey.manager.get(`${osprey.roomPath}/search?q=${SECRET_WORD}`)).status).toBe(200);
  });

  it("keeps the room's record for staff: documents, versions with their hashes, NDAs, the ledger", async () => {
    const docs = await expectStatus<{ items: Array<{ id: string }> }>(deal.manager.get(`${deal.roomPath}/documents`), 200);
    expect(docs.items.map((d) => d.id).sort()).toEqual([deal.docs.finance.id, deal.docs.payroll.id, deal.docs.legal.id, datasetId].sort());
    const versions = await expectStatus<{ items: Array<{ sha256: string }> }>(deal.manager.get(`/api/documents/${deal.docs.finance.id}/versions`), 200);
    expect(versions.items.map((v) => v.sha256).sort()).toEqual([deal.docs.finance.sha256, financeV2.sha256].sort());
    expect((await deal.counsel.get(`${deal.roomPath}/ndas`)).status).toBe(200);
    expect((await deal.counsel.get(`${deal.roomPath}/audit`)).status).toBe(200);
    expect((await deal.counsel.get(`${deal.roomPath}/disclosures`)).status).toBe(200);
  });

  it('keeps refusing bidders as a closed room does (403 room_closed for lists, 404 for documents)', async () => {
    const list = await buyerA.get(`${deal.roomPath}/documents`);
    expect({ status: list.status, code: list.body.error?.code }).toEqual({ status: 403, code: 'room_closed' });
    expect((await bytes(buyerA.get(`/api/documents/${deal.docs.finance.id}/content`))).status).toBe(404);
    expect([403, 404]).toContain((await buyerA.post(purgePath(deal.roomPath))).status);
  });

  it('still traces a copy that left the room before the purge (the record of who took what stays)', async () => {
    const res = await deal.counsel.upload(`${deal.roomPath}/trace`, { data: leakedCopy, name: 'found-on-a-usb-stick.pdf' });
    expect(res.status).toBe(200);
    expect(res.body.downloadId).toBe(leakedDownloadId);
  });

  it('takes no new content into a purged room: a new document, a new version or a new archive is refused with a clear 4xx', async () => {
    const upload = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('after the purge'), name: 'late.pdf' }, {
      folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none',
    });
    expect(upload.status).toBeGreaterThanOrEqual(400);
    expect(upload.status).toBeLessThan(500);
    const version = await deal.manager.upload(`/api/documents/${deal.docs.legal.id}/versions`, { data: await makePdf('late version'), name: 'late-v2.pdf' });
    expect(version.status).toBeGreaterThanOrEqual(400);
    expect(version.status).toBeLessThan(500);
    const archive = await deal.counsel.post(`${deal.roomPath}/archives`, {});
    expect(archive.status).toBeGreaterThanOrEqual(400);
    expect(archive.status).toBeLessThan(500);
    const keys = [...storeSnapshot(t).keys()].filter((k) => !isLedgerObject(k) && !ospreyObjects.has(k));
    expect(keys).toEqual([]);
  });

  it('answers a second purge with the same certificate (or 409), and deletes nothing more', async () => {
    const again = await deal.admin.post(purgePath(deal.roomPath));
    expect([200, 409]).toContain(again.status);
    if (again.status === 200) expect(again.body.certificate).toEqual(certificate);
    for (const [key, digest] of ospreyObjects) expect(storeSnapshot(t).get(key)).toBe(digest);
  });

  it('keeps a ledger that verifies: npm run audit:verify exits 0, and GET /api/audit/verify says ok', async () => {
    const cli = await auditVerify(t);
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true });
    expect((await deal.admin.get('/api/audit/verify')).body).toMatchObject({ ok: true });
    const after = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
    expect(after).toBeGreaterThan(ledgerEventsBefore);
  }, 60_000);

  describe('the deletion certificate', () => {
    const text = () => JSON.stringify(certificate);

    it('lists the SHA-256 of every deleted original: each version, each NDA file, the dataset', () => {
      const expected = { finance: deal.docs.finance.sha256, financeV2: financeV2.sha256, payroll: deal.docs.payroll.sha256, legal: deal.docs.legal.sha256, dataset: datasetSha };
      for (const [what, digest] of Object.entries(expected)) expect({ what, listed: text().includes(digest) }).toEqual({ what, listed: true });
      for (const digest of ndaShas) expect({ nda: digest, listed: text().includes(digest) }).toEqual({ nda: digest, listed: true });
    });

    it("lists a SHA-256 for every object it deleted, and names nothing of another room", () => {
      const deleted = [...beforePurge.entries()].filter(([key]) => !isLedgerObject(key) && !ospreyObjects.has(key));
      const unlisted = deleted.filter(([, digest]) => !text().includes(digest)).map(([key]) => key);
      expect(unlisted).toEqual([]);
      for (const [, digest] of ospreyObjects) expect(text()).not.toContain(digest);
      expect(text()).not.toContain('Sale of Osprey');
    });

    it("is signed with the ledger key: it verifies with the server's public key, and a certificate with one byte changed does not", () => {
      const key = loadLedgerKey(t.config.audit);
      expect(certificate).toMatchObject({ keyId: key.keyId, signature: expect.any(String) });
      expect(certificateSignatureValid(certificate, key.publicKey)).toBe(true);
      const doctored = JSON.parse(text().replace(deal.docs.legal.sha256, deal.docs.legal.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'))));
      expect(certificateSignatureValid(doctored, key.publicKey)).toBe(false);
      const dropped = { ...certificate, roomId: RANDOM_ID };
      expect(certificateSignatureValid(dropped, key.publicKey)).toBe(false);
    });

    it("is bound into the ledger: the room's room.purge event carries the certificate's digest", async () => {
      const trail = await expectStatus<{ items: Array<{ action: string; details: Record<string, unknown> }> }>(deal.counsel.get(`${deal.roomPath}/audit?limit=1000`), 200);
      const purge = trail.items.find((e) => e.action === 'room.purge' && (e as { decision?: string }).decision === 'allow' && !e.details.already);
      expect(purge?.details.certificateSha256).toBe(sha256(canonicalJson(certificate)));
    });

    it('is served again after the purge, unchanged', async () => {
      const again = await deal.admin.get(purgePath(deal.roomPath));
      const served = again.status === 200 ? again.body : (await expectStatus(deal.admin.get(`${purgePath(deal.roomPath)}/certificate`), 200));
      expect(served.certificate ?? served).toEqual(certificate);
    });
  });
});

/**
 * Whether a deletion certificate's signature holds under `publicKey`, checked as counsel would with
 * Node alone: Ed25519 over the format line and the canonical JSON of every field but the signature.
 */
function certificateSignatureValid(certificate: Record<string, unknown>, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = certificate;
  try {
    return verify(null, Buffer.from(`gatehouse-deletion-certificate-v1\n${canonicalJson(unsigned)}`), publicKey, Buffer.from(String(signature), 'base64'));
  } catch {
    return false;
  }
}
