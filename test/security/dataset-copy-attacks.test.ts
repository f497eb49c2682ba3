import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { storedObjectKeys } from '../support/stored-objects.js';
import { withCellReferences } from '../support/xlsx-cell-references.js';
import { CENSUS_CLASSIFICATION, CENSUS_ENTITY_VALUES, CENSUS_HEADER, censusCsv, censusRow, generateCensus, type CensusPerson } from '../support/census.js';
import { BLOCK_ROWS, inDeliveryOrder, ORDER_GROUP_ROWS, orderKeyOf } from '../../server/datasets/fingerprint.js';
import { generalised, pseudonymOf } from '../../server/datasets/personal-data.js';
import { rowStoreKeyOf } from '../../server/datasets/row-store.js';
import { roomDatasetSecret } from '../../server/datasets/repository.js';
import type { ColumnType } from '../../server/datasets/dataset-types.js';
import type { ObjectStore } from '../../storage/object-store.js';

/**
 * A party's copy of a dataset version attacked (server/datasets/party-copy.ts): a download is sent from
 * the rows the delivery plan gives the party, made once by its first download and kept in the object
 * store. What a bidder, a careless bidder and a misconfigured operator would try to get through it —
 * rows or columns the party's plan no longer gives, another party's rows or pseudonyms, a copy cut
 * short or damaged on disk, a byte range that cuts the fingerprint — each test named after what the
 * user relies on, and each compared with a plain reference: the stored rows of the entities covered,
 * with the party's columns as its grant allows.
 *
 * The world: party A (Alpha and its advisor Lex) is covered for Falcon GmbH, identified in Payroll and
 * pseudonymised in Legal; party B (Beta) is covered for Falcon Ltd, pseudonymised everywhere. The
 * census has 5,000 people over GmbH, Ltd and BV (mapped to no one): two blocks of stored rows
 * (fingerprint.ts BLOCK_ROWS), so that a delivery is sent in more than one piece.
 */
let t: TestApp;
let deal: Deal;
let census: CensusPerson[];
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
let secret: Buffer;
let server: http.Server;
let betaNdaId: string;
const tokens: Record<Who, string> = { buyerA: '', advisorA: '', buyerB: '' };

type Who = 'buyerA' | 'advisorA' | 'buyerB';
type Form = 'identified' | 'pseudonymised' | 'none';
const clientOf = (who: Who) => ({ buyerA, advisorA, buyerB })[who];
const partyOf = (who: Who) => (who === 'buyerB' ? deal.parties.B.id : deal.parties.A.id);

const CENSUS_SIZE = 5000;
const DIRECT = new Set(CENSUS_CLASSIFICATION.columns.filter((c) => c.role === 'direct').map((c) => c.name));
const QUASI = new Set(CENSUS_CLASSIFICATION.columns.filter((c) => c.role === 'quasi').map((c) => c.name));
/** The census's column types as the reader infers them (the first test holds GET …/dataset to them). */
const TYPES: Record<string, ColumnType> = { 'Birth date': 'date', Postcode: 'text', Salary: 'integer' };

const entityMap = () => ({ 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id });
const csvRows = (data: Buffer): string[][] => parse(data.toString('utf8').replace(/^\uFEFF/, ''), { relax_column_count: false });
const sortRows = (rows: string[][]) => rows.map((r) => JSON.stringify(r)).sort();
const content = (client: Client, id: string, query = '') => client.get(`/api/documents/${id}/content${query}`).buffer(true).parse(binary);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a delivery of `people` must hold for `who` (docs/http-api.md, "What a dataset delivery holds"),
 * made here from the stored values, not by the server: the rows of the entities covered, direct
 * columns as the party's pseudonyms and quasi columns generalised when pseudonymised, both left out
 * when the grant allows no personal data.
 */
function reference(people: CensusPerson[], who: Who, entities: string[], form: Form, direct = DIRECT, quasi = QUASI): { header: string[]; rows: string[][] } {
  const keep = CENSUS_HEADER.map((name) => form !== 'none' || (!direct.has(name) && !quasi.has(name)));
  const cell = (name: string, value: string) => {
    if (form !== 'pseudonymised') return value;
    if (direct.has(name)) return pseudonymOf(secret, partyOf(who), value);
    if (quasi.has(name)) return generalised(value, TYPES[name]!);
    return value;
  };
  return {
    header: CENSUS_HEADER.filter((_, i) => keep[i]),
    rows: people.filter((p) => entities.includes(p.entity)).map((p) => censusRow(p).map((v, i) => cell(CENSUS_HEADER[i]!, v)).filter((_, i) => keep[i])),
  };
}

