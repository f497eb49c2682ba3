import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
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
 * Layout: the 8 bytes `GHCOPY2\n`, then segments (row-store.ts writeSegment):
 * - 2, a block: sheet, block number, runs n, the CRC-32 of the rest of the segment (u32 LE each), then
 *   n × u32 LE of each of: the run's number in the block, where its bytes end, its CRC-32 and its size
 *   unpacked (both 0 for CSV), then the bytes;
 * - 3, the end: the number of blocks before it (u32 LE); a copy without it is not read.
 * A copy is read only as it was written (readPartyCopy): a block whose CRC-32 does not match, or an end
 * that does not count the blocks read, is an error, never rows sent as they are. Nothing else checks a
 * copy's bytes on their way out: a byte changed on disk would go out as a wrong value (or, in XLSX, a
 * corrupt workbook), a sheet number changed would silently drop a block's rows.
 *
 * The copy's key (partyCopyKeyOf) is a hash of everything that decides its bytes — the format, the
 * party (whose pseudonyms it holds), the room's secret, each sheet's columns and treatments and the
 * stored values of the entity column whose rows it holds — so a plan that changes (an NDA narrowed, a
 * column classified again, a grant's personal-data level) is another copy, never an old one served.
 * A party keeps one copy per version and format: a new one replaces the one before. Copies are deleted
 * with the version (documents/lifecycle.ts) and tied to it by the orphan sweeper (its key's prefix).
 */

const MAGIC = Buffer.from('GHCOPY2\n', 'latin1');
const BLOCK = 2;
const END = 3;
const BLOCK_HEAD = 16;
/** Where a block's CRC-32 is in its head: it covers the head before it and everything after it. */
const BLOCK_CRC = 12;
const LAYOUT = 2;
/** No segment has this kind: readSegments hands every segment over, the end included, to be checked here. */
const NO_KIND = -1;

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
    const written = writer.write(b);
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
  head.writeUInt32LE(crc32(b.bytes, crc32(head.subarray(BLOCK_CRC + 4), crc32(head.subarray(0, BLOCK_CRC)))), BLOCK_CRC);
  return [head, b.bytes];
}

/** The CRC-32 a block's segment body says it has, against the one of its bytes. */
function blockIntact(body: Uint8Array): boolean {
  if (body.byteLength < BLOCK_HEAD) return false;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = view.getUint32(8, true);
  if (body.byteLength < BLOCK_HEAD + n * 16) return false;
  const crc = crc32(body.subarray(BLOCK_CRC + 4), crc32(body.subarray(0, BLOCK_CRC)));
  return crc === view.getUint32(BLOCK_CRC, true);
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

/**
 * A stored copy's blocks, each checked before it is handed over, and the end checked to count them; a
 * block's bytes are valid until the next is asked for. A copy that is not as it was written throws.
 */
async function* readPartyCopy(stream: Readable): AsyncGenerator<RunBlock> {
  let blocks = 0;
  for await (const { kind, body } of readSegments(stream, MAGIC, NO_KIND)) {
    if (kind === END) {
      if (body.byteLength !== 4 || new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true) !== blocks) throw new Error("A party's copy does not end where it should.");
      return;
    }
    if (kind !== BLOCK) throw new Error(`Unknown segment ${kind} in a party's copy.`);
    if (!blockIntact(body)) throw new Error("A block of a party's copy is damaged.");
    blocks++;
    yield blockOf(body);
  }
}

/**
 * Passes `blocks` on and stores them under `key` as they go; once the last has gone, the copy is
 * stored whole and the party's other copies of the version in this format are deleted. A delivery
 * left early, or a store that fails, stores nothing (the object store keeps no object of a failed
 * put): the next delivery makes the copy again. A version deleted while its copy was being made keeps
 * none: documents/lifecycle.ts deletes the copies it finds once the version is gone, and the copy is
 * asked after it is stored whether its version still is, so one or the other sees it.
 */
async function* storedAsTheyGo(store: ObjectStore, key: string, prefix: string, blocks: AsyncIterable<RunBlock>, versionStillStored: () => Promise<boolean>): AsyncGenerator<RunBlock> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let failed = false;
  const put = store.put(key, out).catch(() => {
    failed = true;
  });
  let whole = false;
  let count = 0;
  try {
    out.write(MAGIC);
    for await (const block of blocks) {
      // The copy waits for the store no longer than the download waits for its reader.
      if (!failed) await writeSegment(out, BLOCK, blockSegment(block));
      count++;
      yield block;
    }
    whole = true;
  } finally {
    if (whole && !failed) {
      const end = Buffer.alloc(4);
      end.writeUInt32LE(count, 0);
      await writeSegment(out, END, [end]);
      out.end();
    } else out.destroy();
    await put;
  }
  if (failed) return;
  if (!(await versionStillStored().catch(() => true))) {
    await store.delete(key).catch(() => undefined);
    return;
  }
  for await (const other of store.list(prefix)) if (other.key !== key) await store.delete(other.key).catch(() => undefined);
}

/** Copies being made by this process, so that deliveries of one plan arriving together store it once. */
const making = new Set<string>();

/**
 * The party's copy of the planned sheets of a version, block by block: read from the object store, or,
 * when it is not there yet, made from the version's row store (`rowStore`, opened only then) and stored
 * as it goes (unless this process is making it for another delivery already), and kept only if its
 * version is still stored once it is (`versionStillStored`, storedAsTheyGo).
 *
 * A stored copy that cannot be read as it was written (readPartyCopy) is deleted, so that the party's
 * next download makes it again rather than fail for good. Found before any of its blocks went out, it
 * is made again for this delivery; found later, this delivery fails, cut short: rows already sent in
 * this download's order cannot be taken back, and the rest must not go out wrong.
 */
export async function* partyCopy(
  store: ObjectStore,
  objectKey: string,
  format: DatasetFormat,
  plans: SheetPlan[],
  optionsOf: (plan: SheetPlan) => StoredRowsOptions,
  rowStore: () => AsyncIterable<RowStoreEntry>,
  versionStillStored: () => Promise<boolean> = async () => true,
): AsyncGenerator<RunBlock> {
  const { roomSecret, partyId } = optionsOf(plans[0]!);
  const key = partyCopyKeyOf(objectKey, format, plans, { roomSecret, partyId });
  let stored: Readable | null = null;
  try {
    stored = await store.get(key);
  } catch (err) {
    if (!(err instanceof ObjectNotFoundError)) throw err;
  }
  if (stored) {
    const blocks = readPartyCopy(stored);
    let sent = false;
    try {
      for (;;) {
        let next: IteratorResult<RunBlock>;
        try {
          next = await blocks.next();
        } catch (err) {
          await store.delete(key).catch(() => undefined);
          if (sent) throw err;
          break;
        }
        if (next.done) return;
        sent = true;
        yield next.value;
      }
    } finally {
      await blocks.return(undefined);
    }
  }
  const runs = runsFromRowStore(rowStore(), plans, optionsOf, format);
  if (making.has(key)) return yield* runs;
  making.add(key);
  try {
    yield* storedAsTheyGo(store, key, partyCopyPrefixOf(objectKey, format, partyId), runs, versionStillStored);
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
