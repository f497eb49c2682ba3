import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp, type Client } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { expectStatus, observableAnswer } from '../support/staged-deal.js';
import { makePdf } from '../support/fixtures.js';
import { binary } from '../support/binary.js';
import { CENSUS_CLASSIFICATION, censusCsv, generateCensus } from '../support/census.js';
import { readZip, type ReadEntry } from '../support/zip-files.js';

let t: TestApp;
let deal: Deal;
let buyer: Client;
let docs: Record<string, { id: string }>;
let bOnly: { id: string };

/** Titles of documents the bidder must never find in their ZIP, by name or otherwise. */
const HIDDEN_TITLES = ['Draft plan', 'Withdrawn memo', 'Secret deal', 'Ltd accounts', 'Side letter B', 'Bidder B only', 'Legal opinion'];

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  const r = deal.roomPath;
  // Uploads from here on are drafts: each document below is published (or not) on purpose.
  await expectStatus(deal.manager.patch(r, { uploadsStartAs: 'draft' }), 200);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  // Bidder A: download in Finance up to confidential without personal data; identified personal data
  // in Payroll; Legal to view only. Nothing of a top folder kept for bidder B.
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, maxClassification: 'confidential', maxPersonalData: 'none' });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.payroll.id, maxClassification: 'confidential', maxPersonalData: 'identified' });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'view' });
  bOnly = await expectStatus(deal.manager.post(`${r}/folders`, { name: 'Bidder B only' }), 201);
  await deal.grant({ partyId: deal.parties.B.id, folderId: bOnly.id });

  const upload = async (title: string, folderId: string, o: { entity?: 'gmbh' | 'ltd'; classification?: string; personalData?: string } = {}) =>
    expectStatus<{ id: string }>(
      deal.manager.upload(`${r}/documents`, { data: await makePdf(`${title} of Project Falcon`), name: `${title.replace(/\W/g, '_')}.pdf` }, {
        folderId,
        entityId: deal.entities[o.entity ?? 'gmbh'].id,
        classification: o.classification ?? 'standard',
        personalData: o.personalData ?? 'none',
        title,
      }),
      201,
    );
  const f = deal.folders;
  docs = {
    draftPlan: await upload('Draft plan', f.finance.id),
    minutes: await upload('Board minutes', f.finance.id),
    memo: await upload('Withdrawn memo', f.finance.id),
    secret: await upload('Secret deal', f.finance.id, { classification: 'highly_confidential' }),
    ltdAccounts: await upload('Ltd accounts', f.finance.id, { entity: 'ltd' }),
    capTable: await upload('../Cap table: Q1/Q2', f.finance.id),
    scan: await upload('Scan', f.finance.id),
    summary: await upload('Payroll summary', f.payroll.id),
    opinion: await upload('Legal opinion', f.legal.id),
    sideLetter: await upload('Side letter B', bOnly.id),
  };
  const census = await expectStatus<{ id: string; kind: string }>(
    deal.manager.upload(`${r}/documents`, { data: censusCsv(generateCensus(30, ['Falcon GmbH', 'Falcon Ltd'])), name: 'Census.csv' }, {
      folderId: f.payroll.id,
      entityId: deal.entities.gmbh.id,
      classification: 'standard',
      personalData: 'identified',
      title: 'Census',
    }),
    201,
  );
  expect(census.kind).toBe('dataset');
  await expectStatus(deal.manager.put(`/api/documents/${census.id}/dataset`, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } }), 200);
  docs.census = census;
  const { draftPlan: _draft, ...toPublish } = docs;
  await expectStatus(deal.manager.post(`${r}/publish`, { documentIds: Object.values(toPublish).map((d) => d.id) }), 200);
  await expectStatus(deal.manager.post(`/api/documents/${docs.memo.id}/withdraw`, { reason: 'superseded' }), 200);
  // As if the scan had been uploaded on a server that could not convert it: it cannot be stamped.
  const versionId = (await t.db('documents').where({ id: docs.scan.id }).first()).currentVersionId;
  await t.db('stampRenditions').where({ versionId }).update({ status: 'unstampable', reason: 'not_converted', message: 'LibreOffice is not installed on the server' });
  buyer = await deal.login('buyerA');
}, 120_000);
afterAll(() => t.close());

