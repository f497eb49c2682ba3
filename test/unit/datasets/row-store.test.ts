import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import JSZip from 'jszip';
import { LocalDiskStore } from '../../../storage/local-disk-store.js';
import { readDataset } from '../../../server/datasets/read-dataset.js';
import { describeDataset } from '../../../server/datasets/describe-dataset.js';
import { planDelivery, type DeliveryScope } from '../../../server/datasets/delivery-plan.js';
import { deliverySheets } from '../../../server/datasets/delivery-sheet.js';
import { unescapeCsvCell, writeCsvDelivery } from '../../../server/datasets/write-csv.js';
import { plainNumber } from '../../../server/datasets/xlsx-from-row-store.js';
import { toXlsxCellValue, writeXlsxDelivery } from '../../../server/datasets/write-xlsx.js';
import { orderKeyOf, BLOCK_ROWS, ORDER_GROUP_ROWS } from '../../../server/datasets/fingerprint.js';
import { csvFromPartyCopy, partyCopy, xlsxFromPartyCopy } from '../../../server/datasets/party-copy.js';
import type { SheetPlan } from '../../../server/datasets/delivery-plan.js';
import type { StoredRowsOptions } from '../../../server/datasets/stored-rows-writer.js';
import { openRowStore, readRowStore, rowStoreEvents, rowStoreKeyOf, storedRows, writeRowStore } from '../../../server/datasets/row-store.js';
import { forgetPseudonymColumns } from '../../../server/datasets/pseudonym-columns.js';
import { forgetValueColumns } from '../../../server/datasets/value-columns.js';
import { PseudonymHasher } from '../../../server/datasets/pseudonym-hasher.js';
import { pseudonymMac } from '../../../server/datasets/personal-data.js';
import type { DatasetClassification, DatasetFormat } from '../../../server/datasets/dataset-types.js';
import { addSheet, eventsOf, exceljsWorkbook, opener } from './dataset-files.js';

/**
 * The row store (row-store.ts) and the deliveries sent from a party's copy made from it
 * (party-copy.ts): every delivery reads a version's rows from the store written at upload instead of
 * parsing the file again, so the store must give exactly the rows the reader gives, and a delivery
 * exactly the bytes (CSV) or sheets (XLSX) the row-by-row writer writes for the same recipient —
 * scope, pseudonyms, generalisation, escaping and fingerprint order included — whether the copy is
 * being made by that delivery or read back from the object store.
 */

/** A delivery's bytes from the party's copy of the version (made from its row store if not stored yet). */
function fromCopy(objectKey: string, format: DatasetFormat, plans: SheetPlan[], options: (plan: SheetPlan) => StoredRowsOptions, orderKey: Buffer, stamp = { lines: ['stamp'] }): Promise<Buffer> {
  const copy = partyCopy(store, objectKey, format, plans, options, () => readRowStore(fs.createReadStream(path.join(dir, 'objects', rowStoreKeyOf(objectKey)))));
  return readAll(format === 'csv' ? csvFromPartyCopy(copy, plans[0]!, orderKey) : xlsxFromPartyCopy(copy, plans, orderKey, stamp));
}

const secret = randomBytes(32);
let dir: string;
let store: LocalDiskStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-row-store-'));
  store = new LocalDiskStore(dir);
  await store.init();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Cells a CSV delivery must escape or quote, and text that must come back byte for byte. */
const AWKWARD = ['not\uFFFEa character', '=1+2', '+44 20 7946', '-12', '-x', '@SUM(A1)', "'=1", "''+2", "'tis", '\tTab', 'a,b', 'say "hi"', 'two\nlines', 'cr\ronly', 'crlf\r\nend', 'Zoë Ørsted 张', '   ', '', '007', '1.50', '-1200'];
const ENTITIES = ['Falcon GmbH', 'Falcon Ltd', 'Falcon BV', '', '=Falcon'];

function table(rows: number, seed = 7): string[][] {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const pick = <T,>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const out: string[][] = [['Employee ID', 'Name', 'Birth date', 'Entity', 'Note', 'Salary', 'Manager']];
  for (let i = 0; i < rows; i++) {
    out.push([
      next() < 0.05 ? pick(AWKWARD) : `E${100000 + i}`,
      next() < 0.2 ? pick(AWKWARD) : pick(['Anna Müller', 'Ben Smith', 'Zoë Ørsted']),
      next() < 0.1 ? pick(AWKWARD) : `19${60 + Math.floor(next() * 40)}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 9)}`,
      pick(ENTITIES),
      next() < 0.5 ? pick(AWKWARD) : `note ${i}`,
      String(Math.floor(next() * 90000)),
      next() < 0.3 ? '' : pick(['Anna Müller', 'Ben Smith', '=HYPERLINK("x")']),
    ]);
  }
  return out;
}

