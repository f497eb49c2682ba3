import { deflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import ZipStream from 'zip-stream';

/**
 * One entry of a hand-built ZIP. The builder writes exactly what it is told — names with `../`,
 * drive letters or a leading slash, link and device modes, the encryption flag, sizes that lie —
 * which ZIP libraries (zip-stream, yazl) refuse or quietly clean up: it makes the archives an
 * attacker would send.
 */
export interface ZipEntrySpec {
  name: string;
  data?: Buffer;
  /** Deflate the data (method 8); stored (method 0) otherwise. */
  deflate?: boolean;
  /** Already deflated bytes to use as the entry's data (with `size` and `crc` as declared), e.g. one bomb shared by many entries. */
  raw?: { compressed: Buffer; size: number; crc: number };
  /** Unix mode in the external attributes (e.g. 0o120777 for a symbolic link). */
  mode?: number;
  /** Sets the "encrypted" flag (bit 0). */
  encrypted?: boolean;
  /** Declares this uncompressed size instead of the real one. */
  declaredSize?: number;
  /** Declares this CRC-32 instead of the real one. */
  declaredCrc?: number;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32(data: Buffer, crc = 0): number {
  let c = crc ^ -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A deflated run of `size` zero bytes (about 1,000 to 1 compressed): the classic bomb's payload. */
export function deflatedZeros(size: number): { compressed: Buffer; size: number; crc: number } {
  const zeros = Buffer.alloc(size);
  return { compressed: deflateRawSync(zeros, { level: 9 }), size, crc: crc32(zeros) };
}

/** Builds a ZIP archive from the entries as given. */
export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = e.data ?? Buffer.alloc(0);
    const method = e.raw || e.deflate ? 8 : 0;
    const packed = e.raw ? e.raw.compressed : e.deflate ? deflateRawSync(data) : data;
    // Traditional PKWARE encryption puts a 12-byte header before the data, counted in the compressed size.
    const body = e.encrypted ? Buffer.concat([Buffer.alloc(12, 0x5a), packed]) : packed;
    const size = e.declaredSize ?? (e.raw ? e.raw.size : data.length);
    const crc = e.declaredCrc ?? (e.raw ? e.raw.crc : crc32(data));
    const flags = 0x800 | (e.encrypted ? 0x1 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode in the external attributes counts
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    const mode = e.mode ?? (e.name.endsWith('/') ? 0o040755 : 0o100644);
    central.writeUInt32LE(((mode << 16) | (e.name.endsWith('/') ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
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

export interface ReadEntry {
  name: string;
  data: Buffer;
  compressionMethod: number;
}

/** Reads a whole ZIP back with yauzl (which checks the sizes as it inflates); rejects if it is not a complete, valid archive. */
export async function readZip(data: Buffer): Promise<ReadEntry[]> {
  const zip = await yauzl.fromBufferPromise(data, { lazyEntries: true });
  const out: ReadEntry[] = [];
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (crc32(body) !== entry.crc32 >>> 0) throw new Error(`entry ${entry.fileName}: checksum does not match`);
    out.push({ name: entry.fileName, data: body, compressionMethod: entry.compressionMethod });
  }
  zip.close();
  return out;
}

/** A ZIP as ordinary software writes it (zip-stream, deflated): entries ending in "/" are folders, `linkname` makes a symbolic link. */
export async function zipOf(entries: Array<{ name: string; data?: Buffer; linkname?: string }>): Promise<Buffer> {
  const zip = new ZipStream({});
  const chunks: Buffer[] = [];
  zip.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    zip.on('end', resolve);
    zip.on('error', reject);
  });
  for (const e of entries) {
    const type = e.linkname !== undefined ? 'symlink' : e.name.endsWith('/') ? 'directory' : 'file';
    await new Promise<void>((resolve, reject) =>
      zip.entry(type === 'file' ? (e.data ?? Buffer.alloc(0)) : null as unknown as Buffer, { name: e.name, type, linkname: e.linkname }, (err) => (err ? reject(err) : resolve())),
    );
  }
  zip.finalize();
  await ended;
  return Buffer.concat(chunks);
}