type Fields = { folderId?: string; entityId?: string; title?: string };
async function uploadCensus(people: CensusPerson[], fields: Fields = {}, classification: object = { ...CENSUS_CLASSIFICATION, entityMap: entityMap() }): Promise<string> {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: censusCsv(people), name: 'census.csv' }, {
    folderId: deal.folders.payroll.id,
    entityId: deal.entities.gmbh.id,
    classification: 'confidential',
    personalData: 'identified',
    ...fields,
  });
  if (res.status !== 201 || res.body.kind !== 'dataset') throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  await classify(res.body.id, classification);
  return res.body.id;
}

async function classify(id: string, body: object) {
  const res = await deal.manager.put(`/api/documents/${id}/dataset`, body);
  if (res.status !== 200) throw new Error(`classification: ${res.status} ${JSON.stringify(res.body)}`);
}

async function objectKeyOf(id: string): Promise<string> {
  const doc = await t.db('documents').where({ id }).first('currentVersionId');
  return (await t.db('documentVersions').where({ id: doc.currentVersionId }).first('objectKey')).objectKey;
}

/** The parties' copies the local store holds of the version stored under `objectKey` (party-copy.ts partyCopyKeyOf). */
const copyKeysOf = (objectKey: string, format?: 'csv' | 'xlsx') => storedObjectKeys(t).filter((k) => k.startsWith(`${objectKey}.copy-${format ?? ''}`)).sort();
const objectPath = (key: string) => path.join(t.dataDir, 'storage', 'objects', ...key.split('/'));
const partialWrites = () => (fs.existsSync(path.join(t.dataDir, 'storage', 'tmp')) ? fs.readdirSync(path.join(t.dataDir, 'storage', 'tmp')) : []);

/** The one copy of `format` a version has, once the delivery that made it has stored it. */
async function theCopy(objectKey: string, format: 'csv' | 'xlsx'): Promise<string> {
  for (let i = 0; i < 50 && copyKeysOf(objectKey, format).length === 0; i++) await sleep(20);
  const keys = copyKeysOf(objectKey, format);
  expect(keys).toHaveLength(1);
  return keys[0]!;
}

/** Every sheet of a delivered workbook but the stamp, as rows of text. */
async function xlsxSheets(data: Buffer): Promise<string[][][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(new Uint8Array(await withCellReferences(data)).buffer);
  return book.worksheets.slice(1).map((ws) => {
    const rows: string[][] = [];
    // Once: exceljs counts a sheet's columns by walking every row.
    const width = ws.columnCount;
    ws.eachRow({ includeEmpty: false }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= width; c++) {
        const v = row.getCell(c).value;
        cells.push(v === null || v === undefined ? '' : String(v));
      }
      rows.push(cells);
    });
    return rows;
  });
}

/** A CSV delivery read as a recipient reads it: its header and rows, and the download it names. */
async function csvDelivery(who: Who, id: string) {
  const res = await content(clientOf(who), id);
  expect(res.status).toBe(200);
  const [header, ...rows] = csvRows(res.body);
  return { downloadId: res.headers['x-download-id'] as string, header: header!, rows };
}

async function xlsxDelivery(who: Who, id: string) {
  const res = await content(clientOf(who), id, '?format=xlsx');
  expect(res.status).toBe(200);
  const [sheet] = await xlsxSheets(res.body);
  return { downloadId: res.headers['x-download-id'] as string, header: sheet![0]!, rows: sheet!.slice(1), body: res.body as Buffer };
}

/** Both formats of `who`'s delivery hold exactly `expected`: its header, and its rows as a set. */
async function expectDeliveries(who: Who, id: string, expected: { header: string[]; rows: string[][] }) {
  const csv = await csvDelivery(who, id);
  expect(csv.header).toEqual(expected.header);
  expect(sortRows(csv.rows)).toEqual(sortRows(expected.rows));
  const xlsx = await xlsxDelivery(who, id);
  expect(xlsx.header).toEqual(expected.header);
  expect(sortRows(xlsx.rows)).toEqual(sortRows(expected.rows));
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the response ended as HTTP says a response ends (the last chunk of a chunked body). */
  complete: boolean;
}

/**
 * A GET on a real socket, authenticated by the user's API token. With `abandonOnce`, the connection is
 * destroyed as soon as the first bytes of the body have come and `abandonOnce` has resolved, as a
 * browser tab closed mid-download.
 */
function rawGet(who: Who, url: string, headers: Record<string, string> = {}, abandonOnce?: Promise<unknown>): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.get({ host: '127.0.0.1', port, path: url, agent: false, headers: { authorization: `Bearer ${tokens[who]}`, ...headers } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (abandonOnce && chunks.length === 1) {
          void abandonOnce.then(() => {
            req.destroy();
            settle();
          });
        }
      });
      res.on('end', settle);
      res.on('error', settle);
      res.on('close', settle);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
  });
}

