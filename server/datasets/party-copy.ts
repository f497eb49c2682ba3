import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import type { DatasetFormat } from './dataset-types.js';
import type { SheetPlan } from './delivery-plan.js';
import { ORDER_GROUP_ROWS, orderOffsets } from './fingerprint.js';
import { readSegments, writeSegment, type RowStoreEntry } from './row-store.js';
import type { StoredRowsOptions } from './stored-rows-writer.js';
import { CsvBlockWriter } from './csv-from-row-store.js';
import { XlsxBlockWriter } from './xlsx-from-row-store.js';
import { csvField } from './write-csv.js';
import { writeXlsxWorkbook, type XlsxStamp } from './write-xlsx.js';
import { crc32Combine, deflateRun, type DeflatedRun } from './zip-writer.js';

/**
 * A party's copy of a dataset version: the rows a delivery plan gives that party (its row scope, its
 * columns, its pseudonyms and generalised values), made once — as CSV records, or as sheet XML
 * compressed — and kept beside the version in the object store, so that every later download of the
 * same plan only puts the copy's runs in its own order (fingerprint.ts: a download orders runs of
 * ORDER_GROUP_ROWS stored rows) and sends them, instead of making every row and, for XLSX,
 * compressing every byte again. The first download of a plan makes the copy from the row store
 * (row-store.ts) as it goes out, and stores it once it is whole.
 *
 * Runs of XLSX rows are compressed each on its own, ending in a full flush (zip-writer.ts DeflatedRun),
 * so they follow one another in any order in a deflate stream; their rows carry no row or cell number
 * (xlsx-from-row-store.ts), which would differ from one download's order to another's.
 *
 * Layout: the 8 bytes `GHCOPY1\n`, then segments (row-store.ts writeSegment):
 * - 2, a block: sheet, block number, runs n (u32 LE each), then n × u32 LE of each of: the run's
 *   number in the block, where its bytes end, its CRC-32 and its size unpacked (both 0 for CSV), then
 *   the bytes;
 * - 3, the end: nothing; a copy without it is not read.
 *
 * The copy's key (partyCopyKeyOf) is a hash of everything that decides its bytes — the format, the
 * party (whose pseudonyms it holds), the room's secret, each sheet's columns and treatments and the
 * stored values of the entity column whose rows it holds — so a plan that changes (an NDA narrowed, a
 * column classified again, a grant's personal-data level) is another copy, never an old one served.
 * A party keeps one copy per version and format: a new one replaces the one before. Copies are deleted
 * with the version (documents/lifecycle.ts) and tied to it by the orphan sweeper (its key's prefix).
 */

const MAGIC = Buffer.from('GHCOPY1\n', 'latin1');
const BLOCK = 2;
const END = 3;
const BLOCK_HEAD = 12;
const LAYOUT = 1;

/** One block of a party's copy: the runs of the party's rows of the block, in stored order. */
export interface RunBlock {
  sheet: number;
  block: number;
  /** Each run's number in the block (its rows are stored rows run × ORDER_GROUP_ROWS onwards), ascending. */
  runs: Int32Array;
  /** Where each run's bytes end in `bytes`. */
  ends: Uint32Array;
  /** XLSX: each run's CRC-32 and size unpacked (its bytes are deflated, DeflatedRun). CSV: zeros. */
  crcs: Uint32Array;
  sizes: Uint32Array;
  bytes: Buffer;
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** What decides which rows of a sheet a plan delivers: the values of the entity column kept, or all or none. */
function rowsIdentity(plan: SheetPlan): unknown {
  const rows = plan.rows;
  if (rows.kind !== 'entity') return rows.kind;
  return { column: rows.column, values: [...rows.entityOf].filter(([, entity]) => rows.allowed.has(entity)).map(([value]) => value).sort() };
}

/** Where the party's copy of the version stored under `objectKey` lives, for these plans: see the module's comment. */
export function partyCopyKeyOf(objectKey: string, format: DatasetFormat, plans: SheetPlan[], party: { roomSecret: Buffer; partyId: string }): string {
  const identity = JSON.stringify({
    layout: LAYOUT,
    groupRows: ORDER_GROUP_ROWS,
    format,
    secret: sha256(party.roomSecret),
    party: party.partyId,
    sheets: plans.map((p) => ({ sheet: p.sheet, columns: p.columns, rows: rowsIdentity(p) })),
  });
  return `${partyCopyPrefixOf(objectKey, format, party.partyId)}${sha256(identity).slice(0, 40)}`;
}

/** The keys of one party's copies of a version in one format all begin so. */
const partyCopyPrefixOf = (objectKey: string, format: DatasetFormat, partyId: string) => `${objectKey}.copy-${format}-${sha256(partyId).slice(0, 16)}-`;

/** The keys of every party's copies of the version stored under `objectKey`: they go with it. */
export async function partyCopyKeysOf(store: ObjectStore, objectKey: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(`${objectKey}.copy-`)) keys.push(object.key);
  return keys;
}

/**
 * The party's runs of the planned sheets, made from the version's row store entries: each block's
 * delivered rows written in stored order by the delivery writers, cut into runs, and, for XLSX, each
 * run compressed. One block in memory at a time.
 */