const zipPath = (folderId?: string) => `${deal.roomPath}/download.zip${folderId ? `?folderId=${folderId}` : ''}`;
const fetchZip = (client: Client, folderId?: string) => client.get(zipPath(folderId)).buffer(true).parse(binary);

interface Traced {
  downloadId: string;
  documentId: string;
  user: { id: string };
}

describe("a bidder's ZIP of the room", () => {
  let res: Awaited<ReturnType<typeof fetchZip>>;
  let entries: ReadEntry[];
  let before: number;

  beforeAll(async () => {
    before = Number((await t.db('downloads').where({ userId: deal.users.buyerA.id }).count({ n: '*' }).first())!.n);
    res = await fetchZip(buyer);
    expect(res.status).toBe(200);
    entries = await readZip(res.body as Buffer);
  }, 60_000);

  it('is a ZIP download that is never cached, named after the room', () => {
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toBe('attachment; filename="Project Falcon.zip"');
  });

  it("names every entry by the bidder's own numbering, with no gap for what they cannot have, and file names that are only names", () => {
    expect(entries.map((e) => e.name).sort()).toEqual(
      [
        '1 Finance/1.1 finance.pdf',
        '1 Finance/1.2 Board minutes.pdf',
        '1 Finance/1.3 .._Cap table_ Q1_Q2.pdf',
        '1 Finance/1.1 Payroll/1.1.1 payroll.pdf',
        '1 Finance/1.1 Payroll/1.1.2 Payroll summary.pdf',
        '1 Finance/1.1 Payroll/1.1.3 Census.csv',
        'NOT INCLUDED.txt',
      ].sort(),
    );
    // The deal team numbers the same documents 1.1, 1.3, 1.7: the bidder's numbers are those of their own list.
    for (const e of entries) expect(e.name.split('/').every((segment) => segment !== '..' && segment !== '' && !segment.startsWith('/'))).toBe(true);
  });

  it("holds exactly the documents the bidder may download, each numbered as the bidder's list numbers it", async () => {
    const listed = await expectStatus<{ items: Array<{ id: string; title: string; index: string; access: string }> }>(buyer.get(`${deal.roomPath}/documents?limit=200`), 200);
    const downloadable = listed.items.filter((d) => d.access === 'download' || d.access === 'original');
    // The view-only document is in the list and not in the ZIP; the unstampable one is in the manifest.
    expect(listed.items.map((d) => d.title)).toContain('Legal opinion');
    const expected = downloadable.filter((d) => d.id !== docs.scan.id).map((d) => d.index).sort();
    const inZip = entries.filter((e) => e.name !== 'NOT INCLUDED.txt').map((e) => e.name.split('/').at(-1)!.split(' ')[0]).sort();
    expect(inZip).toEqual(expected);
  });

  it('stamps every PDF as its own download, with a download id that the trace resolves to the bidder', async () => {
    const pdfs = entries.filter((e) => e.name.endsWith('.pdf'));
    const traced: Traced[] = [];
    for (const e of pdfs) traced.push(await expectStatus<Traced>(deal.counsel.upload(`${deal.roomPath}/trace`, { data: e.data, name: 'found.pdf' }), 200));
    expect(traced.every((tr) => tr.user.id === deal.users.buyerA.id)).toBe(true);
    expect(new Set(traced.map((tr) => tr.downloadId)).size).toBe(pdfs.length);
    expect(traced.map((tr) => tr.documentId).sort()).toEqual([deal.docs.finance.id, docs.minutes.id, docs.capTable.id, deal.docs.payroll.id, docs.summary.id].sort());
    // The stamp itself names the download the trace found.
    pdfs.forEach((e, i) => expect(e.data.toString('latin1')).toContain(`/GatehouseDownloadId (${traced[i].downloadId})`));
  });

  it("delivers the dataset as the bidder's own copy: their entity's rows only, recorded as a download of its own", async () => {
    const csv = entries.find((e) => e.name.endsWith('Census.csv'))!.data.toString('utf8');
    expect(csv).toContain('Falcon GmbH');
    expect(csv).not.toContain('Falcon Ltd');
    const rows = await t.db('downloads').where({ userId: deal.users.buyerA.id, kind: 'download' }).select('id', 'documentId');
    expect(rows).toHaveLength(before + 6);
    expect(rows.filter((d) => d.documentId === docs.census.id)).toHaveLength(1);
    expect(new Set(rows.map((d) => d.id)).size).toBe(rows.length);
  });

  it('lists the document it could not stamp, with the reason, in a manifest — and nothing else', async () => {
    const manifest = entries.find((e) => e.name === 'NOT INCLUDED.txt')!.data.toString('utf8');
    expect(manifest).toContain('1 Finance/1.4 Scan: This file cannot be watermarked');
    expect(manifest.trim().split(/\r\n/).filter((l) => l.includes(': '))).toHaveLength(1);
    expect(await t.db('downloads').where({ documentId: docs.scan.id }).first()).toBeUndefined();
  });

  it('names nothing hidden from the bidder anywhere in its bytes', () => {
    const raw = (res.body as Buffer).toString('latin1');
    for (const title of HIDDEN_TITLES) expect(raw).not.toContain(title);
    expect(entries.some((e) => e.name.startsWith('2 '))).toBe(false);
  });
});