/** Until the server has let go of every connection of rawGet (an abandoned one included). */
async function connectionsClosed() {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    if (open === 0) return;
    await sleep(10);
  }
  throw new Error('the server kept a connection open');
}

/** Where the first block of a row store (row-store.ts layout: magic, then kind, u32 length, body segments) ends. */
function endOfFirstBlock(rowStore: Buffer): number {
  for (let at = 8; at < rowStore.length; ) {
    const kind = rowStore[at]!;
    at += 5 + rowStore.readUInt32LE(at + 1);
    if (kind === 2) return at;
  }
  throw new Error('no block in the row store');
}

/**
 * A slow disk under one delivery: the next read of the row store of the version stored under
 * `objectKey` gives its first block at once and holds the rest until released, so a test can act
 * while that delivery is half-way.
 */
function holdRowStoreAfterFirstBlock(objectKey: string): { reached: Promise<void>; release(): void } {
  const store = t.store as { get: ObjectStore['get'] };
  const original = store.get;
  let reachedWith!: () => void;
  const reached = new Promise<void>((resolve) => (reachedWith = resolve));
  let releaseRest!: () => void;
  const released = new Promise<void>((resolve) => (releaseRest = resolve));
  store.get = async function (this: unknown, ...args: Parameters<ObjectStore['get']>) {
    const stream = await original.apply(this, args);
    if (args[0] !== rowStoreKeyOf(objectKey)) return stream;
    store.get = original;
    const chunks: Buffer[] = [];
    for await (const chunk of stream as Readable) chunks.push(chunk as Buffer);
    const whole = Buffer.concat(chunks);
    const cut = endOfFirstBlock(whole);
    expect(cut).toBeLessThan(whole.length - 5);
    const held = new PassThrough();
    held.write(whole.subarray(0, cut));
    reachedWith();
    void released.then(() => held.end(whole.subarray(cut)));
    return held;
  };
  return {
    reached,
    release() {
      store.get = original;
      releaseRest();
    },
  };
}

/** Watches every put of a party's copy until stopped: whether each stored the copy or failed. */
function watchCopyPuts(): { puts: Array<Promise<'stored' | 'failed'>>; stop(): void } {
  const store = t.store as { put: ObjectStore['put'] };
  const original = store.put;
  const puts: Array<Promise<'stored' | 'failed'>> = [];
  store.put = function (this: unknown, ...args: Parameters<ObjectStore['put']>) {
    const put = original.apply(this, args);
    if (args[0].includes('.copy-')) puts.push(put.then(() => 'stored' as const, () => 'failed' as const));
    return put;
  };
  return { puts, stop: () => void (store.put = original) };
}

const terminate = (ndaId: string) => deal.counsel.post(`${deal.roomPath}/ndas/${ndaId}/terminate`, { reason: 'test: coverage narrowed' });
async function grantOnly(partyId: string, folderId: string, maxPersonalData: Form): Promise<() => Promise<void>> {
  const grant = await deal.grant({ partyId, folderId, maxPersonalData });
  return async () => {
    expect((await deal.manager.delete(`${deal.roomPath}/grants/${grant.id}`)).status).toBe(204);
  };
}

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  census = generateCensus(CENSUS_SIZE, CENSUS_ENTITY_VALUES, 18);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  betaNdaId = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] })).id;
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.payroll.id, maxPersonalData: 'identified' });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, maxPersonalData: 'pseudonymised' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, maxPersonalData: 'pseudonymised' });
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');
  for (const who of ['buyerA', 'advisorA', 'buyerB'] as const) tokens[who] = (await clientOf(who).post('/api/auth/tokens', { name: 'downloads' })).body.token;
  secret = await roomDatasetSecret(t.db, deal.room.id);
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await t?.close();
});

it('types the census columns as the references here assume', async () => {
  const id = await uploadCensus(census.slice(0, 100), { title: 'Types' });
  const columns: Array<{ name: string; type: ColumnType }> = (await deal.manager.get(`/api/documents/${id}/dataset`)).body.sheets[0].columns;
  for (const [name, type] of Object.entries(TYPES)) expect(columns.find((c) => c.name === name)?.type).toBe(type);
});

