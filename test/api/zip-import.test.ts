import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { expectStatus } from '../support/staged-deal.js';
import { makePdf, TINY_PNG } from '../support/fixtures.js';
import { censusCsv, generateCensus } from '../support/census.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { zipOf } from '../support/zip-files.js';
import type { Client } from '../support/test-app.js';

let t: TestApp;
let deal: Deal;
let buyer: Client;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  // The bidder may have everything in the room: only the stage of a document keeps it from them.
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  buyer = await deal.login('buyerA');
}, 60_000);
afterAll(() => t.close());

const importInto = (folderId: string, zip: Buffer, client: Client = deal.manager, fields: Record<string, string> = {}) =>
  client.upload(`${deal.roomPath}/imports`, { data: zip, name: 'data-room.zip' }, {
    folderId,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
    ...fields,
  });

interface Imported {
  folders: Array<{ id: string; name: string; parentId: string; index: string }>;
  documents: Array<{ id: string; title: string; folderId: string; index: string; status: string; kind: string; mimeType: string; entry: string; sha256: string }>;
  skipped: Array<{ entry: string; reason: string }>;
}

async function sampleZip() {
  return zipOf([
    { name: 'Due diligence/' },
    { name: 'Due diligence/02 Finance/Accounts 2024.pdf', data: await makePdf('Accounts 2024') },
    { name: 'Due diligence/01 Corporate/Register extract.pdf', data: await makePdf('Register extract') },
    { name: 'Due diligence/01 Corporate/Articles.pdf', data: await makePdf('Articles of association') },
    { name: 'Due diligence/02 Finance/Census.csv', data: censusCsv(generateCensus(20, ['Falcon GmbH'])) },
    { name: 'Due diligence/10 Empty/' },
    { name: 'Due diligence/Site photo.png', data: TINY_PNG },
    { name: 'Read me first.pdf', data: await makePdf('Read me first') },
    { name: '__MACOSX/Due diligence/._Articles.pdf', data: Buffer.from('resource fork') },
  ]);
}

