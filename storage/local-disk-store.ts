import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, opendir, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

import {
  InvalidObjectKeyError,
  ObjectNotFoundError,
  assertValidByteRange,
  assertValidObjectKey,
  bodyChunks,
  type ByteRange,
  type ListedObject,
  type ObjectStat,
  type ObjectStore,
  type PutResult,
} from './object-store.js';

const TEMP_SUFFIX = '.partial';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ENOTDIR: a path component is a file, e.g. `a/b` looked up while `a` is an object.
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Objects as plain files under `<rootDir>/objects/<key>`. Each write lands in `<rootDir>/tmp/`
 * (same filesystem, so the final rename is atomic), is fsynced, renamed into place and the
 * directory fsynced: after a crash a key holds either nothing or the whole object, never a prefix.
 */
export class LocalDiskStore implements ObjectStore {
  readonly driver = 'local' as const;
  private readonly objectsDir: string;
  private readonly tmpDir: string;

  constructor(rootDir: string) {
    const root = path.resolve(rootDir);
    this.objectsDir = path.join(root, 'objects');
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<PutResult> {
    const target = this.pathFor(key);
    const tmpPath = path.join(this.tmpDir, `${randomUUID()}${TEMP_SUFFIX}`);
    const hash = createHash('sha256');
    let size = 0;
    let file: FileHandle | undefined;
    try {
      // 0o600: data room documents are confidential; only the server's user reads them.
      file = await open(tmpPath, 'wx', 0o600);
      for await (const chunk of bodyChunks(body)) {
        hash.update(chunk);
        size += chunk.length;
        await writeFully(file, chunk);
      }
      await file.sync();
      await file.close();
      file = undefined;
      await this.ensureDirectory(path.dirname(target));
      await rename(tmpPath, target);
      await fsyncDirectory(path.dirname(target));
    } catch (err) {
      await file?.close().catch(() => undefined);
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw err;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathFor(key);
    if (range) assertValidByteRange(range);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(`no object under key ${key}`);
      throw err;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(`no object under key ${key}`);
      if (range && range.start >= info.size) {
        throw new RangeError(`range ${range.start}-${range.end} starts past the end of a ${info.size}-byte object`);
      }
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    // Opening first means a missing object rejects here instead of surfacing later as a stream
    // error; the stream closes the handle when it ends or is destroyed.
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const file = this.pathFor(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { size: info.size } : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathFor(key);
    try {
      await unlink(file);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    // Emptied parent directories stay: removing them could race a concurrent put that has just
    // created its directory and is about to rename into it.
  }

  async *list(prefix: string): AsyncGenerator<ListedObject, void, undefined> {
    assertValidListPrefix(prefix);
    // Walk only the directory the prefix's complete segments name; the rest filters names.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    yield* this.walk(path.join(this.objectsDir, ...folder.split('/').filter(Boolean)), folder, prefix);
  }

  private async *walk(dir: string, keyPrefix: string, wanted: string): AsyncGenerator<ListedObject, void, undefined> {
    let entries;
    try {
      entries = await opendir(dir);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for await (const entry of entries) {
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) {
        // Descend only where keys below can still start with the prefix.
        if (wanted.startsWith(key + '/') || (key + '/').startsWith(wanted)) yield* this.walk(path.join(dir, entry.name), key + '/', wanted);
      } else if (entry.isFile() && key.startsWith(wanted)) {
        try {
          const info = await stat(path.join(dir, entry.name));
          yield { key, size: info.size, lastModified: new Date(info.mtimeMs) };
        } catch (err) {
          if (!isMissing(err)) throw err; // deleted while we listed: simply not there
        }
      }
    }
  }

  /**
   * Removes temp files left by writes that died with the process. `olderThanMs` must exceed
   * the longest plausible upload, as a live write's temp file looks the same (its mtime moves
   * with every chunk, so only stalled writes age).
   */
  async sweepTemp(olderThanMs: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith(TEMP_SUFFIX)) continue;
      const file = path.join(this.tmpDir, name);
      try {
        const info = await stat(file);
        if (info.mtimeMs >= cutoff) continue;
        await unlink(file);
        removed += 1;
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return removed;
  }

  private pathFor(key: string): string {
    assertValidObjectKey(key);
    const file = path.join(this.objectsDir, ...key.split('/'));
    // Belt and braces behind the key check: whatever the key, stay inside objects/.
    if (!file.startsWith(this.objectsDir + path.sep)) {
      throw new Error(`object key ${key} resolved outside the store`);
    }
    return file;
  }

  /** mkdir -p, then fsync the parents of any directory it created so the new entries survive a crash too. */
  private async ensureDirectory(dir: string): Promise<void> {
    const firstCreated = await mkdir(dir, { recursive: true });
    if (firstCreated === undefined) return;
    const created: string[] = [];
    for (let d = dir; d.length >= firstCreated.length; d = path.dirname(d)) created.push(d);
    for (const d of created) await fsyncDirectory(path.dirname(d));
  }
}

/** A list prefix is a key's beginning: the key alphabet, and nothing that climbs out of the store. */
function assertValidListPrefix(prefix: string): void {
  if (prefix === '') return;
  if (!/^[A-Za-z0-9/_.-]+$/.test(prefix) || prefix.includes('..') || prefix.startsWith('/') || prefix.includes('//')) {
    throw new InvalidObjectKeyError(`invalid list prefix ${JSON.stringify(prefix)}`);
  }
}

async function writeFully(file: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; its rename is durable enough for development use.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
