import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { PdfObjects } from './pdf-objects.js';
import { isDict, serialize, serializeDict, type QpdfValue, type SerializeOptions } from './pdf-syntax.js';

/*
 * The stored half of every stamped delivery: the document's content streams, fonts, images and
 * annotations, renumbered, with no catalog, no page tree and no page dictionary. Those exist only
 * in each delivery's tail, after the stamp, so no cut of a delivery yields an unstamped page: a
 * prefix without the tail is a PDF with no /Root at all.
 */

export interface PageLessBase {
  size: number;
  /** Where the base's cross-reference table starts: the tail's section chains to it by /Prev. */
  xrefOffset: number;
  sha256: string;
  /** Number of objects written (they are numbered 1..objects). */
  objects: number;
}

const FLUSH_AT = 1 << 20;

/** Appends to a file, hashing and counting as it goes; small writes are gathered into one. */
class HashingWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly hash = createHash('sha256');
  position = 0;

  private constructor(private readonly fh: Awaited<ReturnType<typeof open>>) {}

  static async create(file: string): Promise<HashingWriter> {
    return new HashingWriter(await open(file, 'w'));
  }

  async write(data: string | Buffer): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.hash.update(buf);
    this.position += buf.length;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (this.pendingBytes >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(data);
  }

  async close(): Promise<string> {
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    return this.hash.digest('hex');
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * Writes the objects `order` lists (original references), numbered 1, 2, 3… in that order, their
 * references rewritten by `opts`. Stream data is copied as stored (still compressed), with a direct
 * /Length. Ends with a cross-reference table and a trailer that has /Size and nothing else.
 */
export async function writePageLessBase(pdf: PdfObjects, order: string[], opts: SerializeOptions, file: string): Promise<PageLessBase> {
  const out = await HashingWriter.create(file);
  try {
    // The binary comment line tells transfer programs the file is binary, as the standard advises.
    await out.write(`%PDF-${pdf.pdfVersion}\n%\xe2\xe3\xcf\xd3\n`);
    const offsets: number[] = [];
    for (let i = 0; i < order.length; i++) {
      const num = i + 1;
      offsets.push(out.position);
      const obj = pdf.get(order[i])!;
      if (!obj.stream) {
        await out.write(`${num} 0 obj\n${serialize(obj.value ?? null, 0, opts)}\nendobj\n`);
        continue;
      }
      const dict: { [key: string]: QpdfValue } = isDict(obj.stream.dict) ? { ...obj.stream.dict } : {};
      delete dict['/Length'];
      const datafile = obj.stream.datafile;
      const length = datafile ? (await stat(datafile)).size : 0;
      await out.write(`${num} 0 obj\n${serializeDict(dict, 0, opts).slice(0, -2)}/Length ${length}>>\nstream\n`);
      if (datafile) {
        await out.flush();
        for await (const chunk of createReadStream(datafile)) await out.write(chunk as Buffer);
      }
      await out.write('\nendstream\nendobj\n');
    }
    const xrefOffset = out.position;
    await out.write(`xref\n0 ${order.length + 1}\n0000000000 65535 f\r\n`);
    // Each entry exactly 20 bytes; written in slices so a million objects never make one string.
    for (let i = 0; i < offsets.length; i += 10_000) {
      await out.write(offsets.slice(i, i + 10_000).map((off) => `${String(off).padStart(10, '0')} 00000 n\r\n`).join(''));
    }
    await out.write(`trailer\n<</Size ${order.length + 1}>>\nstartxref\n${xrefOffset}\n%%EOF\n`);
    const size = out.position;
    return { size, xrefOffset, sha256: await out.close(), objects: order.length };
  } catch (err) {
    await out.abort();
    throw err;
  }
}
