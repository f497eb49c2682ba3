import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import type { PdfObjects } from './pdf-objects.js';
import { isDict, serialize, serializeDict, type QpdfValue, type SerializeOptions } from '../watermark/pdf-syntax.js';

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

/** Objects per object stream: qpdf's own choice, small enough to inflate cheaply on a reader's every lookup. */
const OBJECTS_PER_STREAM = 100;

/**
 * How the base packs its objects. From PDF 1.5 on (what object streams need), every object that is
 * not a stream goes into object streams, compressed, and the cross-reference is a stream too: a
 * document whose producer packed it (most do) would otherwise grow to several times its size in
 * every delivery (an IRS form of 4 MB to 11 MB). Older files keep plain objects and a table.
 */
export interface BasePacking {
  /** Object numbers the base uses besides 1..order.length: its object streams, then its cross-reference stream. */
  extraNumbers: number;
}

const packs = (pdf: PdfObjects) => Number(pdf.pdfVersion) >= 1.5;

export function planBasePacking(pdf: PdfObjects, order: string[]): BasePacking {
  if (!packs(pdf)) return { extraNumbers: 0 };
  const plain = order.filter((ref) => !pdf.get(ref)!.stream).length;
  return { extraNumbers: Math.ceil(plain / OBJECTS_PER_STREAM) + 1 };
}

/** Where an object of the base is: at an offset of the file, or at a place in an object stream. */
type XrefEntry = { offset: number } | { inStream: number; at: number };

/** An object stream holding `bodies` (serialized objects numbered `nums`), Flate-compressed. */
function objectStream(num: number, nums: number[], bodies: string[]): Buffer {
  const offsets: number[] = [];
  let at = 0;
  for (const body of bodies) {
    offsets.push(at);
    at += body.length + 1;
  }
  const header = `${nums.map((n, i) => `${n} ${offsets[i]}`).join(' ')}\n`;
  const data = deflateSync(Buffer.from(header + bodies.join('\n') + '\n', 'latin1'));
  return Buffer.concat([
    Buffer.from(`${num} 0 obj\n<</Type /ObjStm/N ${nums.length}/First ${header.length}/Filter /FlateDecode/Length ${data.length}>>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
}

/** A cross-reference stream for objects 0..entries.length (entry 0 the free head), itself object `num` at `offset`. */
function xrefStream(num: number, offset: number, entries: XrefEntry[]): Buffer {
  const size = num + 1;
  const offsetBytes = Math.max(1, Math.ceil(Math.log2(offset + 1) / 8));
  const row = 1 + offsetBytes + 2;
  const data = Buffer.alloc(size * row);
  const put = (i: number, type: number, field2: number, field3: number) => {
    data[i * row] = type;
    data.writeUIntBE(field2, i * row + 1, offsetBytes);
    data.writeUInt16BE(field3, i * row + 1 + offsetBytes);
  };
  put(0, 0, 0, 65535);
  entries.forEach((e, i) => ('offset' in e ? put(i + 1, 1, e.offset, 0) : put(i + 1, 2, e.inStream, e.at)));
  put(num, 1, offset, 0);
  const packed = deflateSync(data);
  return Buffer.concat([
    Buffer.from(`${num} 0 obj\n<</Type /XRef/Size ${size}/W [1 ${offsetBytes} 2]/Filter /FlateDecode/Length ${packed.length}>>\nstream\n`, 'latin1'),
    packed,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
}

/**
 * Writes the objects `order` lists (original references), numbered 1, 2, 3… in that order, their
 * references rewritten by `opts`. Stream data is copied as stored (still compressed), with a direct
 * /Length; other objects are packed into object streams when the version allows (BasePacking). Ends
 * with a cross-reference section (a stream or a table) whose trailer has /Size and nothing else.
 */
export async function writePageLessBase(pdf: PdfObjects, order: string[], opts: SerializeOptions, file: string): Promise<PageLessBase> {
  const packing = planBasePacking(pdf, order);
  const out = await HashingWriter.create(file);
  try {
    // The binary comment line tells transfer programs the file is binary, as the standard advises.
    await out.write(`%PDF-${pdf.pdfVersion}\n%\xe2\xe3\xcf\xd3\n`);
    const entries: XrefEntry[] = [];
    let nextStreamNum = order.length + 1;
    let pending: { nums: number[]; bodies: string[] } = { nums: [], bodies: [] };
    const flushObjectStream = async () => {
      if (!pending.nums.length) return;
      const num = nextStreamNum++;
      pending.nums.forEach((n, i) => (entries[n - 1] = { inStream: num, at: i }));
      entries[num - 1] = { offset: out.position };
      await out.write(objectStream(num, pending.nums, pending.bodies));
      pending = { nums: [], bodies: [] };
    };
    for (let i = 0; i < order.length; i++) {
      const num = i + 1;
      const obj = pdf.get(order[i])!;
      if (!obj.stream) {
        const body = serialize(obj.value ?? null, 0, opts);
        if (packing.extraNumbers) {
          pending.nums.push(num);
          pending.bodies.push(body);
          if (pending.nums.length === OBJECTS_PER_STREAM) await flushObjectStream();
        } else {
          entries[i] = { offset: out.position };
          await out.write(`${num} 0 obj\n${body}\nendobj\n`);
        }
        continue;
      }
      entries[i] = { offset: out.position };
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
    await flushObjectStream();
    const xrefOffset = out.position;
    if (packing.extraNumbers) {
      // Numbered right after the object streams, as planBasePacking counted them.
      const num = order.length + packing.extraNumbers;
      await out.write(xrefStream(num, xrefOffset, entries));
      await out.write(`startxref\n${xrefOffset}\n%%EOF\n`);
    } else {
      await out.write(`xref\n0 ${order.length + 1}\n0000000000 65535 f\r\n`);
      // Each entry exactly 20 bytes; written in slices so a million objects never make one string.
      const offsets = entries.map((e) => ('offset' in e ? e.offset : 0));
      for (let i = 0; i < offsets.length; i += 10_000) {
        await out.write(offsets.slice(i, i + 10_000).map((off) => `${String(off).padStart(10, '0')} 00000 n\r\n`).join(''));
      }
      await out.write(`trailer\n<</Size ${order.length + 1}>>\nstartxref\n${xrefOffset}\n%%EOF\n`);
    }
    const size = out.position;
    return { size, xrefOffset, sha256: await out.close(), objects: order.length + packing.extraNumbers };
  } catch (err) {
    await out.abort();
    throw err;
  }
}