async function* runsFromRowStore(entries: AsyncIterable<RowStoreEntry>, plans: SheetPlan[], optionsOf: (plan: SheetPlan) => StoredRowsOptions, format: DatasetFormat): AsyncGenerator<RunBlock> {
  const writers = new Map<number, CsvBlockWriter | XlsxBlockWriter>();
  for (const plan of plans) {
    const options = { ...optionsOf(plan), orderKey: null };
    writers.set(plan.sheet, format === 'csv' ? new CsvBlockWriter(plan, options) : new XlsxBlockWriter(plan, options));
  }
  for await (const entry of entries) {
    if (entry.kind !== 'block') continue;
    const b = entry.block;
    const writer = writers.get(b.sheet);
    if (!writer) continue;
    const written = writer instanceof CsvBlockWriter ? writer.write(b) : writer.write(b);
    if (!written) continue;
    const bytes = 'csv' in written ? written.csv : written.xml;
    const { rows } = written;
    const rowEnds = writer.rowEnds;
    // Runs: consecutive delivered rows of one run number.
    const runs: number[] = [];
    const rawEnds: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const run = Math.floor(rows[i]! / ORDER_GROUP_ROWS);
      if (runs.length === 0 || runs[runs.length - 1] !== run) {
        runs.push(run);
        rawEnds.push(rowEnds[i]!);
      } else rawEnds[rawEnds.length - 1] = rowEnds[i]!;
    }
    const block: RunBlock = { sheet: b.sheet, block: b.block, runs: Int32Array.from(runs), ends: new Uint32Array(runs.length), crcs: new Uint32Array(runs.length), sizes: new Uint32Array(runs.length), bytes };
    if (format === 'csv') block.ends.set(rawEnds);
    else {
      const deflated: Buffer[] = [];
      let at = 0;
      for (let i = 0, start = 0; i < runs.length; start = rawEnds[i]!, i++) {
        const run = deflateRun(bytes.subarray(start, rawEnds[i]!));
        deflated.push(run.deflated);
        at += run.deflated.length;
        block.ends[i] = at;
        block.crcs[i] = run.crc;
        block.sizes[i] = run.size;
      }
      block.bytes = Buffer.concat(deflated, at);
    }
    yield block;
  }
}

function blockSegment(b: RunBlock): Buffer[] {
  const n = b.runs.length;
  const head = Buffer.alloc(BLOCK_HEAD + n * 16);
  head.writeUInt32LE(b.sheet, 0);
  head.writeUInt32LE(b.block, 4);
  head.writeUInt32LE(n, 8);
  const columns = [b.runs, b.ends, b.crcs, b.sizes];
  columns.forEach((values, c) => {
    for (let i = 0; i < n; i++) head.writeUInt32LE(values[i]! >>> 0, BLOCK_HEAD + (c * n + i) * 4);
  });
  return [head, b.bytes];
}

function blockOf(body: Uint8Array): RunBlock {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = view.getUint32(8, true);
  const column = (c: number) => {
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getUint32(BLOCK_HEAD + (c * n + i) * 4, true);
    return values;
  };
  const at = BLOCK_HEAD + n * 16;
  return {
    sheet: view.getUint32(0, true),
    block: view.getUint32(4, true),
    runs: Int32Array.from(column(0)),
    ends: column(1),
    crcs: column(2),
    sizes: column(3),
    bytes: Buffer.from(body.buffer, body.byteOffset + at, body.byteLength - at),
  };
}

/** A stored copy's blocks; a block's bytes are valid until the next is asked for. */
async function* readPartyCopy(stream: Readable): AsyncGenerator<RunBlock> {
  for await (const { kind, body } of readSegments(stream, MAGIC, END)) {
    if (kind !== BLOCK) throw new Error(`Unknown segment ${kind} in a party's copy.`);
    yield blockOf(body);
  }
}

/**
 * Passes `blocks` on and stores them under `key` as they go; once the last has gone, the copy is
 * stored whole and the party's other copies of the version in this format are deleted. A delivery
 * left early, or a store that fails, stores nothing (the object store keeps no object of a failed
 * put): the next delivery makes the copy again.
 */
async function* storedAsTheyGo(store: ObjectStore, key: string, prefix: string, blocks: AsyncIterable<RunBlock>): AsyncGenerator<RunBlock> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let failed = false;
  const put = store.put(key, out).catch(() => {
    failed = true;
  });
  let whole = false;
  try {
    out.write(MAGIC);
    for await (const block of blocks) {
      // The copy waits for the store no longer than the download waits for its reader.
      if (!failed) await writeSegment(out, BLOCK, blockSegment(block));
      yield block;
    }
    whole = true;
  } finally {
    if (whole && !failed) {
      await writeSegment(out, END, []);
      out.end();
    } else out.destroy();
    await put;
  }
  if (failed) return;
  for await (const other of store.list(prefix)) if (other.key !== key) await store.delete(other.key).catch(() => undefined);
}

/** Copies being made by this process, so that deliveries of one plan arriving together store it once. */
const making = new Set<string>();

