import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ZipStream from 'zip-stream';

/** One file as the manifest lists it. */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * A ZIP written entry by entry into a stream (the object store's put reads it), each entry's size
 * and SHA-256 taken as its bytes pass through, so the manifest is known once the last entry is in
 * without reading anything twice or holding any file whole.
 */
export class HashedZip {
  readonly output: ZipStream;
  readonly files: ManifestFile[] = [];
  /** Settles with the first failure of the consumer (the store), so no wait on the ZIP outlives it. */
  private consumerFailed: Promise<never> = new Promise<never>(() => undefined);

  constructor(private readonly date: Date) {
    this.output = new ZipStream({ forceZip64: false });
  }

  /** Ties the ZIP to whoever reads it: a failed read fails every entry still waiting. */
  consumedBy(done: Promise<unknown>) {
    this.consumerFailed = done.then(
      () => new Promise<never>(() => undefined),
      (err: unknown) => Promise.reject(err),
    );
    this.consumerFailed.catch(() => undefined);
  }

  /**
   * Adds one entry. `store`: kept as is (documents, mostly compressed already); otherwise deflated.
   * `listed: false` leaves it out of the manifest (the manifest and its signature themselves).
   */
  async add(path: string, source: Readable | Buffer | string, opts: { store?: boolean; listed?: boolean } = {}): Promise<ManifestFile> {
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const input = typeof source === 'string' || Buffer.isBuffer(source) ? Readable.from([Buffer.from(source)]) : source;
    const piped = pipeline(input, tap);
    const entered = new Promise<void>((resolve, reject) => {
      this.output.entry(tap, { name: path, store: opts.store ?? false, date: this.date }, (err) => (err ? reject(err) : resolve()));
    });
    await Promise.race([Promise.all([piped, entered]), this.consumerFailed]);
    const file = { path, size, sha256: hash.digest('hex') };
    if (opts.listed !== false) this.files.push(file);
    return file;
  }

  finalize() {
    this.output.finalize();
  }

  /** Ends the ZIP with `err`: its reader (the store's put) fails, and nothing is kept under the key. */
  abort(err: Error) {
    this.output.destroy(err);
  }
}
