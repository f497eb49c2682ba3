import { createInflateRaw } from 'node:zlib';
import { NotADatasetError } from './dataset-types.js';

/**
 * The entries of a zip archive (an XLSX workbook), read front to back from a stream and inflated
 * under a budget: the stored file is never held whole, in memory or on disk.
 *
 * Why not unzipper, which exceljs's streaming reader uses: spreadsheet programs (LibreOffice,
 * exceljs) write entries whose sizes follow their data ("data descriptors"), and unzipper finds the
 * end of such an entry by searching the compressed bytes for the descriptor's signature — bytes a
 * deflate stream contains by chance about once in 4 GB, so about one 10 MB workbook in 400 would
 * be cut short. A deflate stream marks its own end, and zlib reports how many bytes it used up to
 * there, so this reader needs no guess.
 */

export interface ZipBudget {
  maxEntries: number;
  /** Bytes all entries together may inflate to. */
  maxInflatedBytes: number;
  /** Inflated bytes ÷ compressed bytes read so far, once more than `ratioAllowanceBytes` are inflated. */
  maxCompressionRatio: number;
  ratioAllowanceBytes: number;
}

export interface ZipEntry {
  name: string;
  /**
   * The entry's bytes, inflated. Read them to the end or not at all: an entry left alone is skipped
   * (still inflated, and counted, to find where the next one starts).
   */
  content: AsyncIterable<Buffer>;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const DATA_DESCRIPTOR = 0x08074b50;
const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const STORED = 0;
const DEFLATED = 8;
const ZIP64_EXTRA = 0x0001;
/**
 * zlib turns one write into all of its output at once, whatever the reader downstream wants; a
 * small write bounds that burst to ~1,000 times its size (deflate's largest ratio): 16 MB here.
 */
const FEED_BYTES = 16 * 1024;

const unreadable = (message: string) => new NotADatasetError('unreadable', message);
/** A size as people read it: whole megabytes, or bytes below one. */
export const sizeText = (bytes: number) => (bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MB` : `${bytes.toLocaleString('en')} bytes`);

/**
 * The caller owns the stream `chunks` come from and destroys it when done: stopping early here must
 * not wait on a read of it that may never come.
 */
export async function* zipEntries(chunks: AsyncIterable<Buffer>, budget: ZipBudget): AsyncGenerator<ZipEntry> {
  const reader = new ByteReader(chunks[Symbol.asyncIterator]());
  let inflated = 0;
  const count = (bytes: number) => {
    inflated += bytes;
    if (inflated > budget.maxInflatedBytes) throw unreadable(`The workbook unpacks to more than ${sizeText(budget.maxInflatedBytes)}.`);
    if (inflated > budget.ratioAllowanceBytes && inflated > budget.maxCompressionRatio * reader.consumed) {
      throw unreadable(`The workbook unpacks to more than ${budget.maxCompressionRatio} times its size, as only a zip bomb does.`);
    }
  };
  for (let entries = 0; ; entries++) {
    const signature = await reader.read(4);
    if (!signature) throw unreadable(entries === 0 ? 'The file is empty.' : 'The zip archive ends before its directory: the file is cut short.');
    const kind = signature.readUInt32LE(0);
    if (kind === CENTRAL_HEADER || kind === END_OF_CENTRAL_DIRECTORY || kind === ZIP64_END_OF_CENTRAL_DIRECTORY) {
      // The directory repeats what the entries said; its end is read only to tell a whole file
      // from one cut short (an upload broken off in the directory has every entry).
      reader.unread(signature);
      await assertEndOfDirectory(reader);
      return;
    }
    if (kind !== LOCAL_HEADER) throw unreadable(entries === 0 ? 'The file is not a zip archive, as an XLSX workbook is.' : 'The zip archive is corrupt (an entry does not start where the previous one ends).');
    if (entries === budget.maxEntries) throw unreadable(`The zip archive holds more than ${budget.maxEntries.toLocaleString('en')} entries.`);

    const header = await reader.readExactly(26);
    const flags = header.readUInt16LE(2);
    const method = header.readUInt16LE(4);
    let compressedSize = header.readUInt32LE(14);
    const name = (await reader.readExactly(header.readUInt16LE(22))).toString('utf8');
    const extra = await reader.readExactly(header.readUInt16LE(24));
    const zip64 = zip64Sizes(extra, header.readUInt32LE(18), compressedSize);
    if (zip64) compressedSize = zip64.compressedSize;
    if (flags & 0x41) throw new NotADatasetError('encrypted', 'The workbook is encrypted: save it without a password and upload it again.');
    const sizeFollows = (flags & 0x08) !== 0;

    let body: AsyncGenerator<Buffer>;
    if (method === DEFLATED) body = inflate(reader, count, sizeFollows ? null : compressedSize);
    else if (method === STORED && !(sizeFollows && compressedSize === 0)) body = stored(reader, count, compressedSize);
    else throw unreadable(`The zip archive stores "${name}" in a way no spreadsheet program does (method ${method}).`);

    let state: 'untouched' | 'reading' | 'done' = 'untouched';
    const content = async function* () {
      state = 'reading';
      yield* body;
      state = 'done';
    };
    yield { name, content: content() };
    if (state === 'untouched') for await (const _ of body);
    // Only a bug leaves an entry half-read: the next header would be looked for in its middle.
    else if (state === 'reading') throw new Error(`zip entry ${name} was left half-read`);

    if (sizeFollows) {
      const first = await reader.readExactly(4);
      // The descriptor's own signature is optional: without it, these are the CRC's bytes.
      if (first.readUInt32LE(0) !== DATA_DESCRIPTOR) reader.unread(first);
      await reader.readExactly(zip64 ? 20 : 12);
    }
  }
}

/** The directory of 10,000 entries with long names is a few MB; the end record may carry a 64 KB comment. */
const MAX_DIRECTORY_BYTES = 16 * 2 ** 20;
const END_RECORD_BYTES = 22;

async function assertEndOfDirectory(reader: ByteReader): Promise<void> {
  let tail = Buffer.alloc(0);
  let read = 0;
  for (let chunk = await reader.next(FEED_BYTES); chunk; chunk = await reader.next(FEED_BYTES)) {
    read += chunk.length;
    if (read > MAX_DIRECTORY_BYTES) throw unreadable('The zip archive has more after its entries than a directory.');
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > END_RECORD_BYTES + 0xffff) tail = tail.subarray(tail.length - END_RECORD_BYTES - 0xffff);
  }
  for (let at = tail.lastIndexOf(END_SIGNATURE); at !== -1; at = at === 0 ? -1 : tail.lastIndexOf(END_SIGNATURE, at - 1)) {
    if (at + END_RECORD_BYTES <= tail.length && at + END_RECORD_BYTES + tail.readUInt16LE(at + 20) === tail.length) return;
  }
  throw unreadable('The zip archive ends before the end of its directory: the file is cut short.');
}

/** The sizes of a ZIP64 entry, whose header says 0xFFFFFFFF and keeps them in an extra field. */
function zip64Sizes(extra: Buffer, size: number, compressedSize: number): { compressedSize: number } | null {
  for (let at = 0; at + 4 <= extra.length; at += 4 + extra.readUInt16LE(at + 2)) {
    if (extra.readUInt16LE(at) !== ZIP64_EXTRA) continue;
    let field = at + 4;
    if (size === 0xffffffff) field += 8;
    if (compressedSize === 0xffffffff) {
      if (field + 8 > extra.length) throw unreadable('The zip archive is corrupt (a ZIP64 size is missing).');
      return { compressedSize: Number(extra.readBigUInt64LE(field)) };
    }
    return { compressedSize };
  }
  return null;
}

async function* stored(reader: ByteReader, count: (bytes: number) => void, size: number): AsyncGenerator<Buffer> {
  for (let left = size; left > 0; ) {
    const chunk = await reader.next(Math.min(left, FEED_BYTES));
    if (!chunk) throw unreadable('The zip archive ends in the middle of an entry: the file is cut short.');
    left -= chunk.length;
    count(chunk.length);
    yield chunk;
  }
}

/**
 * Inflates one entry up to the end its deflate stream marks. The bytes zlib did not use (it stops
 * there, and says how many it took) go back to the reader: they are the next header.
 */
async function* inflate(reader: ByteReader, count: (bytes: number) => void, compressedSize: number | null): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw();
  const start = reader.consumed;
  let fed = 0;
  const feeding = (async () => {
    for (;;) {
      const chunk = await reader.next(FEED_BYTES);
      if (!chunk) {
        inflater.end(); // zlib then reports the stream cut short, if it is
        return;
      }
      await new Promise<void>((resolve, reject) => inflater.write(chunk, (err) => (err ? reject(err) : resolve())));
      fed += chunk.length;
      const unused = fed - inflater.bytesWritten;
      if (unused > 0) {
        reader.unread(chunk.subarray(chunk.length - unused));
        inflater.end();
        return;
      }
    }
  })();
  // A failed read of the stored file ends the inflation with that same error, told apart below.
  feeding.catch((err: Error) => inflater.destroy(err));
  try {
    for await (const out of inflater as AsyncIterable<Buffer>) {
      count(out.length);
      yield out;
    }
    await feeding;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw unreadable(`The zip archive is corrupt (${(err as Error).message}).`);
    throw err;
  } finally {
    inflater.destroy();
  }
  if (compressedSize !== null && reader.consumed - start !== compressedSize) throw unreadable('The zip archive is corrupt (an entry is not the size its header says).');
}

/** Bytes from an async iterator of chunks, taken exactly as asked; `consumed` counts those handed out. */
class ByteReader {
  consumed = 0;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Exactly `length` bytes; null when the stream has ended before any of them. */
  async read(length: number): Promise<Buffer | null> {
    while (this.bufferedBytes < length) {
      if (await this.fill()) continue;
      if (this.bufferedBytes === 0) return null;
      throw unreadable('The zip archive is cut short.');
    }
    return this.take(length);
  }

  async readExactly(length: number): Promise<Buffer> {
    const bytes = await this.read(length);
    if (!bytes) throw unreadable('The zip archive is cut short.');
    return bytes;
  }

  /** Up to `max` bytes, as soon as there are any; null at the end of the stream. */
  async next(max: number): Promise<Buffer | null> {
    while (this.bufferedBytes === 0) if (!(await this.fill())) return null;
    return this.take(Math.min(max, this.buffered[0].length));
  }

  unread(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.buffered.unshift(bytes);
    this.bufferedBytes += bytes.length;
    this.consumed -= bytes.length;
  }

  private async fill(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    const chunk: Buffer = next.value;
    if (chunk.length > 0) {
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    return true;
  }

  private take(length: number): Buffer {
    const parts: Buffer[] = [];
    for (let need = length; need > 0; ) {
      const head = this.buffered[0];
      if (head.length <= need) {
        parts.push(head);
        this.buffered.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.buffered[0] = head.subarray(need);
        need = 0;
      }
    }
    this.bufferedBytes -= length;
    this.consumed += length;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
  }
}