/**
 * The party's copy of the planned sheets of a version, block by block: read from the object store, or,
 * when it is not there yet, made from the version's row store (`rowStore`, opened only then) and stored
 * as it goes (unless this process is making it for another delivery already).
 */
export async function* partyCopy(
  store: ObjectStore,
  objectKey: string,
  format: DatasetFormat,
  plans: SheetPlan[],
  optionsOf: (plan: SheetPlan) => StoredRowsOptions,
  rowStore: () => AsyncIterable<RowStoreEntry>,
): AsyncGenerator<RunBlock> {
  const { roomSecret, partyId } = optionsOf(plans[0]!);
  const key = partyCopyKeyOf(objectKey, format, plans, { roomSecret, partyId });
  let stored: Readable | null = null;
  try {
    stored = await store.get(key);
  } catch (err) {
    if (!(err instanceof ObjectNotFoundError)) throw err;
  }
  if (stored) return yield* readPartyCopy(stored);
  const runs = runsFromRowStore(rowStore(), plans, optionsOf, format);
  if (making.has(key)) return yield* runs;
  making.add(key);
  try {
    yield* storedAsTheyGo(store, key, partyCopyPrefixOf(objectKey, format, partyId), runs);
  } finally {
    making.delete(key);
  }
}

/** The runs' numbers of a block in the order of the download keyed by `orderKey`, as indexes into the block's arrays. */
function runOrder(b: RunBlock, orderKey: Buffer): Int32Array {
  const ordered = orderOffsets(orderKey, b.sheet, b.block, b.runs);
  const indexOf = new Map<number, number>();
  for (let i = 0; i < b.runs.length; i++) indexOf.set(b.runs[i]!, i);
  return ordered.map((run) => indexOf.get(run)!);
}

/** A block's runs in the download's order, their bytes in one buffer of their own. */
function orderedBytes(b: RunBlock, order: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(b.ends[b.ends.length - 1]!);
  let at = 0;
  for (const i of order) {
    const start = i === 0 ? 0 : b.ends[i - 1]!;
    at += b.bytes.copy(out, at, start, b.ends[i]!);
  }
  return out;
}

/**
 * Bytes of a delivery made ahead of its reader: a block or two, so the next is being made while the
 * last one is on its way; with a stream's default 16 KiB, each block waited for the one before to
 * reach the socket.
 */
export const DELIVERY_BUFFER_BYTES = 1 << 20;

async function* csvChunks(blocks: AsyncIterable<RunBlock>, plan: SheetPlan, orderKey: Buffer): AsyncGenerator<Buffer> {
  yield Buffer.from(`\ufeff${plan.header.map(csvField).join(',')}\r\n`, 'utf8');
  for await (const b of blocks) if (b.sheet === plan.sheet) yield orderedBytes(b, runOrder(b, orderKey));
}

/**
 * The CSV delivery of one planned sheet from the party's copy: a byte order mark, the header, then the
 * party's rows, each block's runs in the download's order, pulled a block at a time as the returned
 * stream is read. An error of the copy destroys the stream with that error; leaving early closes it.
 */
export function csvFromPartyCopy(blocks: AsyncIterable<RunBlock>, plan: SheetPlan, orderKey: Buffer): Readable {
  return Readable.from(csvChunks(blocks, plan, orderKey), { objectMode: false, highWaterMark: DELIVERY_BUFFER_BYTES });
}

/** A block's compressed runs in the download's order, as one deflated piece: their CRCs combined, their sizes summed. */
function orderedRuns(b: RunBlock, orderKey: Buffer): DeflatedRun {
  const order = runOrder(b, orderKey);
  let crc = 0;
  let size = 0;
  for (const i of order) {
    crc = crc32Combine(crc, b.crcs[i]!, b.sizes[i]!);
    size += b.sizes[i]!;
  }
  return { deflated: orderedBytes(b, order), crc, size };
}

/**
 * The XLSX delivery of the planned sheets from the party's copy, stamped (write-xlsx.ts): each data
 * sheet's rows are its blocks' compressed runs in the download's order, one deflated piece per block.
 */
export function xlsxFromPartyCopy(blocks: AsyncIterable<RunBlock>, plans: SheetPlan[], orderKey: Buffer, stamp: XlsxStamp): Readable {
  const iterator = blocks[Symbol.asyncIterator]();
  // A block of the next sheet, read while the sheet before it was being written.
  let pending: RunBlock | null = null;
  async function* rowsOf(sheet: number): AsyncGenerator<DeflatedRun> {
    for (;;) {
      const b: RunBlock | undefined = pending ?? (await iterator.next()).value;
      pending = null;
      if (!b) return;
      if (b.sheet > sheet) {
        pending = b;
        return;
      }
      if (b.sheet === sheet) yield orderedRuns(b, orderKey);
    }
  }
  async function* sheets() {
    try {
      for (const plan of plans) yield { name: plan.name, header: plan.header, deflatedRows: () => rowsOf(plan.sheet) };
    } finally {
      await iterator.return?.(undefined);
    }
  }
  return writeXlsxWorkbook(sheets(), stamp);
}