describe("a party's copy never outlives the plan it was made for", () => {
  it('gives a party whose NDA is narrowed or terminated after its first download only what the NDA covers now, and all of it again once widened', async () => {
    const id = await uploadCensus(census, { title: 'Census, NDA narrowed' });
    const objectKey = await objectKeyOf(id);
    const both = reference(census, 'buyerB', ['Falcon GmbH', 'Falcon Ltd'], 'pseudonymised');
    const ltd = reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised');
    let wide = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] })).id;
    try {
      await expectDeliveries('buyerB', id, both);
      const wideCopies = [await theCopy(objectKey, 'csv'), await theCopy(objectKey, 'xlsx')];
      // A second download reads the copies: still every row of both.
      await expectDeliveries('buyerB', id, both);

      expect((await terminate(wide)).status).toBe(200);
      await expectDeliveries('buyerB', id, ltd);
      // The narrower plan is another copy, which replaced the wider one.
      const ltdCopies = [await theCopy(objectKey, 'csv'), await theCopy(objectKey, 'xlsx')];
      expect(ltdCopies.filter((k) => wideCopies.includes(k))).toEqual([]);

      // No NDA at all: nothing, from the copy or otherwise.
      expect((await terminate(betaNdaId)).status).toBe(200);
      for (const query of ['', '?format=xlsx']) {
        const res = await content(buyerB, id, query);
        expect([403, 404]).toContain(res.status);
        expect(res.body.toString('utf8')).not.toContain('Falcon');
        expect(res.body.toString('latin1')).not.toMatch(/P-[0-9A-F]{16}/);
      }

      betaNdaId = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] })).id;
      await expectDeliveries('buyerB', id, ltd);
      wide = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] })).id;
      await expectDeliveries('buyerB', id, both);
    } finally {
      await terminate(wide);
      const active = (await deal.manager.get(`${deal.roomPath}/ndas`)).body.items.filter((n: { id: string; status: string }) => n.id === betaNdaId && n.status === 'confirmed');
      if (active.length === 0) betaNdaId = (await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] })).id;
    }
  }, 120_000);

  it("gives a party whose grant is lowered from identified to pseudonymised to none after its first download only what the grant allows now, and all again once raised", async () => {
    const folder = (await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Grant lowered' })).body;
    const id = await uploadCensus(census, { folderId: folder.id, title: 'Census, grant lowered' });
    const gmbhEmails = census.filter((p) => p.entity === 'Falcon GmbH').slice(0, 50).map((p) => p.email);
    for (const form of ['identified', 'pseudonymised', 'none', 'pseudonymised', 'identified'] as const) {
      const drop = await grantOnly(deal.parties.A.id, folder.id, form);
      try {
        // Twice each time: the first download makes the copy of the plan, the second reads it.
        await expectDeliveries('buyerA', id, reference(census, 'buyerA', ['Falcon GmbH'], form));
        await expectDeliveries('advisorA', id, reference(census, 'advisorA', ['Falcon GmbH'], form));
        if (form !== 'identified') {
          const text = (await content(buyerA, id)).body.toString('utf8');
          for (const email of gmbhEmails) expect(text).not.toContain(email);
        }
      } finally {
        await drop();
      }
    }
  }, 180_000);

  it('pseudonymises, in the next download, a column the deal team classifies as direct after copies were made', async () => {
    const withoutName = { ...CENSUS_CLASSIFICATION, columns: CENSUS_CLASSIFICATION.columns.filter((c) => c.name !== 'Name'), entityMap: entityMap() };
    const id = await uploadCensus(census, { title: 'Census, reclassified' }, withoutName);
    const direct = new Set([...DIRECT].filter((c) => c !== 'Name'));
    // The deal team's mistake: Name left as an ordinary column, so B has the names as stored…
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised', direct));
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised', direct));
    // …until they say it identifies a person: from the next download on, never a stored name.
    await classify(id, { ...CENSUS_CLASSIFICATION, entityMap: entityMap() });
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised'));
    const csv = await csvDelivery('buyerB', id);
    expect(csv.rows.every((r) => /^P-[0-9A-F]{16}$/.test(r[1]!))).toBe(true);
    const names = new Set(census.map((p) => p.name));
    expect(csv.rows.filter((r) => names.has(r[1]!))).toEqual([]);
    // And a column named quasi again: generalised, not the copy's salaries.
    await classify(id, { ...CENSUS_CLASSIFICATION, columns: CENSUS_CLASSIFICATION.columns.filter((c) => c.name !== 'Salary'), entityMap: entityMap() });
    const quasi = new Set([...QUASI].filter((c) => c !== 'Salary'));
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised', DIRECT, quasi));
    await classify(id, { ...CENSUS_CLASSIFICATION, entityMap: entityMap() });
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised'));
  }, 120_000);

  it("gives a new version's rows, never the old version's copy, and keeps each version's copies under that version", async () => {
    const id = await uploadCensus(census, { title: 'Census, versioned' });
    const first = await objectKeyOf(id);
    await expectDeliveries('buyerB', id, reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised'));
    await expectDeliveries('buyerA', id, reference(census, 'buyerA', ['Falcon GmbH'], 'identified'));
    expect(copyKeysOf(first)).toHaveLength(4);

    const next = generateCensus(4500, CENSUS_ENTITY_VALUES, 99);
    expect((await deal.manager.upload(`/api/documents/${id}/versions`, { data: censusCsv(next), name: 'census.csv' })).status).toBe(201);
    const second = await objectKeyOf(id);
    expect(second).not.toBe(first);
    await expectDeliveries('buyerB', id, reference(next, 'buyerB', ['Falcon Ltd'], 'pseudonymised'));
    await expectDeliveries('buyerA', id, reference(next, 'buyerA', ['Falcon GmbH'], 'identified'));
    const text = (await content(buyerA, id)).body.toString('utf8');
    for (const p of census.filter((x) => x.entity === 'Falcon GmbH').slice(0, 50)) expect(text).not.toContain(p.email);
    expect(copyKeysOf(second)).toHaveLength(4);
    expect(copyKeysOf(first)).toHaveLength(4);
  }, 120_000);
});

