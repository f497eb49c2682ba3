import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

import { Client, S3Error } from 'minio';

import {
  ObjectNotFoundError,
  StorageUnavailableError,
  assertValidByteRange,
  assertValidObjectKey,
  bodyChunks,
  type ByteRange,
  type ListedObject,
  type ObjectStat,
  type ObjectStore,
  type PutResult,
} from './object-store.js';

export interface S3StoreOptions {
  /** e.g. `http://127.0.0.1:9000`; the scheme decides TLS. */
  endPoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
  /**
   * Bytes per multipart part, and the size below which an object goes up in a single PUT. One
   * part is held in memory per upload in flight (S3 needs each part's length up front), and
   * S3 allows 10,000 parts, so 16 MiB caps objects at 156 GiB. Minimum 5 MiB.
   */
  partSize?: number;
}

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const UNAVAILABLE_S3_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout']);

const NOT_FOUND_S3_CODES = new Set(['NoSuchKey', 'NotFound']);

// Duck-typed rather than `instanceof Error`: errors raised inside Node's own modules come from
// another realm under Jest's VM sandbox, and nothing here needs more than code and message.
function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message, errors } = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  if (err instanceof S3Error && typeof code === 'string' && UNAVAILABLE_S3_CODES.has(code)) return true;
  // minio retries 408/429/5xx itself and then throws a bare Error naming the status.
  if (typeof message === 'string' && /socket hang up|Retryable HTTP status|Request failed after \d+ retries/i.test(message)) {
    return true;
  }
  // Node 20 tries every address of a host name and can report all the failures together.
  if (Array.isArray(errors)) return errors.some(isUnreachable);
  return false;
}

/** Pauses before the second and third try of a read. */
const READ_RETRY_DELAYS_MS = [50, 200];

/**
 * A read (a GET or HEAD, so safe to repeat) that met a dropped connection or a busy server is tried
 * twice more before the caller answers 503: one reset socket in a loaded cluster must not fail a
 * download. minio retries only HTTP statuses itself, not the connection. A store that is really
 * down still fails within a quarter of a second.
 */
async function retryReads<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const delay = READ_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isUnreachable(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3Error && err.code !== undefined && NOT_FOUND_S3_CODES.has(err.code);
}

/** Errors callers must tell apart become ours; anything else (bad credentials, a missing bucket) stays as minio raised it. */
function translate(err: unknown, key?: string): unknown {
  if (isUnreachable(err)) {
    return new StorageUnavailableError(`object storage unavailable: ${String((err as { message?: unknown }).message)}`, {
      cause: err,
    });
  }
  if (isNotFound(err) && key !== undefined) {
    return new ObjectNotFoundError(`no object under key ${key}`, { cause: err });
  }
  if (err instanceof S3Error && err.code === 'InvalidRange') {
    return new RangeError(`range not satisfiable for key ${key ?? ''}`, { cause: err });
  }
  return err;
}

/**
 * The bytes of a put as a Readable for minio. Readable.pipe() never tells its destination that
 * the source failed; minio pipes the body into its part chunker and waits for that to end, so
 * a body that merely stopped would leave the upload pending forever (holding a part's worth of
 * memory). This class remembers where it was piped and destroys those streams with its error,
 * which makes minio reject without completing the multipart upload.
 */
class UploadBody extends Readable {
  private readonly destinations: NodeJS.WritableStream[] = [];
  private pulling = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {
    super();
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    void this.pull();
  }

  private async pull(): Promise<void> {
    try {
      for (;;) {
        const next = await this.chunks.next();
        if (this.destroyed) return;
        if (next.done) {
          this.push(null);
          return;
        }
        if (!this.push(next.value)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pulling = false;
    }
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    this.destinations.push(destination);
    if (this.errored) process.nextTick(() => destroyStream(destination, this.errored!));
    return super.pipe(destination, options);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error) for (const destination of this.destinations) destroyStream(destination, error);
    // Stops reading the caller's body without destroying it (see ObjectStore.put).
    this.chunks.return?.().catch(() => undefined);
    callback(error);
  }
}

function destroyStream(stream: NodeJS.WritableStream, error: Error): void {
  const destroy = (stream as { destroy?: (error?: Error) => void }).destroy;
  if (typeof destroy === 'function') destroy.call(stream, error);
}

export class S3Store implements ObjectStore {
  readonly driver = 's3' as const;
  private readonly client: Client;
  private readonly agent: http.Agent;
  private readonly bucket: string;
  private readonly region: string;
  private readonly partSize: number;

