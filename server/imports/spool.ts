import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange, ListedObject, ObjectStat, ObjectStore, PutResult } from '../../storage/object-store.js';

/**
 * Where an uploaded ZIP waits while it is read: one private directory under the data dir's `tmp`,
 * removed with everything in it once the import ends, whatever the outcome. It is an ObjectStore only
 * so that the upload's own streaming (receiveUpload: size cap, type sniffing) writes the file; the
 * ZIP reader then opens it by path, for the random access a ZIP's central directory needs.
 */
export class ImportSpool implements ObjectStore {
  readonly driver = 'local' as const;
  private constructor(readonly dir: string) {}

  static async create(dataDir: string): Promise<ImportSpool> {
    const dir = path.join(dataDir, 'tmp', 'imports', randomUUID());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new ImportSpool(dir);
  }

  /** The file of a key: keys come from receiveUpload (`<prefix>/<uuid>`), flattened into the spool's directory. */
  pathOf(key: string): string {
    return path.join(this.dir, key.replace(/[^A-Za-z0-9_.-]/g, '_'));
  }

  async init(): Promise<void> {}

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult> {
    const file = await open(this.pathOf(key), 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    try {
      // Not destroyed on failure: the upload's own handling still answers on the request's socket.
      const chunks = 'iterator' in body && typeof body.iterator === 'function' ? body.iterator({ destroyOnReturn: false }) : (body as AsyncIterable<Buffer>);
      for await (const chunk of chunks as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        await file.write(chunk);
      }
    } catch (err) {
      await file.close().catch(() => undefined);
      await rm(this.pathOf(key), { force: true });
      throw err;
    }
    await file.close();
    return { size, sha256: hash.digest('hex') };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const s = await stat(this.pathOf(key)).catch(() => null);
    return s ? { size: s.size } : null;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  // eslint-disable-next-line require-yield
  async *list(): AsyncGenerator<ListedObject, void, undefined> {
    return;
  }

  /** Removes the spool and whatever is in it. */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
