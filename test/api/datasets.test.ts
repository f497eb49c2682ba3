import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { CENSUS_HEADER, censusCsv, censusRow, generateCensus, type CensusPerson, CENSUS_CLASSIFICATION, CENSUS_ENTITY_VALUES } from '../support/census.js';
import { withCellReferences } from '../support/xlsx-cell-references.js';

/**
 * Datasets (docs/http-api.md, "Datasets"): a census of 3,000 people over three entities — Falcon GmbH
 * and Falcon Ltd (the room's targets) and Falcon BV (not mapped: its rows go to no one outside the
 * deal team) — delivered to parties covering different entities, under grants at each personal-data
 * level.
 */
let t: TestApp;
let deal: Deal;
let census: CensusPerson[];
let datasetId: string;
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;


const rowsOf = (data: Buffer): string[][] => parse(data.toString('utf8').replace(/^\uFEFF/, ''), { relax_column_count: false });
const download = (client: Client, id = datasetId, query = '') => client.get(`/api/documents/${id}/content${query}`).buffer(true).parse(binary);
const stored = (entities: string[]) => census.filter((p) => entities.includes(p.entity)).map(censusRow);
const sortRows = (rows: string[][]) => rows.map((r) => JSON.stringify(r)).sort();
async function dropGrants(partyId: string) {
  const grants: Array<{ id: string; partyId: string }> = (await deal.manager.get(`${deal.roomPath}/grants`)).body.items;
  for (const g of grants.filter((x) => x.partyId === partyId)) expect((await deal.manager.delete(`${deal.roomPath}/grants/${g.id}`)).status).toBe(204);
}

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  census = generateCensus(3000, CENSUS_ENTITY_VALUES);
  const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: censusCsv(census), name: 'census.csv' }, {
    folderId: deal.folders.payroll.id, entityId: deal.entities.gmbh.id, classification: 'confidential', personalData: 'identified', title: 'Employee census',
  });
  expect(up.status).toBe(201);
  expect(up.body.kind).toBe('dataset');
  datasetId = up.body.id;
  const put = await deal.manager.put(`/api/documents/${datasetId}/dataset`, {
    ...CENSUS_CLASSIFICATION,
    entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
  });
  expect(put.status).toBe(200);
  // Party A (Alpha and its advisor Lex) is covered for GmbH; party B (Beta) for Ltd only.
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');
}, 120_000);
afterAll(() => t?.close());

describe('intake and classification', () => {
  it('keeps a CSV native and describes its sheet: columns, inferred types, data rows', async () => {
    const res = await deal.manager.get(`/api/documents/${datasetId}/dataset`);
    expect(res.status).toBe(200);
    expect(res.body.sheets).toHaveLength(1);
    const sheet = res.body.sheets[0];
    expect(sheet.rows).toBe(3000);
    expect(sheet.columns.map((c: { name: string }) => c.name)).toEqual([...CENSUS_HEADER]);
    const type = (name: string) => sheet.columns.find((c: { name: string }) => c.name === name).type;
    expect([type('Salary'), type('Birth date'), type('Name')]).toEqual(['integer', 'date', 'text']);
    expect(sheet.columns.find((c: { name: string }) => c.name === 'Email').role).toBe('direct');
    expect(res.body.subjectColumn).toMatchObject({ name: 'Employee ID' });
    expect(res.body.entityMap).toEqual({ 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id });
    // Native: the deal team's original is the uploaded file, byte for byte.
    const original = await deal.manager.get(`/api/documents/${datasetId}/original`).buffer(true).parse(binary);
    expect(Buffer.compare(original.body, censusCsv(census))).toBe(0);
  });

  it('refuses a classification that does not fit, naming each field at fault', async () => {
    const res = await deal.manager.put(`/api/documents/${datasetId}/dataset`, {
      columns: [{ name: 'Nope', role: 'direct' }, { name: 'Name', role: 'direct' }],
      subjectColumn: { name: 'Department' },
      entityColumn: { name: 'Entity' },
      entityMap: { 'Falcon GmbH': deal.entities.outside.id },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['columns.0.name', 'entityMap.Falcon GmbH', 'subjectColumn']);
    expect((await deal.manager.put(`/api/documents/${datasetId}/dataset`, { columns: [], role: 'x' })).status).toBe(400);
    // Counsel reads the classification but does not change it; a bidder sees neither.
    expect((await deal.counsel.get(`/api/documents/${datasetId}/dataset`)).status).toBe(200);
    expect((await deal.counsel.put(`/api/documents/${datasetId}/dataset`, { columns: [] })).status).toBe(403);
  });

  it('keeps a file named .csv that is really binary as a plain document, saying why it is not a dataset', async () => {
    const junk = Buffer.concat([Buffer.from('a,b\r\n1,2\r\n'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0])]);
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: junk, name: 'junk.csv' }, {
      folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none',
    });
    // Refused as a type, or kept as a document that is not a dataset: never a dataset, never a crash.
    expect([201, 415]).toContain(up.status);
    if (up.status === 201) {
      expect(up.body.kind).toBe('document');
      const res = await deal.manager.get(`/api/documents/${up.body.id}/dataset`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('not_a_dataset');
    }
  });
});