describe('importing a ZIP of folders and files', () => {
  let imported: Imported;
  let target: { id: string; index: string };

  beforeAll(async () => {
    target = await expectStatus(deal.manager.post(`${deal.roomPath}/folders`, { name: 'Imports' }), 201);
    // The room publishes uploads at once (world.ts); an import still starts as drafts.
    imported = await expectStatus<Imported>(importInto(target.id, await sampleZip()), 201);
  }, 60_000);

  it("creates the ZIP's folders below the folder given, numbered in the natural order of their names", () => {
    const byName = new Map(imported.folders.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual(['01 Corporate', '02 Finance', '10 Empty', 'Due diligence']);
    const dd = byName.get('Due diligence')!;
    expect(dd.parentId).toBe(target.id);
    expect(dd.index).toBe(`${target.index}.1`);
    expect(byName.get('01 Corporate')).toMatchObject({ parentId: dd.id, index: `${dd.index}.1` });
    expect(byName.get('02 Finance')).toMatchObject({ parentId: dd.id, index: `${dd.index}.2` });
    // A folder listed in the ZIP with nothing in it is still a folder of the author's.
    expect(byName.get('10 Empty')).toMatchObject({ parentId: dd.id, index: `${dd.index}.3` });
  });

  it('creates every file as a draft document in its folder, titled after its name, whatever the room says of uploads', async () => {
    const folderOf = new Map(imported.folders.map((f) => [f.id, f.name]));
    const docs = imported.documents.map((d) => ({ title: d.title, folder: folderOf.get(d.folderId) ?? (d.folderId === target.id ? 'Imports' : '?'), status: d.status, index: d.index }));
    expect(docs).toEqual([
      { title: 'Read me first', folder: 'Imports', status: 'draft', index: `${target.index}.1` },
      { title: 'Site photo', folder: 'Due diligence', status: 'draft', index: `${target.index}.1.1` },
      { title: 'Articles', folder: '01 Corporate', status: 'draft', index: `${target.index}.1.1.1` },
      { title: 'Register extract', folder: '01 Corporate', status: 'draft', index: `${target.index}.1.1.2` },
      { title: 'Accounts 2024', folder: '02 Finance', status: 'draft', index: `${target.index}.1.2.1` },
      { title: 'Census', folder: '02 Finance', status: 'draft', index: `${target.index}.1.2.2` },
    ]);
    const rows = await t.db('documents').whereIn('id', imported.documents.map((d) => d.id)).select('status', 'publishedAt');
    expect(rows.every((r) => r.status === 'draft' && r.publishedAt === null)).toBe(true);
  });

  it('takes each file in like an upload of its own: its type from its bytes, a stamping rendition for a PDF, a CSV table as a dataset', async () => {
    const byTitle = new Map(imported.documents.map((d) => [d.title, d]));
    expect(byTitle.get('Census')).toMatchObject({ kind: 'dataset', mimeType: 'text/csv' });
    expect(byTitle.get('Site photo')).toMatchObject({ kind: 'document', mimeType: 'image/png' });
    expect(byTitle.get('Articles')).toMatchObject({ kind: 'document', mimeType: 'application/pdf' });
    const pdfVersions = (await t.db('documents').whereIn('id', imported.documents.filter((d) => d.mimeType === 'application/pdf').map((d) => d.id)).select('currentVersionId')).map((r) => r.currentVersionId as string);
    const renditions = await t.db('stampRenditions').whereIn('versionId', pdfVersions).select('status');
    expect(renditions).toHaveLength(4);
    expect(renditions.every((r) => r.status === 'ready')).toBe(true);
    expect(await t.db('datasetDescriptions').where({ versionId: (await t.db('documents').where({ id: byTitle.get('Census')!.id }).first()).currentVersionId }).first('status')).toEqual({ status: 'ready' });
    // The stored file is the entry's bytes exactly, and the deal team gets it back as it was.
    const original = await deal.manager.get(`/api/documents/${byTitle.get('Site photo')!.id}/original`).buffer(true);
    expect(Buffer.compare(original.body as Buffer, TINY_PNG)).toBe(0);
  });

  it("leaves out what the operating system wrote into the ZIP, and says so", () => {
    expect(imported.skipped).toEqual([{ entry: '__MACOSX/Due diligence/._Articles.pdf', reason: expect.stringMatching(/operating system/) }]);
    expect(imported.documents.some((d) => d.entry.includes('__MACOSX'))).toBe(false);
  });

  it('records the import and each folder and document it created on the ledger', async () => {
    const audit = await expectStatus<{ items: Array<{ action: string; subjectId: string; details: Record<string, unknown> }> }>(deal.counsel.get(`${deal.roomPath}/audit?limit=1000`), 200);
    const summary = audit.items.find((e) => e.action === 'document.import');
    expect(summary).toMatchObject({ subjectId: target.id, details: expect.objectContaining({ folders: 4, documents: 6, skipped: 1 }) });
    const importId = summary!.details.importId;
    expect(audit.items.filter((e) => e.action === 'document.create' && e.details.importId === importId)).toHaveLength(6);
    expect(audit.items.filter((e) => e.action === 'folder.create' && e.details.importId === importId)).toHaveLength(4);
  });

  it('keeps everything from the bidders until it is published: no document, no folder, no content', async () => {
    const listed = await expectStatus<{ items: Array<{ id: string }> }>(buyer.get(`${deal.roomPath}/documents?limit=200`), 200);
    const ids = new Set(imported.documents.map((d) => d.id));
    expect(listed.items.filter((d) => ids.has(d.id))).toEqual([]);
    const folders = await expectStatus<{ items: Array<{ id: string }> }>(buyer.get(`${deal.roomPath}/folders`), 200);
    expect(folders.items.filter((f) => imported.folders.some((i) => i.id === f.id) || f.id === target.id)).toEqual([]);
    expect((await buyer.get(`/api/documents/${imported.documents[0].id}/content`)).status).toBe(404);
    const dd = imported.folders.find((f) => f.name === 'Due diligence')!;
    expect((await buyer.get(`${deal.roomPath}/download.zip?folderId=${dd.id}`)).status).toBe(404);

    await expectStatus(deal.manager.post(`${deal.roomPath}/publish`, { folderId: target.id }), 200);
    const after = await expectStatus<{ items: Array<{ id: string; status: string }> }>(buyer.get(`${deal.roomPath}/documents?limit=200`), 200);
    expect(after.items.filter((d) => ids.has(d.id)).map((d) => d.status).sort()).toEqual(Array(6).fill('published'));
  });

  it('keeps the ZIP only while it is read: nothing of it stays under the data dir', () => {
    const spool = path.join(t.dataDir, 'tmp', 'imports');
    expect(fs.existsSync(spool) ? fs.readdirSync(spool) : []).toEqual([]);
    expect(storedObjectKeys(t).filter((k) => k.startsWith('imports'))).toEqual([]);
  });
});

describe('who may import, and into where', () => {
  it('is for managers: counsel and bidders are refused and nothing is created', async () => {
    const zip = await zipOf([{ name: 'A/one.pdf', data: await makePdf('one') }]);
    const before = { docs: await t.db('documents').count({ n: '*' }).first(), folders: await t.db('folders').count({ n: '*' }).first(), objects: storedObjectKeys(t).length };
    expect((await importInto(deal.folders.finance.id, zip, deal.counsel)).status).toBe(403);
    const asBuyer = await importInto(deal.folders.finance.id, zip, buyer);
    expect([403, 404]).toContain(asBuyer.status);
    expect({ docs: await t.db('documents').count({ n: '*' }).first(), folders: await t.db('folders').count({ n: '*' }).first(), objects: storedObjectKeys(t).length }).toEqual(before);
  });

  it('answers 400 naming folderId for a folder of another room or none, and entityId for an entity outside the room', async () => {
    const zip = await zipOf([{ name: 'one.pdf', data: await makePdf('one') }]);
    const unknown = await importInto('00000000-0000-4000-8000-000000000000', zip);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual({ folderId: expect.any(String) });
    const outside = await importInto(deal.folders.finance.id, zip, deal.manager, { entityId: deal.entities.outside.id });
    expect(outside.status).toBe(400);
    expect(outside.body.error.details).toEqual({ entityId: expect.any(String) });
    const missing = await deal.manager.upload(`${deal.roomPath}/imports`, { data: zip, name: 'x.zip' }, { folderId: deal.folders.finance.id });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.error.details).sort()).toEqual(['classification', 'entityId', 'personalData']);
  });
});