describe('parties and members downloading at once', () => {
  it('gives each of two parties downloading many times at once exactly its own rows and pseudonyms, never the other\'s', async () => {
    // In Legal: A pseudonymised (GmbH), B pseudonymised (Ltd): two sets of pseudonyms of the same names.
    const id = await uploadCensus(census, { folderId: deal.folders.legal.id, title: 'Census, concurrent' });
    const objectKey = await objectKeyOf(id);
    const expected = {
      buyerA: reference(census, 'buyerA', ['Falcon GmbH'], 'pseudonymised'),
      advisorA: reference(census, 'advisorA', ['Falcon GmbH'], 'pseudonymised'),
      buyerB: reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised'),
    };
    const pseudonymsOf = (rows: string[][]) => new Set(rows.flatMap((r) => r.slice(0, 3)));
    const ofA = pseudonymsOf(expected.buyerA.rows);
    const ofB = pseudonymsOf(expected.buyerB.rows);
    expect([...ofA].filter((p) => ofB.has(p))).toEqual([]);

    // Round one: no copy yet, every delivery racing to make its party's; round two: from the copies.
    for (const round of [1, 2]) {
      const asked: Array<{ who: Who; format: 'csv' | 'xlsx' }> = [];
      for (let i = 0; i < 6; i++) for (const who of ['buyerB', 'buyerA', 'advisorA'] as const) asked.push({ who, format: i < 4 ? 'csv' : 'xlsx' });
      const answers = await Promise.all(asked.map(({ who, format }) => content(clientOf(who), id, `?format=${format}`)));
      for (const [i, res] of answers.entries()) {
        const { who, format } = asked[i]!;
        expect([round, who, format, res.status]).toEqual([round, who, format, 200]);
        const table = format === 'csv' ? csvRows(res.body) : (await xlsxSheets(res.body))[0]!;
        expect(table[0]).toEqual(expected[who].header);
        expect(sortRows(table.slice(1))).toEqual(sortRows(expected[who].rows));
        const other = who === 'buyerB' ? ofA : ofB;
        expect(table.slice(1).flatMap((r) => r.slice(0, 3)).filter((p) => other.has(p))).toEqual([]);
      }
      // One copy per party and format, whole.
      expect(copyKeysOf(objectKey)).toHaveLength(4);
    }
  }, 240_000);

  it('gives two members of one party with different coverage each their own rows, however their downloads interleave', async () => {
    // Lex signs an NDA of its own for both entities: its advisor is covered for more than Alpha's buyer.
    const lex = (await deal.nda({ orgId: deal.orgs.lex.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] })).id;
    try {
      const id = await uploadCensus(census, { folderId: deal.folders.legal.id, title: 'Census, members apart' });
      const expected = {
        buyerA: reference(census, 'buyerA', ['Falcon GmbH'], 'pseudonymised'),
        advisorA: reference(census, 'advisorA', ['Falcon GmbH', 'Falcon Ltd'], 'pseudonymised'),
      };
      for (let round = 0; round < 3; round++) {
        const asked = Array.from({ length: 8 }, (_, i) => (i % 2 ? 'advisorA' : 'buyerA') as 'buyerA' | 'advisorA');
        const answers = await Promise.all(asked.map((who) => content(clientOf(who), id)));
        answers.forEach((res, i) => {
          expect(res.status).toBe(200);
          expect(sortRows(csvRows(res.body).slice(1))).toEqual(sortRows(expected[asked[i]!].rows));
        });
        // One after the other: each member's plan replaces the other's copy, and neither is ever served the other's.
        for (const who of ['buyerA', 'advisorA', 'buyerA'] as const) expect(sortRows((await csvDelivery(who, id)).rows)).toEqual(sortRows(expected[who].rows));
      }
    } finally {
      await terminate(lex);
    }
  }, 180_000);

  it("gives two members of one party the same rows in orders of their own, and traces a 250-row part of each download to that download", async () => {
    // People of their own: a leak maps onto this census alone (a room where another census shares its
    // employee numbers is a question for the trace, not for the copy).
    const people = census.map((p) => ({ ...p, employeeId: `T${p.employeeId.slice(1)}`, email: `t.${p.email}` }));
    const id = await uploadCensus(people, { title: 'Census, traced' });
    const objectKey = await objectKeyOf(id);
    const expected = reference(people, 'buyerA', ['Falcon GmbH'], 'identified');
    const made = await csvDelivery('buyerA', id);
    await theCopy(objectKey, 'csv');
    const fromCopy = [await csvDelivery('buyerA', id), await csvDelivery('advisorA', id), await csvDelivery('advisorA', id)];
    const all = [made, ...fromCopy];
    for (const d of all) expect(sortRows(d.rows)).toEqual(sortRows(expected.rows));
    // Every download an order of its own, none the stored order.
    const orders = new Set(all.map((d) => JSON.stringify(d.rows.map((r) => r[0]))));
    expect(orders.size).toBe(all.length);
    expect(orders.has(JSON.stringify(expected.rows.map((r) => r[0])))).toBe(false);
    // The order is the download's own (fingerprint.ts), in runs of ORDER_GROUP_ROWS stored rows.
    const index = new Map(people.map((p, i) => [p.employeeId, i]));
    for (const d of all) {
      const places = d.rows.map((r) => ({ sheet: 0, index: index.get(r[0]!)! }));
      expect(inDeliveryOrder(orderKeyOf(secret, d.downloadId), places, ORDER_GROUP_ROWS)).toBe(true);
      for (const other of all.filter((o) => o !== d)) expect(inDeliveryOrder(orderKeyOf(secret, other.downloadId), places, ORDER_GROUP_ROWS)).toBe(false);
    }
    // A leaker keeps 250 rows from the middle, a few columns in an order of their own, saved as CSV.
    const columns = ['Email', 'Grade', 'Employee ID', 'Entity', 'Salary'];
    for (const d of all) {
      const at = columns.map((c) => d.header.indexOf(c));
      const part = [columns, ...d.rows.slice(600, 850).map((r) => at.map((j) => r[j]!))];
      const res = await deal.counsel.upload(`${deal.roomPath}/trace`, { data: Buffer.from(stringify(part, { record_delimiter: 'windows' })), name: 'leak.csv' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ downloadId: d.downloadId, match: 'fingerprint' });
    }
  }, 120_000);
});

