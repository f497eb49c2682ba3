import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';

const inflateRawAsync = promisify(inflateRaw);

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY_BYTES = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const STORED = 0;
const DEFLATED = 8;

export interface ZipLimits {
  maxEntries: number;
  /** The most all entries together may unpack to. */
  maxInflatedBytes: number;
}

/** Why a zip archive is not unpacked: its words are shown to whoever sent it. */
export class UnsafeZipError extends Error {}

/**
 * Unpacks every entry of a zip archive, up to `maxInflatedBytes` in all, before a library unpacks it
 * whole in memory (JSZip inside exceljs has no limit): a zip bomb — a few megabytes that inflate to
 * gigabytes, by one entry's ratio or by entries sharing their compressed bytes — is refused after at
 * most that many bytes of work. The sizes an archive declares prove nothing, so every entry is
 * inflated for real, with zlib stopping at the budget left.
 *
 * The check holds only for a reader that finds the same entries at the same offsets, so the archive
 * must have the plain layout JSZip reads without guessing: one end-of-central-directory record
 * right at the end, the central directory right before it, no ZIP64, no encryption, no bytes
 * prepended, only stored or deflated entries. Every spreadsheet program writes exactly that.
 */
export async function assertZipInflatesWithin(data: Buffer, limits: ZipLimits): Promise<void> {
  // The last signature, as JSZip searches it; a comment may follow it, nothing else.
  const end = data.lastIndexOf(END_OF_CENTRAL_DIRECTORY_BYTES);
  if (end < 0 || end + 22 > data.length) throw new UnsafeZipError('it is not a zip archive');
  const entries = data.readUInt16LE(end + 10);
  const directorySize = data.readUInt32LE(end + 12);
  const directoryOffset = data.readUInt32LE(end + 16);
  if (end + 22 + data.readUInt16LE(end + 20) !== data.length) throw new UnsafeZipError('the zip archive has bytes after its end');
  if (data.readUInt16LE(end + 4) !== 0 || data.readUInt16LE(end + 6) !== 0 || data.readUInt16LE(end + 8) !== entries) {
    throw new UnsafeZipError('the zip archive spans several disks');
  }
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) throw new UnsafeZipError('ZIP64 archives are not read');
  if (directoryOffset + directorySize !== end) throw new UnsafeZipError('the zip archive is corrupt (its directory is not where it says)');
  if (entries > limits.maxEntries) throw new UnsafeZipError(`the zip archive has more than ${limits.maxEntries} entries`);

  let inflated = 0;
  let at = directoryOffset;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > end || data.readUInt32LE(at) !== CENTRAL_HEADER) throw new UnsafeZipError('the zip archive is corrupt (a directory entry is damaged)');
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const declaredSize = data.readUInt32LE(at + 24);
    const localOffset = data.readUInt32LE(at + 42);
    at += 46 + data.readUInt16LE(at + 28) + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
    if (flags & 1) throw new UnsafeZipError('the zip archive is encrypted');
    if (compressedSize === 0xffffffff || declaredSize === 0xffffffff || localOffset === 0xffffffff) throw new UnsafeZipError('ZIP64 archives are not read');

    if (localOffset + 30 > directoryOffset || data.readUInt32LE(localOffset) !== LOCAL_HEADER) throw new UnsafeZipError('the zip archive is corrupt (an entry is missing)');
    const start = localOffset + 30 + data.readUInt16LE(localOffset + 26) + data.readUInt16LE(localOffset + 28);
    if (start + compressedSize > directoryOffset) throw new UnsafeZipError('the zip archive is corrupt (an entry runs past its end)');
    const budget = limits.maxInflatedBytes - inflated;
    if (method === STORED) {
      inflated += compressedSize;
    } else if (method === DEFLATED) {
      try {
        // maxOutputLength makes zlib stop as soon as the output would pass it: the work is bounded too.
        inflated += (await inflateRawAsync(data.subarray(start, start + compressedSize), { maxOutputLength: Math.max(1, budget) })).length;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') inflated = Infinity;
        else throw new UnsafeZipError('the zip archive is corrupt (an entry does not inflate)');
      }
    } else {
      throw new UnsafeZipError(`the zip archive uses a compression method (${method}) spreadsheets do not`);
    }
    if (inflated > limits.maxInflatedBytes) throw new UnsafeZipError(`the zip archive unpacks to more than ${Math.round(limits.maxInflatedBytes / 2 ** 20)} MB`);
  }
  if (at !== end) throw new UnsafeZipError('the zip archive is corrupt (its directory holds more than it says)');
}
