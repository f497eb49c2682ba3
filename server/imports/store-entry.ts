import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import type { ObjectStore } from '../../storage/object-store.js';
import { HttpError } from '../errors.js';
import type { StoredFile } from '../uploads/multipart-upload.js';
import { DOCUMENT_TYPES, SNIFF_BYTES, sniffType } from '../uploads/sniff-type.js';
import { fileNameMetadata } from '../security/file-name-metadata.js';
import { refuseEntry, type PlannedFile } from './zip-plan.js';

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 as ZIP uses it: yauzl does not check it, and a damaged entry must not become a document. */
function crc32Update(crc: number, chunk: Buffer): number {
  let c = crc ^ -1;
  for (let i = 0; i < chunk.length; i++) c = CRC_TABLE[(c ^ chunk[i]) & 0xff] ^ (c >>> 8);
  return c ^ -1;
}

/**
 * Unpacks one file of the ZIP straight into the object store, as an upload of it would be stored:
 * its type sniffed from its first bytes (never its name), refused unless a data room takes it,
 * never held whole in memory. Its checksum must be the one the ZIP declares. Whatever goes wrong
 * is refused naming the entry, and nothing is left under the key.
 */
export async function storeEntry(zip: yauzl.ZipFile, file: PlannedFile, store: ObjectStore): Promise<StoredFile> {
  const objectKey = `versions/${randomUUID()}`;
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(file.entry);
  } catch (err) {
    throw refuseEntry(file.entryName, `it cannot be read (${(err as Error).message})`);
  }
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let crc = 0;
  try {
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = Buffer.concat(head);
    if (first.length === 0) throw refuseEntry(file.entryName, 'the file is empty');
    const mimeType = await sniffType(first, file.name);
    if (!mimeType || !DOCUMENT_TYPES.has(mimeType)) throw refuseEntry(file.entryName, `files of type ${mimeType ?? 'unknown'} are not accepted`, 415);
    async function* body() {
      crc = crc32Update(crc, first);
      yield first;
      if (ended) return;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        crc = crc32Update(crc, next.value);
        yield next.value;
      }
    }
    const put = await store.put(objectKey, Readable.from(body()));
    if (crc >>> 0 !== file.entry.crc32 >>> 0) {
      await store.delete(objectKey).catch(() => undefined);
      throw refuseEntry(file.entryName, 'it is damaged (its checksum does not match)');
    }
    return { objectKey, size: put.size, sha256: put.sha256, mimeType, fileName: fileNameMetadata(file.name) };
  } catch (err) {
    stream.destroy();
    if (err instanceof HttpError) throw err;
    const message = (err as Error).message;
    // yauzl holds the entry to the size the directory declares: an entry that unpacks to more is a bomb in disguise.
    if (/too many bytes/.test(message)) throw refuseEntry(file.entryName, 'it unpacks to more than the archive declares', 413);
    if (/too few bytes/.test(message)) throw refuseEntry(file.entryName, 'it unpacks to less than the archive declares');
    if ((err as { name?: string }).name === 'StorageUnavailableError') throw err;
    throw refuseEntry(file.entryName, `it cannot be unpacked (${message})`);
  }
}
