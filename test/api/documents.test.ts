import fs from 'node:fs';
import path from 'node:path';
import { binary } from '../support/binary.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { ELF_BYTES, makePdf, TINY_PNG } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { createHash } from 'node:crypto';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp({ MAX_UPLOAD_BYTES: String(256 * 1024) });
  deal = await buildDeal(t);
});
afterEach(() => t.close());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const fields = () => ({ folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });

describe('uploading documents', () => {
  it('stores the bytes with their SHA-256 and the type sniffed from content, not the name', async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: TINY_PNG, name: 'looks-like.pdf' }, fields());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, size: TINY_PNG.length, sha256: sha256(TINY_PNG), mimeType: 'image/png' });
  });

  it('refuses an executable with 415 and keeps nothing', async () => {
    const before = storedObjectKeys(t).length;
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: ELF_BYTES, name: 'report.pdf' }, fields());
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_type');
    expect(storedObjectKeys(t)).toHaveLength(before);
  });

  it('refuses a file over the configured cap with 413 and keeps nothing', async () => {
    const before = storedObjectKeys(t).length;
    const big = Buffer.concat([await makePdf('big'), Buffer.alloc(300 * 1024, 0x20)]);
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: big, name: 'big.pdf' }, fields());
    expect(res.status).toBe(413);
    expect(storedObjectKeys(t)).toHaveLength(before);
    expect(fs.readdirSync(path.join(t.dataDir, 'storage', 'tmp')).length).toBe(0);
  });

  it("refuses an entity outside the room's targets with 400 naming entityId, and keeps nothing", async () => {
    const before = storedObjectKeys(t).length;
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('x'), name: 'x.pdf' }, { ...fields(), entityId: deal.entities.outside.id });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('entityId');
    expect(storedObjectKeys(t)).toHaveLength(before);
  });

  it('names every missing or wrong field', async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('x'), name: 'x.pdf' }, { folderId: deal.folders.finance.id, classification: 'secret', role: 'admin' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['classification', 'entityId', 'personalData', 'role']);
  });

  it('adds versions; external users always get the latest', async () => {
    const v2 = await makePdf('Finance, restated');
    const res = await deal.manager.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: v2, name: 'finance-v2.pdf' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, sha256: sha256(v2) });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'original' });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const buyer = await deal.login('buyerA');
    const doc = await buyer.get(`/api/documents/${deal.docs.finance.id}`);
    expect(doc.body).toMatchObject({ version: 2, versionId: res.body.versionId });
    const original = await buyer.get(`/api/documents/${deal.docs.finance.id}/original`).buffer(true).parse(binary);
    expect(sha256(original.body)).toBe(sha256(v2));
  });

  it('lets only managers upload (403 for counsel, 404 for outsiders)', async () => {
    const asCounsel = await deal.counsel.upload(`${deal.roomPath}/documents`, { data: await makePdf('x'), name: 'x.pdf' }, fields());
    expect(asCounsel.status).toBe(403);
    const buyer = await deal.login('buyerA');
    const asBuyer = await buyer.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: await makePdf('x'), name: 'x.pdf' });
    expect(asBuyer.status).toBe(404);
  });
});