  constructor(options: S3StoreOptions) {
    const url = new URL(options.endPoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`S3 endpoint must be an http(s) URL, got ${options.endPoint}`);
    }
    const useSSL = url.protocol === 'https:';
    this.bucket = options.bucket;
    this.region = options.region;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    // Our own agent so close() can drop the kept-alive sockets instead of leaving them in Node's global one.
    this.agent = useSSL ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.client = new Client({
      endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      // Setting the region spares a GetBucketLocation round trip before the first request.
      region: options.region,
      pathStyle: true,
      partSize: this.partSize,
      transportAgent: this.agent,
    });
  }

  async init(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket, this.region);
    } catch (err) {
      // Another instance created it between our check and our create.
      if (err instanceof S3Error && (err.code === 'BucketAlreadyOwnedByYou' || err.code === 'BucketAlreadyExists')) return;
      throw translate(err);
    }
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult> {
    assertValidObjectKey(key);
    const hash = createHash('sha256');
    let size = 0;
    const chunks = (async function* metered() {
      for await (const chunk of bodyChunks(body)) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    })();

    // Read up to one part first: most documents fit, and a single PUT of a known length is one
    // request where a multipart upload of a stream of unknown length is four.
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < this.partSize) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
    }

    if (ended) {
      const body = Buffer.concat(head, headBytes);
      try {
        // The whole body is in hand, and a PUT of the same bytes under the same key is safe to
        // repeat: a reset socket (a keep-alive connection the store had just closed, seen once in
        // R1's 200 clients) is tried again as a read is, instead of failing the upload with a 503.
        await retryReads(() => this.client.putObject(this.bucket, key, body, headBytes));
      } catch (err) {
        throw translate(err, key);
      }
      return { size, sha256: hash.digest('hex') };
    }

    const rest = (async function* headThenRest() {
      yield* head.splice(0);
      yield* chunks;
    })();
    const upload = new UploadBody(rest);
    // minio never listens for errors on the body; ours is read back from `upload.errored` below.
    upload.on('error', () => undefined);
    try {
      await this.client.putObject(this.bucket, key, upload);
    } catch (err) {
      upload.destroy();
      // The body's own error wins: minio only saw its consequence.
      const failure = upload.errored ?? translate(err, key);
      // Parts already sent are invisible but kept (and billed) until aborted. Best effort, and
      // not worth trying against a store that just proved unreachable; a bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) should catch what this misses.
      if (!(failure instanceof StorageUnavailableError)) {
        await this.client.removeIncompleteUpload(this.bucket, key).catch(() => undefined);
      }
      throw failure;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertValidObjectKey(key);
    if (range) assertValidByteRange(range);
    try {
      return await retryReads(() =>
        range ? this.client.getPartialObject(this.bucket, key, range.start, range.end - range.start + 1) : this.client.getObject(this.bucket, key),
      );
    } catch (err) {
      throw translate(err, key);
    }
  }

  async stat(key: string): Promise<ObjectStat | null> {
    assertValidObjectKey(key);
    try {
      const info = await retryReads(() => this.client.statObject(this.bucket, key));
      return { size: info.size };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw translate(err, key);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidObjectKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (err) {
      if (isNotFound(err)) return;
      throw translate(err, key);
    }
  }

  async *list(prefix: string): AsyncGenerator<ListedObject, void, undefined> {
    // Recursive ListObjectsV2, one page of up to 1,000 keys at a time as the caller reads.
    const items = this.client.listObjectsV2(this.bucket, prefix, true);
    try {
      for await (const item of items as AsyncIterable<{ name?: string; size: number; lastModified?: Date }>) {
        if (item.name === undefined || item.lastModified === undefined) continue; // a common prefix, not an object
        yield { key: item.name, size: item.size, lastModified: item.lastModified };
      }
    } catch (err) {
      throw translate(err);
    } finally {
      items.destroy();
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
