import { Readable } from 'node:stream';

export interface PutResult {
  size: number;
  /** Lowercase hex SHA-256 of the bytes stored, computed while they streamed through. */
  sha256: string;
}

export interface ObjectStat {
  size: number;
}

/** One stored object, as a listing names it. */
export interface ListedObject {
  key: string;
  size: number;
  /** When the object was stored (S3: for a multipart upload, when the upload began). */
  lastModified: Date;
}

/** Inclusive on both ends, like an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where document bytes live. Knows nothing of rooms or users: the server owns the keys
 * (e.g. `versions/<room>/<version>`) and the metadata.
 */
export interface ObjectStore {
  readonly driver: 'local' | 's3';
  /** Creates directories / the bucket; safe to call on every start-up. */
  init(): Promise<void>;
  /**
   * Streams `body` under `key`. The object becomes visible only once every byte is stored: if
   * `body` fails midway, put rejects with that very error and nothing is left under `key`.
   * On failure put stops reading `body` but does not destroy it, so an HTTP handler can still
   * answer on the request's socket.
   */
  put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult>;
  /**
   * Rejects ObjectNotFoundError when absent, and RangeError when `range.start` lies at or past
   * the end of the object; an `end` past the last byte is cut short, as HTTP does.
   */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** null when absent. */
  stat(key: string): Promise<ObjectStat | null>;
  /** Succeeds whether or not the object exists. */
  delete(key: string): Promise<void>;
  /**
   * Every complete object whose key starts with `prefix` (a plain string prefix, not a folder:
   * `versions/` lists all versions), in no particular order. Uploads still in progress are not
   * listed. Streams page by page, so a store of millions of objects is never held in memory.
   */
  list(prefix: string): AsyncIterable<ListedObject>;
  close?(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
}

/** The store cannot be reached (connection refused, timeouts, 5xx): callers answer 503 storage_unavailable. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

export class InvalidObjectKeyError extends Error {
  override name = 'InvalidObjectKeyError';
}

export const MAX_OBJECT_KEY_LENGTH = 512;
/** Filesystems cap a single name at 255 bytes, and the local driver makes each segment a name. */
export const MAX_OBJECT_KEY_SEGMENT_LENGTH = 255;

const KEY_CHARACTERS = /^[A-Za-z0-9/_.-]+$/;

/**
 * Keys come from the server, so a bad one is a bug; refusing it here keeps a bug from becoming
 * a path traversal on disk. Empty and `.` segments are refused as well because the local driver
 * would map `a//b` and `a/./b` onto the same file as `a/b`, which S3 treats as distinct keys.
 */
export function assertValidObjectKey(key: unknown): asserts key is string {
  const fail = (why: string): never => {
    throw new InvalidObjectKeyError(`invalid object key ${JSON.stringify(key)}: ${why}`);
  };
  if (typeof key !== 'string' || key.length === 0) fail('empty');
  const k = key as string;
  if (k.length > MAX_OBJECT_KEY_LENGTH) fail(`longer than ${MAX_OBJECT_KEY_LENGTH} characters`);
  if (!KEY_CHARACTERS.test(k)) fail('only A-Z a-z 0-9 / _ . - are allowed');
  if (k.includes('..')) fail('contains ".."');
  if (k.startsWith('/')) fail('starts with "/"');
  const segments = k.split('/');
  if (segments.some((segment) => segment === '' || segment === '.')) fail('has an empty or "." segment');
  if (segments.some((segment) => segment.length > MAX_OBJECT_KEY_SEGMENT_LENGTH)) {
    fail(`has a segment longer than ${MAX_OBJECT_KEY_SEGMENT_LENGTH} characters`);
  }
}

export function assertValidByteRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`invalid byte range ${start}-${end}`);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`object body yielded a ${typeof chunk}, not bytes`);
}

/**
 * The chunks of a put body as Buffers. Leaving the loop early must not destroy the caller's
 * stream (see ObjectStore.put), hence `destroyOnReturn: false`; an error from the stream itself
 * still tears it down as usual.
 */
export async function* bodyChunks(body: NodeJS.ReadableStream | Readable): AsyncGenerator<Buffer, void, undefined> {
  const readable = typeof (body as Readable).iterator === 'function' ? (body as Readable) : new Readable().wrap(body);
  for await (const chunk of readable.iterator({ destroyOnReturn: false })) {
    const buffer = toBuffer(chunk);
    if (buffer.length > 0) yield buffer;
  }
}