describe('a copy cut short or damaged', () => {
  it.each(['csv', 'xlsx'] as const)('stores no copy of a %s download abandoned half-way, and the next download has every row', async (format) => {
    const id = await uploadCensus(census, { title: `Census, abandoned ${format}` });
    const objectKey = await objectKeyOf(id);
    expect(census.length).toBeGreaterThan(BLOCK_ROWS);
    const expected = reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised');
    const watch = watchCopyPuts();
    const hold = holdRowStoreAfterFirstBlock(objectKey);
    let abandoned: RawResponse;
    try {
      // The recipient goes away once the first bytes have come and the delivery is reading its rows:
      // the rest of them is still on the slow disk.
      abandoned = await rawGet('buyerB', `/api/documents/${id}/content?format=${format}`, {}, hold.reached);
      await connectionsClosed();
      hold.release();
      for (let i = 0; i < 200 && watch.puts.length === 0; i++) await sleep(10);
      await Promise.all(watch.puts);
    } finally {
      hold.release();
      watch.stop();
    }
    expect(abandoned.status).toBe(200);
    expect(abandoned.complete).toBe(false);
    expect(await Promise.all(watch.puts)).toEqual(['failed']);
    expect(copyKeysOf(objectKey)).toEqual([]);
    expect(partialWrites().filter((name) => name.endsWith('.partial'))).toEqual([]);
    // The next downloads make the copy whole, then read it: every row each time.
    for (let i = 0; i < 2; i++) {
      const whole = format === 'csv' ? await csvDelivery('buyerB', id) : await xlsxDelivery('buyerB', id);
      expect(sortRows(whole.rows)).toEqual(sortRows(expected.rows));
    }
    await theCopy(objectKey, format);
  }, 120_000);

  /** What a misconfigured operator, a full disk or a bad sector does to a stored copy. */
  const DAMAGES: Array<[string, (copy: Buffer) => Buffer]> = [
    ['a letter of a value changed', (copy) => {
      const at = copy.lastIndexOf('Falcon Ltd');
      expect(at).toBeGreaterThan(0);
      const out = Buffer.from(copy);
      out[at + 7] = 'X'.charCodeAt(0);
      return out;
    }],
    ['a byte in the middle flipped', (copy) => {
      const out = Buffer.from(copy);
      out[copy.length >> 1] ^= 0x04;
      return out;
    }],
    ["the first block's sheet number changed", (copy) => {
      // Layout (party-copy.ts): 8 bytes of magic, then a segment's kind and length (5 bytes), then the block's sheet.
      const out = Buffer.from(copy);
      expect(out[8]).toBe(2);
      out.writeUInt32LE(1, 13);
      return out;
    }],
    ['cut in half', (copy) => copy.subarray(0, copy.length >> 1)],
    ['cut before its end mark', (copy) => copy.subarray(0, copy.length - 5)],
    ['emptied', () => Buffer.alloc(0)],
  ];

  it.each(['csv', 'xlsx'] as const)('never sends a damaged %s copy as it is: the download is made afresh or cut short, and the next one has every row', async (format) => {
    const id = await uploadCensus(census, { title: `Census, damaged ${format}` });
    const objectKey = await objectKeyOf(id);
    const expected = reference(census, 'buyerB', ['Falcon Ltd'], 'pseudonymised');
    const rowsOf = async (body: Buffer) => (format === 'csv' ? csvRows(body).slice(1) : (await xlsxSheets(body))[0]!.slice(1));
    const url = `/api/documents/${id}/content?format=${format}`;
    for (const [label, damage] of DAMAGES) {
      // A whole copy, made by a download (or left by the one before), then damaged on disk.
      const made = await rawGet('buyerB', url);
      expect([label, made.status, made.complete]).toEqual([label, 200, true]);
      const key = await theCopy(objectKey, format);
      const file = objectPath(key);
      // For XLSX the copy holds deflated runs: a letter of a value is not there to change.
      if (format === 'xlsx' && label === 'a letter of a value changed') continue;
      fs.writeFileSync(file, damage(fs.readFileSync(file)));

      const damaged = await rawGet('buyerB', url);
      // Either a delivery that does not end (the browser says the download failed)…
      if (damaged.status !== 200 || !damaged.complete) expect([label, damaged.complete]).toEqual([label, false]);
      // …or, whole, exactly the rows the party's plan gives: never other rows, silently.
      else expect([label, sortRows(await rowsOf(damaged.body))]).toEqual([label, sortRows(expected.rows)]);

      // The next download (and the one after, from the copy it made) has every row again.
      for (let i = 0; i < 2; i++) {
        const next = await rawGet('buyerB', url);
        expect([label, i, next.status, next.complete]).toEqual([label, i, 200, true]);
        expect([label, i, sortRows(await rowsOf(next.body))]).toEqual([label, i, sortRows(expected.rows)]);
      }
    }
  }, 240_000);
});

