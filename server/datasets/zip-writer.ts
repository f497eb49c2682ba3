import type { PassThrough } from 'node:stream';
import { constants, crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

/**
 * A zip archive written as a stream (an XLSX delivery): each entry deflated as its bytes come, its
 * sizes and CRC in a data descriptor after it (general purpose bit 3), the central directory at the
 * end. Writing waits for the compressor and for the reader of the archive, so memory holds a chunk
 * or two whatever the entry's size and the download's speed.
 *
 * No Zip64: an entry or an archive past 4 GiB is refused (an error of the download), far beyond what a
 * spreadsheet opens (Excel's 1,048,576 rows of a wide sheet unpack to about 1.5 GB).
 */

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** Sizes in a data descriptor (bit 3), names in UTF-8 (bit 11). */
const FLAGS = 0x0808;
const DEFLATED = 8;
const VERSION = 20;
const MAX_32 = 0xffffffff;
/** Pieces of an entry handed to the compressor and not compressed yet, at most; and their bytes, at most. */
const PIECES_IN_FLIGHT = 2;
const PENDING_INPUT = 8 << 20;

/**
 * Bytes compressed ahead of an archive (party-copy.ts): a run of raw deflate blocks ending on a byte
 * boundary without the final-block mark (a full flush), made from `size` bytes whose CRC-32 is `crc`.
 * Such runs, each compressed with no reference to bytes before it, follow one another in a deflate
 * stream in any order; deflatedEntry ends the stream.
 */
export interface DeflatedRun {
  deflated: Buffer;
  crc: number;
  size: number;
}

/** zlib's level for runs compressed once and sent many times: its default, which Excel uses too. */
export const RUN_DEFLATE_LEVEL = 6;

/** `raw` as a deflated run (DeflatedRun): compressed on its own, ending in a full flush. */
export function deflateRun(raw: Buffer, level = RUN_DEFLATE_LEVEL): DeflatedRun {
  return { deflated: deflateRawSync(raw, { level, finishFlush: constants.Z_FULL_FLUSH }), crc: crc32(raw), size: raw.length };
}

/** An empty final block with fixed codes: the end of a deflate stream made of runs. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** x^(2^n) modulo the CRC-32 polynomial, n = 0…31 (zlib's x2n_table), for crc32Combine. */
const X2N = new Uint32Array(32);

/** a × b modulo the CRC-32 polynomial (reflected, as zlib's multmodp). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ 0xedb88320 : b >>> 1;
  }
  return p >>> 0;
}

{
  let p = 0x40000000; // x^1
  X2N[0] = p;
  for (let n = 1; n < 32; n++) X2N[n] = p = multModP(p, p);
}

/**
 * The CRC-32 of two byte strings one after the other, from the CRC of each and the second's length
 * (zlib's crc32_combine, which Node does not expose): the first CRC times x^(8 × length2), plus the
 * second. A deflated run's CRC is known without its bytes, so a delivery made of runs in its own order
 * is checksummed without inflating or reading them again.
 */
export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  // x^(8 × length2): the product of x^(2^k) over the bits k of length2, starting at 2^3.
  let p = 0x80000000; // x^0
  let n = 3;
  for (let k = length2; k > 0; k = Math.floor(k / 2), n++) if (k % 2 === 1) p = multModP(X2N[n & 31]!, p);
  return (multModP(p, crc1) ^ crc2) >>> 0;
}

/** The archive's reader has gone: writing stops, and the caller lets go of what it was writing. */
export class ArchiveAbandoned extends Error {}

interface Written {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Resolves on the first of `events` of `emitter` (an 'error' included), leaving no listener behind. */
function firstOf(emitter: NodeJS.EventEmitter, events: string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of events) emitter.off(event, done);
      resolve();
    };
    for (const event of events) emitter.on(event, done);
  });
}

