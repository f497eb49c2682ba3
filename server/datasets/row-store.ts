import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import type { DatasetEvent, DatasetFormat } from './dataset-types.js';
import { BLOCK_ROWS } from './fingerprint.js';
import { readDataset } from './read-dataset.js';
import { csvField, unescapeCsvCell } from './write-csv.js';

/**
 * A version's rows as deliveries read them: written once, beside the stored file, from the one read
 * of it that the reader's rules allow (read-dataset.ts), so that a delivery, a grid page or a trace
 * of the version parses no CSV and no workbook XML again.
 *
 * The rows are kept in the blocks of BLOCK_ROWS stored rows that the fingerprint orders
 * (fingerprint.ts), each block in one piece: its rows as the CSV lines a delivery writes for them
 * (every cell escaped as write-csv.ts escapes it, formula prefix and RFC 4180 quoting included, cells
 * joined by commas, no line end), and the offset where each cell ends. A CSV delivery copies the runs
 * of cells it delivers as stored straight from those bytes; every other reader unescapes the cells
 * back to the stored text (rowStoreEvents), which escaping never loses (escapeCsvCell is a bijection).
 *
 * Layout: the 8 bytes `GHROWS1\n`, then segments, each a kind byte, the body's length (u32 LE) and
 * the body:
 * - 1, a sheet: the JSON `{ sheet, name, header }` (as the reader announced it);
 * - 2, a block: sheet, block number, rows, columns (u32 LE each), then rows × columns cell ends
 *   (u32 LE, offsets into the lines), then the lines;
 * - 3, the end: nothing; a store without it is not read (a write cut short never becomes visible in
 *   the object store, but the mark makes sure).
 *
 * It holds the version's personal data as stored, so it is kept and removed as the stored file is:
 * beside it in the object store, under the version's key with a suffix (rowStoreKeyOf), which the
 * orphan sweeper ties to the version's row (maintenance/orphan-sweeper.ts uploadKeyOf). Nothing
 * serves it: no route takes a key, and only this module reads it.
 */

const MAGIC = Buffer.from('GHROWS1\n', 'latin1');
const SHEET = 1;
const BLOCK = 2;
const END = 3;
const SEGMENT_HEAD = 5;
const BLOCK_HEAD = 16;

/** Where a version's row store lives: beside its stored file, named for this layout. */
export const rowStoreKeyOf = (objectKey: string): string => `${objectKey}.rows-v1`;

/** One block of a sheet's stored rows: the delivered CSV lines of its rows, and where each cell ends. */
export interface RowBlock {
  sheet: number;
  /** The block's number: its rows are the sheet's rows block × BLOCK_ROWS onwards. */
  block: number;
  rows: number;
  columns: number;
  /** Cell c of row r ends at ends[r × columns + c] in `lines` (exclusive); the next cell begins one byte (the comma) later. */
  ends: Uint32Array;
  lines: Buffer;
}

export type RowStoreEntry = { kind: 'sheet'; sheet: number; name: string; header: string[] } | { kind: 'block'; block: RowBlock };

/** Where row r of a block begins in its lines. */
export const rowStart = (b: RowBlock, r: number): number => (r === 0 ? 0 : b.ends[r * b.columns - 1]!);

/** Where cell c of row r of a block begins in its lines. */
export const cellStart = (b: RowBlock, r: number, c: number): number => (c === 0 ? rowStart(b, r) : b.ends[r * b.columns + c - 1]! + 1);

/** The stored text of cell c of row r: its delivered CSV field unquoted and unescaped. */
export function storedCell(b: RowBlock, r: number, c: number): string {
  const start = cellStart(b, r, c);
  const end = b.ends[r * b.columns + c]!;
  if (start === end) return '';
  const first = b.lines[start];
  const field = b.lines.toString('utf8', start, end);
  if (first === 0x22 /* " */) return unescapeCsvCell(field.slice(1, -1).replaceAll('""', '"'));
  return first === 0x27 /* ' */ ? unescapeCsvCell(field) : field;
}

/**
 * Writes one segment (a kind byte, the body's length as u32 LE, the body in `parts`) to `out`, waiting
 * while its reader is behind. The row store and a party's copy (party-copy.ts) are made of them.
 */
export async function writeSegment(out: PassThrough, kind: number, parts: Buffer[]): Promise<void> {
  const head = Buffer.alloc(SEGMENT_HEAD);
  head[0] = kind;
  head.writeUInt32LE(parts.reduce((n, p) => n + p.length, 0), 1);
  let ok = out.write(head);
  for (const p of parts) ok = out.write(p) && ok;
  if (!ok && !out.destroyed) await Promise.race([once(out, 'drain'), once(out, 'close')]);
}