describe('a ZIP of one folder', () => {
  it("holds the folder's subtree only, under the folder's own number", async () => {
    const res = await fetchZip(buyer, deal.folders.payroll.id);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="Project Falcon - 1.1 Payroll.zip"');
    expect((await readZip(res.body as Buffer)).map((e) => e.name).sort()).toEqual(['1.1 Payroll/1.1.1 payroll.pdf', '1.1 Payroll/1.1.2 Payroll summary.pdf', '1.1 Payroll/1.1.3 Census.csv']);
  });

  it('answers a folder the bidder cannot see exactly as a folder id that never existed', async () => {
    const hidden = await buyer.get(zipPath(bOnly.id));
    const random = await buyer.get(zipPath(randomUUID()));
    expect(hidden.status).toBe(404);
    expect(observableAnswer(hidden)).toEqual(observableAnswer(random));
  });

  it('answers a bidder without a confirmed NDA as their document list does (403 nda_required)', async () => {
    const buyerB = await deal.login('buyerB');
    const zip = await buyerB.get(zipPath());
    const list = await buyerB.get(`${deal.roomPath}/documents`);
    expect(zip.status).toBe(403);
    expect(zip.body).toEqual(list.body);
    expect(zip.body.error.code).toBe('nda_required');
    expect(observableAnswer(await buyerB.get(zipPath(bOnly.id)))).toEqual(observableAnswer(zip));
  });
});

describe("the deal team's ZIP", () => {
  it('holds every document of the room, drafts and withdrawn ones included', async () => {
    const res = await fetchZip(deal.manager);
    expect(res.status).toBe(200);
    const entries = await readZip(res.body as Buffer);
    const listed = await expectStatus<{ items: Array<{ id: string; index: string }> }>(deal.manager.get(`${deal.roomPath}/documents?limit=200`), 200);
    const names = entries.map((e) => e.name);
    expect(names).toHaveLength(listed.items.length); // every document but the scan, and the manifest
    for (const title of ['Draft plan', 'Withdrawn memo', 'Secret deal', 'Ltd accounts', 'Side letter B', 'Legal opinion']) expect(names.some((n) => n.includes(title))).toBe(true);
    expect(names).toContain('3 Bidder B only/3.1 Side letter B.pdf');
    expect(entries.find((e) => e.name === 'NOT INCLUDED.txt')!.data.toString('utf8')).toContain('1.8 Scan');
  });
});

describe('a delivery failing midway', () => {
  it('cuts the connection: what arrived is never a valid ZIP that silently lacks the file', async () => {
    // The stamping base of one document disappears from the store after the ZIP has begun.
    const versionId = (await t.db('documents').where({ id: docs.capTable.id }).first()).currentVersionId;
    const rendition = await t.db('stampRenditions').where({ versionId }).first();
    await t.store.delete(rendition.objectKey);
    const since = new Date().toISOString();
    const outcome = await fetchZip(buyer).then(
      (res) => readZip(res.body as Buffer).then(() => 'a valid ZIP', () => 'an incomplete ZIP'),
      () => 'a cut connection',
    );
    expect(outcome).not.toBe('a valid ZIP');
    // The ZIP had begun: the documents before the failing one were stamped and recorded as they went out.
    const delivered = await t.db('downloads').where({ userId: deal.users.buyerA.id }).where('at', '>=', since).select('documentId');
    expect(delivered.map((d) => d.documentId)).toEqual(expect.arrayContaining([deal.docs.finance.id, docs.minutes.id]));
  });
});