/** The table as the CSV a seller uploads (RFC 4180, every field quoted). */
const csvOf = (rows: string[][]) => Buffer.from(rows.map((r) => r.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\r\n') + '\r\n', 'utf8');

const CLASSIFICATION: DatasetClassification = {
  columns: [
    { sheet: 'Sheet1', name: 'Employee ID', role: 'direct' },
    { sheet: 'Sheet1', name: 'Name', role: 'direct' },
    { sheet: 'Sheet1', name: 'Birth date', role: 'quasi' },
    { sheet: 'Sheet1', name: 'Salary', role: 'quasi' },
  ],
  subjectColumn: { sheet: 'Sheet1', name: 'Employee ID' },
  entityColumn: { sheet: 'Sheet1', name: 'Entity' },
  entityMap: { 'Falcon GmbH': 'gmbh', 'Falcon Ltd': 'ltd', '=Falcon': 'gmbh' },
};

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Stores `data` as a version and its row store, as an upload does; returns the version's key. */
async function storeVersion(data: Buffer, format: DatasetFormat): Promise<string> {
  const objectKey = `versions/${randomBytes(8).toString('hex')}`;
  await store.put(objectKey, Readable.from([data]));
  await writeRowStore(store, rowStoreKeyOf(objectKey), readDataset(() => store.get(objectKey), format));
  return objectKey;
}

const SCOPES: Array<[string, DeliveryScope]> = [
  ['the deal team (every row, identified)', { form: 'identified', entityIds: null, partyId: null, coversDocumentEntity: true }],
  ['a bidder covered for GmbH and Ltd, pseudonymised', { form: 'pseudonymised', entityIds: ['gmbh', 'ltd'], partyId: 'party-B', coversDocumentEntity: true }],
  ['an advisor covered for Ltd, identified', { form: 'identified', entityIds: ['ltd'], partyId: 'party-A', coversDocumentEntity: false }],
  ['a bidder covered for GmbH, no personal data', { form: 'none', entityIds: ['gmbh'], partyId: 'party-C', coversDocumentEntity: true }],
];

describe('the row store', () => {
  it('gives back exactly the rows the reader reads from the stored CSV, over several blocks and every awkward cell', async () => {
    const data = csvOf(table(BLOCK_ROWS * 2 + 123));
    const objectKey = await storeVersion(data, 'csv');
    expect(await eventsOf(storedRows(store, objectKey, 'csv'))).toEqual(await eventsOf(readDataset(opener(data), 'csv')));
  });

  it('gives back every sheet of a workbook as the reader reads it', async () => {
    const data = await exceljsWorkbook((wb) => {
      addSheet(wb, 'People', [['Name', 'Born', 'Note'], ['Anna', new Date(Date.UTC(1984, 2, 2)), '=1+2'], ['Ben', 42, 'a,"b"\nc']]);
      addSheet(wb, 'Empty', []);
      addSheet(wb, 'Bonuses', [['Name', 'Bonus'], ['Anna', 1.5], ['', ''], ['Zoë', -3]]);
    });
    const objectKey = await storeVersion(data, 'xlsx');
    expect(await eventsOf(rowStoreEvents(readRowStore(await store.get(rowStoreKeyOf(objectKey)))))).toEqual(await eventsOf(readDataset(opener(data), 'xlsx')));
  });

  it('is built from the stored file on the first read of a version stored without one, and then kept', async () => {
    const data = csvOf(table(500));
    const objectKey = `versions/${randomBytes(8).toString('hex')}`;
    await store.put(objectKey, Readable.from([data]));
    expect(await store.stat(rowStoreKeyOf(objectKey))).toBeNull();
    const [a, b] = await Promise.all([openRowStore(store, objectKey, 'csv'), openRowStore(store, objectKey, 'csv')]);
    a.destroy();
    b.destroy();
    expect(await store.stat(rowStoreKeyOf(objectKey))).not.toBeNull();
    expect(await eventsOf(storedRows(store, objectKey, 'csv'))).toEqual(await eventsOf(readDataset(opener(data), 'csv')));
  });

  it('is not stored at all when the file turns out not to be a dataset (a ragged row far down)', async () => {
    const lines = csvOf(table(5000)).toString('utf8').split('\r\n');
    lines[4500] += ',"extra"';
    const objectKey = `versions/${randomBytes(8).toString('hex')}`;
    await store.put(objectKey, Readable.from([Buffer.from(lines.join('\r\n'))]));
    await expect(writeRowStore(store, rowStoreKeyOf(objectKey), readDataset(() => store.get(objectKey), 'csv'))).rejects.toMatchObject({ reason: 'ragged_row' });
    expect(await store.stat(rowStoreKeyOf(objectKey))).toBeNull();
  });
});

describe('a CSV delivery written from the row store', () => {
  const rows = table(BLOCK_ROWS * 2 + 500);
  const data = csvOf(rows);
  let objectKey: string;
  beforeAll(async () => {
    objectKey = await storeVersion(data, 'csv');
  });

  /** The delivery as the row-by-row writer writes it from the stored file (the reference), and as written from the row store. */
  async function bothWays(scope: DeliveryScope, orderKey: Buffer) {
    const description = await describeDataset(opener(data), 'csv');
    const plan = planDelivery(description, CLASSIFICATION, scope, secret)[0]!;
    const reference = await readAll(writeCsvDelivery(deliverySheets(readDataset(opener(data), 'csv'), [plan], orderKey, ORDER_GROUP_ROWS)));
    const options = () => ({ orderKey: null, roomSecret: secret, partyId: scope.partyId ?? '', versionKey: objectKey, sheetRows: description.sheets[0]!.rows });
    const fromStore = await fromCopy(objectKey, 'csv', [plan], options, orderKey);
    return { reference, fromStore, again: () => fromCopy(objectKey, 'csv', [plan], options, orderKey) };
  }

  it.each(SCOPES)('holds the same bytes as the row-by-row writer for %s, in a download\'s order', async (_who, scope) => {
    forgetPseudonymColumns();
    forgetValueColumns();
    const { reference, fromStore, again } = await bothWays(scope, orderKeyOf(secret, randomBytes(8).toString('hex')));
    expect(fromStore.equals(reference)).toBe(true);
    // The second delivery of the version to the party reads the copy the first one stored: the same bytes.
    expect((await again()).equals(reference)).toBe(true);
  });

  it('holds every row as stored, runs of rows moved whole, in an order of the download\'s own', async () => {
    const { reference, fromStore } = await bothWays(SCOPES[0]![1], orderKeyOf(secret, 'one download'));
    expect(fromStore.equals(reference)).toBe(true);
    const [header, ...delivered] = parseCsv(fromStore.toString('utf8').replace(/^\uFEFF/, '')) as string[][];
    expect(header).toEqual(rows[0]);
    // Every value comes back as stored once the delivery's formula escaping is taken off.
    const unescaped = delivered.map((r) => r.map(unescapeCsvCell));
    expect(unescaped.length).toBe(rows.length - 1);
    expect([...unescaped].sort()).toEqual([...rows.slice(1)].sort());
    expect(unescaped).not.toEqual(rows.slice(1));
    // Rows of one run stay together and in stored order: the copy's runs are moved, never cut.
    const at = new Map(rows.slice(1).map((r, i) => [r.join('\u0000'), i]));
    const places = unescaped.map((r) => at.get(r.join('\u0000'))!);
    for (let i = 1; i < places.length; i++) {
      if (Math.floor(places[i]! / ORDER_GROUP_ROWS) === Math.floor(places[i - 1]! / ORDER_GROUP_ROWS)) expect(places[i]).toBe(places[i - 1]! + 1);
    }
  });

  it('sends two downloads of one party from one stored copy, each in its own order', async () => {
    const a = await bothWays(SCOPES[1]![1], orderKeyOf(secret, 'download a'));
    const b = await bothWays(SCOPES[1]![1], orderKeyOf(secret, 'download b'));
    expect(a.fromStore.equals(a.reference) && b.fromStore.equals(b.reference)).toBe(true);
    expect(a.fromStore.equals(b.fromStore)).toBe(false);
    const copies = fs.readdirSync(path.join(dir, 'objects', 'versions')).filter((name) => name.startsWith(`${path.basename(objectKey)}.copy-csv-`));
    expect(copies.length).toBeGreaterThan(0);
  });

  it('keeps a cell with a line break in one field, so a spreadsheet reads the row whole', async () => {
    const small = [['Name', 'Address'], ['Anna', 'Hauptstr. 1\n20095 Hamburg'], ['Ben', 'Flat 2\rLeeds']];
    const key = await storeVersion(csvOf(small), 'csv');
    const description = await describeDataset(opener(csvOf(small)), 'csv');
    const plan = planDelivery(description, { columns: [], subjectColumn: null, entityColumn: null, entityMap: {} }, SCOPES[0]![1], secret)[0]!;
    const out = await fromCopy(key, 'csv', [plan], () => ({ orderKey: null, roomSecret: secret, partyId: '', versionKey: key, sheetRows: 2 }), orderKeyOf(secret, 'x'));
    expect(parseCsv(out.toString('utf8').replace(/^\uFEFF/, ''))).toEqual(small);
  });
});

describe('an XLSX delivery written from the row store', () => {
  const stamp = { lines: ['Project Falcon — confidential', 'For Ewa (Beta) ewa@beta.example', '2026-12-06 10:00 UTC · download x'] };
  const rows = table(BLOCK_ROWS + 700, 11);
  // Numbers and their look-alikes, to check the cell types chosen from bytes against toXlsxCellValue.
  rows.slice(1).forEach((r, i) => (r[5] = ['0', '-0', '12.5', '1.50', '007', '1e+21', '1e3', '0.0000001', '0.000001', '-12', '123456789012345', '1234567890123456', '', '2026-12-06', '3 '][i % 15]!));
  const data = csvOf(rows);
  let objectKey: string;
  beforeAll(async () => {
    objectKey = await storeVersion(data, 'csv');
  });

  /** The parts of a workbook, unzipped. */
  async function parts(xlsx: Buffer): Promise<Record<string, string>> {
    const zip = await JSZip.loadAsync(xlsx);
    const out: Record<string, string> = {};
    for (const name of Object.keys(zip.files)) out[name] = await zip.file(name)!.async('string');
    return out;
  }

  it.each(SCOPES)('holds the same workbook as the row-by-row writer for %s', async (_who, scope) => {
    forgetPseudonymColumns();
    forgetValueColumns();
    const description = await describeDataset(opener(data), 'csv');
    const plans = planDelivery(description, CLASSIFICATION, scope, secret, { versionKey: objectKey }).filter((p) => p.forRecipient);
    const orderKey = orderKeyOf(secret, randomBytes(8).toString('hex'));
    const reference = await parts(await readAll(writeXlsxDelivery(deliverySheets(readDataset(opener(data), 'csv'), plans, orderKey, ORDER_GROUP_ROWS), stamp)));
    const options = () => ({ orderKey: null, roomSecret: secret, partyId: scope.partyId ?? '', versionKey: objectKey, sheetRows: description.sheets[0]!.rows });
    // The first delivery makes the party's copy, the second reads it back.
    for (let delivery = 0; delivery < 2; delivery++) {
      const fromStore = await parts(await fromCopy(objectKey, 'xlsx', plans, options, orderKey, stamp));
      expect(Object.keys(fromStore).sort()).toEqual(Object.keys(reference).sort());
      for (const name of Object.keys(reference)) expect([name, fromStore[name]]).toEqual([name, reference[name]]);
    }
  });

  it('takes a stored text for a number exactly where toXlsxCellValue does', () => {
    const texts = ['0', '-0', '0.5', '-0.5', '0.000001', '0.0000001', '12.5', '1200', '007', '1.50', '1.', '.5', '-', '100000000000000000000', '1000000000000000000000', '123456789012345', '1234567890123456', '0.30000000000000004', '10'];
    for (let i = 0; i < 20_000; i++) {
      const v = (Math.sin(i) * 10 ** ((i % 30) - 10));
      texts.push(String(v), v.toFixed(i % 8), String(Math.round(v)));
    }
    for (const text of texts) {
      const bytes = Buffer.from(text);
      expect([text, plainNumber(bytes, 0, bytes.length)]).toEqual([text, typeof toXlsxCellValue(text) === 'number' && !/e/i.test(text)]);
    }
  });
});

describe('the pseudonyms of a delivery from the row store', () => {
  it('are the HMAC-SHA-256 pseudonymOf makes, for every length of value and party, any text and any key', () => {
    const values = ['', 'E1000001', 'Zoë Ørsted 张', 'a'.repeat(55), 'b'.repeat(56), 'c'.repeat(64), 'd'.repeat(119), 'e'.repeat(120), '😀'.repeat(40), 'lone \ud800 surrogate', 'x'.repeat(5000)];
    for (let i = 0; i < 300; i++) values.push(randomBytes(1 + (i % 90)).toString(i % 2 ? 'base64' : 'latin1'));
    for (const key of [secret, randomBytes(16), randomBytes(64), randomBytes(100)]) {
      for (const party of ['', 'party-B', '4f1c2b0e-9a7d-4e8b-b3c2-1d2e3f4a5b6c', 'p'.repeat(70)]) {
        const hasher = new PseudonymHasher(key, party);
        for (const value of values) {
          const mac = Buffer.alloc(8);
          hasher.macInto(value, mac, 0);
          expect([party, value, mac.toString('hex')]).toEqual([party, value, pseudonymMac(key, party, value).toString('hex', 0, 8)]);
        }
      }
    }
  });
});