describe('what each recipient gets', () => {
  beforeAll(async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxPersonalData: 'identified' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null, maxPersonalData: 'pseudonymised' });
  });

  it('gives a party covered for one entity the rows of that entity only, every value as stored, in an order of its own', async () => {
    const res = await download(buyerA);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['x-download-id']).toMatch(/\S{8,}/);
    const [header, ...rows] = rowsOf(res.body);
    expect(header).toEqual([...CENSUS_HEADER]);
    expect(sortRows(rows)).toEqual(sortRows(stored(['Falcon GmbH'])));
    // The fingerprint is the order: not the stored one, and not another download's.
    const again = rowsOf((await download(buyerA)).body).slice(1);
    expect(rows.map((r) => r[0])).not.toEqual(stored(['Falcon GmbH']).map((r) => r[0]));
    expect(again.map((r) => r[0])).not.toEqual(rows.map((r) => r[0]));
  });

  it('pseudonymises direct columns per party and generalises quasi ones, leaving the rest as stored', async () => {
    const rows = rowsOf((await download(buyerB)).body).slice(1);
    const ltd = stored(['Falcon Ltd']);
    expect(rows).toHaveLength(ltd.length);
    for (const row of rows) {
      expect(row.slice(0, 3).every((v) => /^P-[0-9A-F]{16}$/.test(v))).toBe(true);
      expect(row[3]).toMatch(/^\d{4}$/); // birth date → year
      expect(row[4]).toMatch(/^\d{2}…$/); // postcode → its first two characters
      expect(row[5]).toMatch(/^\d+–\d+$/); // salary → band
      expect(row[6]).toBe('Falcon Ltd');
    }
    // Departments and grades as stored, row for row (matched through the rows' multiset).
    expect(rows.map((r) => `${r[7]}|${r[8]}`).sort()).toEqual(ltd.map((r) => `${r[7]}|${r[8]}`).sort());
    // The grid viewer tells the bidder what was done to its copy.
    const page = await buyerB.get(`/api/documents/${datasetId}/rows?limit=1`);
    expect(page.body).toMatchObject({ form: 'pseudonymised', sheets: ['Sheet1'], treatments: { 'Employee ID': 'pseudonymised', 'Birth date': 'generalised', Department: 'as_stored' } });
    // No stored identifier leaks.
    const text = rows.flat().join('\n');
    for (const p of census.filter((x) => x.entity === 'Falcon Ltd').slice(0, 50)) {
      expect(text).not.toContain(p.email);
      expect(text).not.toContain(p.employeeId);
    }
  });

  it('gives one pseudonym per value across the members of a party and across its downloads', async () => {
    const b1 = rowsOf((await download(buyerB)).body).slice(1);
    const b2 = rowsOf((await download(buyerB)).body).slice(1);
    const pseudonymsOf = (rows: string[][]) => new Set(rows.map((r) => r[0]));
    expect(pseudonymsOf(b1)).toEqual(pseudonymsOf(b2));
    expect(pseudonymsOf(b1).size).toBe(b1.length);
    // Party A under a pseudonymised grant: its buyer and its advisor get the same pseudonyms.
    await dropGrants(deal.parties.A.id);
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxPersonalData: 'pseudonymised' });
    const byGrade = (rows: string[][]) => rows.map((r) => r.join('|')).sort();
    const buyer = rowsOf((await download(buyerA)).body).slice(1);
    const advisor = rowsOf((await download(advisorA)).body).slice(1);
    expect(byGrade(buyer)).toEqual(byGrade(advisor));
    expect(buyer[0]![0]).toMatch(/^P-/);
    await dropGrants(deal.parties.A.id);
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, maxPersonalData: 'identified' });
  });

  it('leaves direct and quasi columns out where the grant allows no personal data', async () => {
    await dropGrants(deal.parties.B.id);
    await deal.grant({ partyId: deal.parties.B.id, folderId: null, maxPersonalData: 'none' });
    const [header, ...rows] = rowsOf((await download(buyerB)).body);
    expect(header).toEqual(['Entity', 'Department', 'Grade']);
    expect(rows.map((r) => r.join('|')).sort()).toEqual(stored(['Falcon Ltd']).map((r) => `${r[6]}|${r[7]}|${r[8]}`).sort());
  });

  it('gives an advisor of the party its rows too, and the deal team every row, unmapped ones included', async () => {
    const advisor = rowsOf((await download(advisorA)).body).slice(1);
    expect(sortRows(advisor)).toEqual(sortRows(stored(['Falcon GmbH'])));
    const all = rowsOf((await download(deal.manager)).body).slice(1);
    expect(sortRows(all)).toEqual(sortRows(census.map(censusRow)));
  });

  it("explains a bidder's level on a dataset as the deal team's access view and the content routes decide it", async () => {
    const res = await deal.manager.get(`${deal.roomPath}/access?userId=${deal.users.buyerB.id}&documentId=${datasetId}`);
    expect(res.status).toBe(200);
    expect(res.body.level).toBe('download');
  });

  it('never hands a bidder the stored file, which holds every row and column', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'original', maxPersonalData: 'identified' });
    const res = await buyerA.get(`/api/documents/${datasetId}/original`);
    expect(res.status).toBe(403);
    expect(res.body.toString?.() ?? '').not.toContain(census[0]!.email);
  });

  it('delivers XLSX with the recipient and the download id on a first sheet and in every header and footer', async () => {
    const res = await download(buyerA, datasetId, '?format=xlsx');
    expect(res.status).toBe(200);
    const id = res.headers['x-download-id'];
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array(await withCellReferences(res.body)).buffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Gatehouse', expect.any(String)]);
    const stamp = JSON.stringify(book.worksheets[0]!.getSheetValues());
    expect(stamp).toContain(id);
    expect(stamp).toContain('anna@alpha.example');
    for (const sheet of book.worksheets) expect(`${sheet.headerFooter.oddHeader}${sheet.headerFooter.oddFooter}`).toContain(id);
    const data = book.worksheets[1]!;
    expect(data.rowCount - 1).toBe(stored(['Falcon GmbH']).length);
  });

  it("pages the grid viewer through the same rows and columns as a download, in the viewer's own order, recorded as a view", async () => {
    const page = await buyerA.get(`/api/documents/${datasetId}/rows?offset=10&limit=25`);
    expect(page.status).toBe(200);
    expect(page.body.columns).toEqual([...CENSUS_HEADER]);
    expect(page.body.total).toBe(stored(['Falcon GmbH']).length);
    // The whole copy: the download's rows, in an order of the viewer's own that every page is a slice of.
    const whole: string[][] = [];
    while (whole.length < page.body.total) whole.push(...(await buyerA.get(`/api/documents/${datasetId}/rows?offset=${whole.length}&limit=1000`)).body.rows);
    expect(page.body.rows).toEqual(whole.slice(10, 35));
    expect([...whole].sort()).toEqual([...stored(['Falcon GmbH'])].sort());
    expect(whole).not.toEqual(stored(['Falcon GmbH']));
    // The deal team, who hold the stored file, page it as stored.
    const team = await deal.manager.get(`/api/documents/${datasetId}/rows?offset=5&limit=50`);
    expect(team.body.rows).toEqual(stored(['Falcon GmbH', 'Falcon Ltd', 'Falcon BV']).slice(5, 55));
    expect((await buyerA.get(`/api/documents/${datasetId}/rows?limit=5000`)).status).toBe(400);
    const trail = await deal.manager.get(`${deal.roomPath}/audit?action=document.view&limit=1000`);
    expect(JSON.stringify(trail.body)).toContain('"offset":10');
  });

  it('answers a party covered for none of the entities a dataset maps with the 404 of a missing id', async () => {
    const other = await deal.manager.upload(`${deal.roomPath}/documents`, {
      data: censusCsv(census.filter((p) => p.entity === 'Falcon BV')), name: 'bv.csv',
    }, { folderId: deal.folders.finance.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'identified' });
    expect(other.status).toBe(201);
    // Filed under Ltd, which A's NDA does not cover, and no entity map: hidden from A.
    const hidden = await buyerA.get(`/api/documents/${other.body.id}/rows`);
    const missing = await buyerA.get('/api/documents/00000000-0000-4000-8000-000000000000/rows');
    expect([hidden.status, hidden.body]).toEqual([missing.status, missing.body]);
  });
});

describe('CSV out, Excel-safe', () => {
  it('escapes cells that a spreadsheet would run as formulas, and keeps negative numbers as they are', async () => {
    const csv = Buffer.from('Name,Note,Delta\r\nAnn,"=HYPERLINK(""http://x.example"",""y"")",-12\r\nBo,@SUM(A1),3.5\r\n');
    const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: csv, name: 'notes.csv' }, {
      folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none',
    });
    const rows = rowsOf((await download(deal.manager, up.body.id)).body).slice(1);
    const byName = new Map(rows.map((r) => [r[0], r]));
    expect(byName.get('Ann')![1]!.startsWith("'=")).toBe(true);
    expect(byName.get('Ann')![2]).toBe('-12');
    expect(byName.get('Bo')![1]!.startsWith("'@")).toBe(true);
  });
});