describe('what the copy is sent as', () => {
  it('sends a dataset download whole, with its own order, whatever Range or If-Range it is asked with', async () => {
    const id = await uploadCensus(census, { title: 'Census, ranges' });
    const objectKey = await objectKeyOf(id);
    const expected = reference(census, 'buyerA', ['Falcon GmbH'], 'identified');
    const first = await rawGet('buyerA', `/api/documents/${id}/content`);
    await theCopy(objectKey, 'csv');
    const index = new Map(census.map((p, i) => [p.employeeId, i]));
    const etag = `"${first.headers['x-download-id']}"`;
    for (const headers of <Array<Record<string, string>>>[{ range: 'bytes=0-99' }, { range: 'bytes=100-' }, { range: 'bytes=-500' }, { range: 'bytes=0-0,200-300' }, { range: 'bytes=100-', 'if-range': etag }]) {
      const res = await rawGet('buyerA', `/api/documents/${id}/content`, headers);
      expect([headers, res.status, res.complete]).toEqual([headers, 200, true]);
      expect(res.headers['content-range']).toBeUndefined();
      expect(res.headers['accept-ranges']).not.toBe('bytes');
      const downloadId = res.headers['x-download-id'] as string;
      expect(downloadId).not.toBe(first.headers['x-download-id']);
      const [header, ...rows] = csvRows(res.body);
      expect(header).toEqual(expected.header);
      expect(sortRows(rows)).toEqual(sortRows(expected.rows));
      // The stamp is the order: whole, and this download's.
      expect(inDeliveryOrder(orderKeyOf(secret, downloadId), rows.map((r) => ({ sheet: 0, index: index.get(r[0]!)! })), ORDER_GROUP_ROWS)).toBe(true);
    }
    // Resuming a download is refused: it would splice one order onto another.
    const resumed = await rawGet('buyerA', `/api/documents/${id}/content?download=${encodeURIComponent(first.headers['x-download-id'] as string)}`, { range: 'bytes=100-', 'if-range': etag });
    expect(resumed.status).toBe(400);
    expect(resumed.body.toString('utf8')).not.toContain('Falcon GmbH');
  }, 60_000);

  const soffice = '/usr/bin/soffice';
  (fs.existsSync(soffice) ? it : it.skip)('delivers from a stored copy an XLSX that LibreOffice opens with every value of the same party\'s CSV', async () => {
    const id = await uploadCensus(census, { title: 'Census, LibreOffice' });
    const objectKey = await objectKeyOf(id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-copy-lo-'));
    try {
      for (const who of ['buyerA', 'buyerB'] as const) {
        await xlsxDelivery(who, id);
        const keys = copyKeysOf(objectKey, 'xlsx');
        const fromCopy = await xlsxDelivery(who, id);
        // Read from the copy: the first download made it, the second left it as it was.
        expect(copyKeysOf(objectKey, 'xlsx')).toEqual(keys);
        const csv = await csvDelivery(who, id);
        fs.writeFileSync(path.join(dir, `${who}.xlsx`), fromCopy.body);
        // The second sheet (the first is the stamp), as UTF-8 CSV, cells as LibreOffice shows them.
        execFileSync(soffice, [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2', '--outdir', path.join(dir, 'out'), path.join(dir, `${who}.xlsx`)], { stdio: 'ignore', timeout: 120_000 });
        const converted = fs.readdirSync(path.join(dir, 'out')).find((f) => f.startsWith(who));
        expect(converted).toBeDefined();
        const [header, ...rows] = csvRows(fs.readFileSync(path.join(dir, 'out', converted!)));
        expect(header).toEqual(csv.header);
        expect(rows.length).toBe(csv.rows.length);
        expect(sortRows(rows)).toEqual(sortRows(csv.rows));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('deleting the document', () => {
  it('removes every copy of every version with the document', async () => {
    const id = await uploadCensus(census, { title: 'Census, deleted' });
    const first = await objectKeyOf(id);
    // Delivered to the deal team only (a document delivered outside it is withdrawn, never deleted).
    for (const query of ['?format=csv', '?format=xlsx']) expect((await content(deal.manager, id, query)).status).toBe(200);
    expect((await deal.manager.upload(`/api/documents/${id}/versions`, { data: censusCsv(census.slice(0, 4200)), name: 'census.csv' })).status).toBe(201);
    const second = await objectKeyOf(id);
    for (const query of ['?format=csv', '?format=xlsx']) expect((await content(deal.manager, id, query)).status).toBe(200);
    expect(copyKeysOf(first)).toHaveLength(2);
    expect(copyKeysOf(second)).toHaveLength(2);
    expect((await deal.manager.delete(`/api/documents/${id}`)).status).toBe(204);
    expect(storedObjectKeys(t).filter((k) => k.startsWith(first) || k.startsWith(second))).toEqual([]);
  }, 60_000);

  it('leaves no copy behind of a download still under way when the document is deleted', async () => {
    const id = await uploadCensus(census, { title: 'Census, deleted mid-download' });
    const objectKey = await objectKeyOf(id);
    const watch = watchCopyPuts();
    const hold = holdRowStoreAfterFirstBlock(objectKey);
    try {
      // The deal team's download is making the copy (its first block read, the rest on a slow disk)…
      const delivery = content(deal.manager, id).then((res) => res.status);
      await hold.reached;
      // …when the document is deleted; then the rest of the rows come, and the copy is stored whole.
      expect((await deal.manager.delete(`/api/documents/${id}`)).status).toBe(204);
      hold.release();
      expect(await delivery).toBe(200);
      for (let i = 0; i < 100 && watch.puts.length === 0; i++) await sleep(10);
      expect(await Promise.all(watch.puts)).toEqual(['stored']);
    } finally {
      hold.release();
      watch.stop();
    }
    // Nothing of the deleted version is left in the store: not its file, its rows or a copy of them.
    for (let i = 0; i < 50 && storedObjectKeys(t).some((k) => k.startsWith(objectKey)); i++) await sleep(20);
    expect(storedObjectKeys(t).filter((k) => k.startsWith(objectKey))).toEqual([]);
  }, 60_000);
});