/** Segments of the store being written, kept in memory until a block is whole. */
class RowStoreWriter {
  private sheet = -1;
  private columns = 0;
  private block = -1;
  private rows = 0;
  private ends: number[] = [];
  private lines: Buffer[] = [];
  private length = 0;

  constructor(private readonly out: PassThrough) {}

  private push(kind: number, parts: Buffer[]): Promise<void> {
    return writeSegment(this.out, kind, parts);
  }

  async begin(): Promise<void> {
    this.out.write(MAGIC);
  }

  async add(event: DatasetEvent): Promise<void> {
    if (event.kind === 'sheet') {
      await this.flush();
      this.sheet = event.sheet;
      this.columns = event.header.length;
      await this.push(SHEET, [Buffer.from(JSON.stringify({ sheet: event.sheet, name: event.name, header: event.header }), 'utf8')]);
      return;
    }
    const { index, cells } = event.row;
    const block = Math.floor(index / BLOCK_ROWS);
    if (block !== this.block) {
      await this.flush();
      this.block = block;
    }
    // The reader gives every row the header's width; the lines are written at exactly that width.
    let line = '';
    let end = this.length;
    for (let c = 0; c < this.columns; c++) {
      const field = csvField(cells[c] ?? '');
      if (c > 0) {
        line += ',';
        end++;
      }
      line += field;
      end += Buffer.byteLength(field, 'utf8');
      this.ends.push(end);
    }
    const bytes = Buffer.from(line, 'utf8');
    this.lines.push(bytes);
    this.length += bytes.length;
    this.rows++;
  }

  private async flush(): Promise<void> {
    if (this.rows === 0) return;
    const head = Buffer.alloc(BLOCK_HEAD);
    head.writeUInt32LE(this.sheet, 0);
    head.writeUInt32LE(this.block, 4);
    head.writeUInt32LE(this.rows, 8);
    head.writeUInt32LE(this.columns, 12);
    const ends = Buffer.alloc(this.ends.length * 4);
    for (let i = 0; i < this.ends.length; i++) ends.writeUInt32LE(this.ends[i]!, i * 4);
    const parts = [head, ends, ...this.lines];
    this.rows = 0;
    this.ends = [];
    this.lines = [];
    this.length = 0;
    await this.push(BLOCK, parts);
  }

  async end(): Promise<void> {
    await this.flush();
    await this.push(END, []);
    this.out.end();
  }
}

/**
 * Consumes `events` (a read of the stored file) and writes the row store under `key`, passing every
 * event on to `each` (the description made in the same read, at upload). A read that fails stores
 * nothing (the object store keeps no object of a failed put) and throws the read's error.
 */
export async function writeRowStore(store: ObjectStore, key: string, events: AsyncIterable<DatasetEvent>, each: (event: DatasetEvent) => void = () => undefined): Promise<void> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const stored = store.put(key, out);
  // Until the read fails or ends, the put's own failure (the store down) is only seen here.
  let putFailed: unknown = null;
  stored.catch((err: unknown) => {
    putFailed = err;
    out.destroy();
  });
  const writer = new RowStoreWriter(out);
  try {
    await writer.begin();
    for await (const event of events) {
      if (putFailed) break;
      each(event);
      await writer.add(event);
    }
    if (!putFailed) await writer.end();
  } catch (err) {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
    await stored.catch(() => undefined);
    throw err;
  }
  await stored;
}

/** Bytes read ahead of the delivery from the store: the next block or two, read while this one is written. */
const READ_AHEAD = 4 << 20;

/**
 * Reads exactly `n` bytes from a stream, reading ahead up to READ_AHEAD bytes (the stream flows until
 * then and is paused beyond), so the store's reads overlap the writing of the rows before them.
 */
class ExactReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly stream: Readable) {
    const notify = () => {
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= READ_AHEAD) stream.pause();
      notify();
    });
    stream.on('end', () => {
      this.ended = true;
      notify();
    });
    stream.on('error', (err) => {
      this.failure = err;
      notify();
    });
  }

  /** The array `read(n, true)` reads into, grown as needed. */
  private reused = new Uint8Array(0);

  /**
   * `n` bytes in an unpooled array of their own (so typed views of it are aligned), or null at a clean
   * end of the stream. With `reuse`, the same array every time (its first n bytes): valid until the next
   * read, which spares a delivery an allocation of every block it reads.
   */
  async read(n: number, reuse = false): Promise<Uint8Array | null> {
    while (this.buffered < n) {
      if (this.failure) throw this.failure;
      if (this.ended) {
        if (this.buffered === 0) return null;
        throw new Error('The row store ends in the middle of a segment.');
      }
      this.stream.resume();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (reuse && this.reused.length < n) this.reused = new Uint8Array(Math.max(n, this.reused.length * 2));
    const out = reuse ? this.reused.subarray(0, n) : new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length, n - at);
      out.set(take === chunk.length ? chunk : chunk.subarray(0, take), at);
      at += take;
      if (take === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(take);
    }
    this.buffered -= n;
    if (this.buffered < READ_AHEAD && !this.ended) this.stream.resume();
    return out;
  }

  close(): void {
    this.stream.destroy();
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function blockOf(body: Uint8Array): RowBlock {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const sheet = view.getUint32(0, true);
  const block = view.getUint32(4, true);
  const rows = view.getUint32(8, true);
  const columns = view.getUint32(12, true);
  const cells = rows * columns;
  let ends: Uint32Array;
  if (LITTLE_ENDIAN) ends = new Uint32Array(body.buffer, body.byteOffset + BLOCK_HEAD, cells);
  else {
    ends = new Uint32Array(cells);
    for (let i = 0; i < cells; i++) ends[i] = view.getUint32(BLOCK_HEAD + i * 4, true);
  }
  const linesAt = BLOCK_HEAD + cells * 4;
  return { sheet, block, rows, columns, ends, lines: Buffer.from(body.buffer, body.byteOffset + linesAt, body.byteLength - linesAt) };
}

/**
 * The entries of a row store, one block in memory at a time: a block's arrays are valid until the next
 * entry is asked for (they are read into the same memory), so a reader takes what it needs of a block
 * before it asks for the next. The stream is closed however the iteration ends.
 */
export async function* readRowStore(stream: Readable): AsyncGenerator<RowStoreEntry> {
  for await (const { kind, body } of readSegments(stream, MAGIC, END)) {
    if (kind === SHEET) {
      const { sheet, name, header } = JSON.parse(Buffer.from(body).toString('utf8')) as { sheet: number; name: string; header: string[] };
      yield { kind: 'sheet', sheet, name, header };
    } else if (kind === BLOCK) yield { kind: 'block', block: blockOf(body) };
    else throw new Error(`Unknown segment ${kind} in the row store.`);
  }
}

/**
 * The segments (writeSegment) of a file that begins with `magic` and ends with a segment of kind `end`,
 * one in memory at a time: a body is valid until the next segment is asked for (they are read into the
 * same memory, an unpooled array, so typed views of it are aligned). A file without its end mark is an
 * error. The stream is closed however the iteration ends.
 */
export async function* readSegments(stream: Readable, magic: Buffer, end: number): AsyncGenerator<{ kind: number; body: Uint8Array }> {
  const reader = new ExactReader(stream);
  try {
    const head0 = await reader.read(magic.length);
    if (!head0 || !magic.equals(head0)) throw new Error('Not a file of this layout.');
    for (;;) {
      const head = await reader.read(SEGMENT_HEAD);
      if (!head) throw new Error('The file ends before its end mark.');
      const length = new DataView(head.buffer).getUint32(1, true);
      const body = (await reader.read(length, true)) ?? new Uint8Array(0);
      if (head[0] === end) return;
      yield { kind: head[0]!, body };
    }
  } finally {
    reader.close();
  }
}

/** Row stores being built by this process, so that deliveries of an old version arriving together build it once. */
const building = new Map<string, Promise<void>>();

/**
 * The row store of the version stored under `objectKey`, as a stream; built first from the stored file
 * when the version was stored before row stores were (or its store was lost): the first delivery of
 * such a version reads the file once more, every later one reads the rows.
 */
export async function openRowStore(store: ObjectStore, objectKey: string, format: DatasetFormat): Promise<Readable> {
  const key = rowStoreKeyOf(objectKey);
  try {
    return await store.get(key);
  } catch (err) {
    if (!(err instanceof ObjectNotFoundError)) throw err;
  }
  let build = building.get(key);
  if (!build) {
    build = writeRowStore(store, key, readDataset(() => store.get(objectKey), format)).finally(() => building.delete(key));
    building.set(key, build);
  }
  await build;
  return store.get(key);
}

/** The row store's entries as the reader's events: what readDataset gives of the stored file, without reading it. */
export async function* rowStoreEvents(entries: AsyncIterable<RowStoreEntry>): AsyncGenerator<DatasetEvent> {
  for await (const entry of entries) {
    if (entry.kind === 'sheet') {
      yield entry;
      continue;
    }
    const b = entry.block;
    for (let r = 0; r < b.rows; r++) {
      const cells = new Array<string>(b.columns);
      for (let c = 0; c < b.columns; c++) cells[c] = storedCell(b, r, c);
      yield { kind: 'row', row: { sheet: b.sheet, index: b.block * BLOCK_ROWS + r, cells } };
    }
  }
}

/** The version's events from its row store (built first if need be): readDataset's, without the parsing. */
export async function* storedRows(store: ObjectStore, objectKey: string, format: DatasetFormat): AsyncGenerator<DatasetEvent> {
  yield* rowStoreEvents(readRowStore(await openRowStore(store, objectKey, format)));
}