describe('listing documents', () => {
  it('gives each document its index, searches titles, and pages with a cursor', async () => {
    const all = await deal.manager.get(`${deal.roomPath}/documents?limit=2`);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const rest = await deal.manager.get(`${deal.roomPath}/documents?limit=2&cursor=${all.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    const indexes = [...all.body.items, ...rest.body.items].map((d: { index: string }) => d.index).sort();
    expect(indexes).toEqual(['1.1', '1.1.1', '2.1']);
    const found = await deal.manager.get(`${deal.roomPath}/documents?q=PAYROLL`);
    expect(found.body.items.map((d: { id: string }) => d.id)).toEqual([deal.docs.payroll.id]);
    const literal = await deal.manager.get(`${deal.roomPath}/documents?q=%25`);
    expect(literal.body.items).toEqual([]);
  });

  it('gives a document in a folder created since the last list its true index, in lists and reads', async () => {
    // The first list reads and keeps the room's folder tree; the new folder must not be missed.
    expect((await deal.manager.get(`${deal.roomPath}/documents`)).status).toBe(200);
    const tax = (await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Tax', parentId: deal.folders.legal.id })).body as { id: string; index: string };
    expect(tax.index).toBe('2.1');
    const doc = (await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Tax return'), name: 'tax.pdf' }, { ...fields(), folderId: tax.id })).body as { id: string };
    const listed = await deal.manager.get(`${deal.roomPath}/documents?folderId=${tax.id}`);
    expect(listed.body.items.map((d: { index: string }) => d.index)).toEqual(['2.1.1']);
    expect((await deal.manager.get(`/api/documents/${doc.id}`)).body.index).toBe('2.1.1');
  });

  it('reads the folder tree once per policy version, and again for a folder the kept tree lacks', async () => {
    const { folderIndexesOfRoom } = await import('../../server/folders/repository.js');
    let treeReads = 0;
    const count = (q: { sql: string }) => {
      if (/from [`"]folders[`"]/i.test(q.sql)) treeReads += 1;
    };
    t.db.on('query', count);
    const roomId = deal.room.id;
    const first = await folderIndexesOfRoom(t.db, roomId, { policyVersion: 'v1', needed: [deal.folders.finance.id] });
    await folderIndexesOfRoom(t.db, roomId, { policyVersion: 'v1', needed: [deal.folders.payroll.id] });
    expect(treeReads).toBe(1);
    // A newer version reads the tree again.
    await folderIndexesOfRoom(t.db, roomId, { policyVersion: 'v2', needed: [] });
    expect(treeReads).toBe(2);
    // A folder written after the version was read: the kept tree lacks it, so it is read again.
    const tax = (await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Tax' })).body as { id: string };
    treeReads = 0;
    const again = await folderIndexesOfRoom(t.db, roomId, { policyVersion: 'v2', needed: [tax.id] });
    t.db.off('query', count);
    expect(treeReads).toBe(1);
    expect(again.get(tax.id)).toBe('3');
    expect(first.get(deal.folders.payroll.id)).toBe('1.1');
  });

  it('filters by folder', async () => {
    const res = await deal.manager.get(`${deal.roomPath}/documents?folderId=${deal.folders.legal.id}`);
    expect(res.body.items.map((d: { id: string }) => d.id)).toEqual([deal.docs.legal.id]);
  });
});

describe('stamped delivery', () => {
  beforeEach(async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  });

  it('stamps images and records the download', async () => {
    const png = await deal.manager.upload(`${deal.roomPath}/documents`, { data: TINY_PNG, name: 'chart.png' }, fields());
    const buyer = await deal.login('buyerA');
    const res = await buyer.get(`/api/documents/${png.body.id}/content?disposition=inline`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^inline/);
    expect(sha256(res.body)).not.toBe(sha256(TINY_PNG));
    const row = await t.db('downloads').where({ id: res.headers['x-download-id'] }).first();
    expect(row).toMatchObject({ kind: 'view', userId: deal.users.buyerA.id, sha256: sha256(res.body) });
  });

  it("delivers a CSV below level original as the recipient's own dataset copy, never the stored file", async () => {
    const stored = Buffer.from('name,salary\nAnna,1\n');
    const csv = await deal.manager.upload(`${deal.roomPath}/documents`, { data: stored, name: 'salaries.csv' }, fields());
    expect(csv.body).toMatchObject({ mimeType: 'text/csv', kind: 'dataset' });
    const buyer = await deal.login('buyerA');
    const res = await buyer.get(`/api/documents/${csv.body.id}/content`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect((res.body as Buffer).toString('utf8')).toContain('Anna');
    expect(sha256(res.body)).not.toBe(sha256(stored));
    const row = await t.db('downloads').where({ id: res.headers['x-download-id'] }).first();
    expect(row).toMatchObject({ kind: 'download', userId: deal.users.buyerA.id });
  });

  it('refuses at upload, with 422 and a clear message, a PDF that needs a password to open', async () => {
    const encrypted = fs.readFileSync(path.resolve('../shared/corpus/pdf/encrypted_new.pdf'));
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: encrypted, name: 'locked.pdf' }, fields());
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('pdf_password_required');
    expect(res.body.error.message).toMatch(/password/);
  });
});