/** DOS date and time of `at` (local fields as UTC: the archive says nothing about zones). */
function dosDateTime(at: Date): { date: number; time: number } {
  return {
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
  };
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: Written[] = [];
  private readonly stamp: { date: number; time: number };

  constructor(
    private readonly output: PassThrough,
    /** zlib's level for every entry. */
    private readonly level: number,
    at = new Date(),
  ) {
    this.stamp = dosDateTime(at);
  }

  /** Writes bytes to the archive, waiting while its reader is behind; throws ArchiveAbandoned once it has gone. */
  private async put(bytes: Buffer): Promise<void> {
    if (this.output.destroyed) throw new ArchiveAbandoned();
    this.offset += bytes.length;
    if (this.offset > MAX_32) throw new Error('The archive would pass 4 GiB, which a zip without Zip64 cannot hold.');
    if (!this.output.write(bytes)) await firstOf(this.output, ['drain', 'close']);
    if (this.output.destroyed) throw new ArchiveAbandoned();
  }

  /**
   * One entry: `write` is given a function that takes the entry's bytes, chunk by chunk, and resolves
   * when the compressor is ready for more.
   */
  async entry(name: string, write: (put: (chunk: Buffer) => Promise<void>) => Promise<void>): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.offset;
    await this.put(this.localHeader(nameBytes));

    const deflate = createDeflateRaw({ level: this.level, chunkSize: 1 << 18 });
    let crc = 0;
    let size = 0;
    let compressed = 0;
    let failure: Error | null = null;
    const inFlight: Array<Promise<void>> = [];
    const stopped = firstOf(deflate, ['close', 'error']);
    // The compressed bytes go out as they come; while the archive's reader is behind, the compressor is paused.
    const sent = (async () => {
      for await (const chunk of deflate) {
        compressed += (chunk as Buffer).length;
        await this.put(chunk as Buffer);
      }
    })().catch((err: unknown) => {
      failure = err instanceof Error ? err : new Error(String(err));
      deflate.destroy();
    });
    const take = async (chunk: Buffer) => {
      if (failure) throw failure;
      if (chunk.length === 0) return;
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (size > MAX_32) throw new Error('A part of the workbook would pass 4 GiB, which a zip without Zip64 cannot hold.');
      // The compressor runs on libuv's pool while the next rows are made: a piece may wait for it while
      // the next is made, and the writer waits for the one before that (zlib's own mark, 16 KiB, would
      // stop it at every piece, until the compressor had nothing left to do).
      inFlight.push(new Promise<void>((resolve) => deflate.write(chunk, () => resolve())));
      if (inFlight.length > PIECES_IN_FLIGHT || deflate.writableLength > PENDING_INPUT) await Promise.race([inFlight.shift()!, stopped]);
      if (failure) throw failure;
    };
    try {
      await write(take);
    } catch (err) {
      deflate.destroy();
      await sent;
      throw err;
    }
    deflate.end();
    await sent;
    if (failure) throw failure;

    await this.endEntry(nameBytes, offset, crc, compressed, size);
  }

  /**
   * One entry from runs compressed ahead (DeflatedRun), in the order given: their bytes copied, the
   * entry's CRC combined from theirs, and the stream ended with an empty final block.
   */
  async deflatedEntry(name: string, runs: AsyncIterable<DeflatedRun>): Promise<void> {
    const nameBytes = Buffer.from(name, 'utf8');
    const offset = this.offset;
    await this.put(this.localHeader(nameBytes));
    let crc = 0;
    let size = 0;
    let compressed = 0;
    for await (const run of runs) {
      crc = crc32Combine(crc, run.crc, run.size);
      size += run.size;
      if (size > MAX_32) throw new Error('A part of the workbook would pass 4 GiB, which a zip without Zip64 cannot hold.');
      compressed += run.deflated.length;
      await this.put(run.deflated);
    }
    compressed += FINAL_BLOCK.length;
    await this.put(FINAL_BLOCK);
    await this.endEntry(nameBytes, offset, crc, compressed, size);
  }

  private localHeader(nameBytes: Buffer): Buffer {
    const head = Buffer.alloc(30);
    head.writeUInt32LE(LOCAL_HEADER, 0);
    head.writeUInt16LE(VERSION, 4);
    head.writeUInt16LE(FLAGS, 6);
    head.writeUInt16LE(DEFLATED, 8);
    head.writeUInt16LE(this.stamp.time, 10);
    head.writeUInt16LE(this.stamp.date, 12);
    head.writeUInt16LE(nameBytes.length, 26);
    return Buffer.concat([head, nameBytes]);
  }

  /** The data descriptor after an entry's bytes, and the entry noted for the central directory. */
  private async endEntry(nameBytes: Buffer, offset: number, crc: number, compressed: number, size: number): Promise<void> {
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.put(descriptor);
    this.entries.push({ name: nameBytes, crc: crc >>> 0, compressed, size, offset });
  }

  /** A whole entry at once. */
  async file(name: string, content: string | Buffer): Promise<void> {
    await this.entry(name, (put) => put(typeof content === 'string' ? Buffer.from(content, 'utf8') : content));
  }

  /** The central directory and its end: the archive is whole, and the output ended. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CENTRAL_HEADER, 0);
      h.writeUInt16LE(VERSION, 4);
      h.writeUInt16LE(VERSION, 6);
      h.writeUInt16LE(FLAGS, 8);
      h.writeUInt16LE(DEFLATED, 10);
      h.writeUInt16LE(this.stamp.time, 12);
      h.writeUInt16LE(this.stamp.date, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE(e.offset, 42);
      await this.put(Buffer.concat([h, e.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.put(end);
    this.output.end();
  }
}
