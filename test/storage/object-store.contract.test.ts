import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { jest } from '@jest/globals';

import { createObjectStore } from '../../storage/create-object-store.js';
import { LocalDiskStore } from '../../storage/local-disk-store.js';
import {
  InvalidObjectKeyError,
  ObjectNotFoundError,
  StorageUnavailableError,
  type ObjectStore,
} from '../../storage/object-store.js';
import { S3Store } from '../../storage/s3-store.js';
import { startS3TestServer, type S3TestServer } from './s3-test-server.js';

interface Harness {
  store: ObjectStore;
  /** Bytes in files of the backend's own storage (objects, temp files, uploaded parts): what has left the process. */
  bytesAtRest(): Promise<number>;
  cleanup(): Promise<void>;
}
type HarnessFactory = () => Promise<Harness>;

const MB = 1024 * 1024;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function hashStream(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * `total` bytes generated chunk by chunk, never held whole, plus the hash of what it produced.
 * Fails with `failWith` instead of ending, once `total` bytes are out, if given.
 */
function generatedStream(total: number, failWith?: Error): { stream: Readable; digest(): string } {
  const hash = createHash('sha256');
  const block = randomBytes(256 * 1024);
  let sent = 0;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        if (failWith) this.destroy(failWith);
        else this.push(null);
        return;
      }
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, total - sent)));
      // Vary each chunk so misordered or repeated parts would change the hash.
      chunk.writeUInt32BE(counter++, 0);
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest('hex')) };
}

function newKey(): string {
  return `versions/${randomBytes(8).toString('hex')}/${randomBytes(8).toString('hex')}`;
}

async function freeClosedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let s3Server: S3TestServer | undefined;
async function sharedS3Server(): Promise<S3TestServer> {
  s3Server ??= await startS3TestServer();
  return s3Server;
}
afterAll(async () => {
  await s3Server?.stop();
});

let bucketCounter = 0;

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // A file can be renamed or removed between the listing and its stat: it then counts as nothing.
    if (entry.isFile()) total += await stat(path.join(entry.parentPath ?? entry.path, entry.name)).then((s) => s.size, () => 0);
  }
  return total;
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'gatehouse-store-'));
}

const localHarness: HarnessFactory = async () => {
  const dir = await tempDir();
  const store = new LocalDiskStore(dir);
  await store.init();
  return { store, bytesAtRest: () => bytesUnder(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/** A bucket per test keeps tests independent on the one shared server. */
const s3Harness: HarnessFactory = async () => {
  const server = await sharedS3Server();
  const store = new S3Store({
    endPoint: server.endpoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: server.region,
    bucket: `contract-${process.pid}-${++bucketCounter}`,
  });
  await store.init();
  return { store, bytesAtRest: () => bytesUnder(server.directory), cleanup: () => store.close() };
};

function objectStoreContract(makeHarness: HarnessFactory): void {
  let harness: Harness;
  let store: ObjectStore;

  beforeEach(async () => {
    harness = await makeHarness();
    store = harness.store;
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it('returns the size and SHA-256 of what it stored', async () => {
    const data = randomBytes(100_000);
    const result = await store.put(newKey(), Readable.from([data.subarray(0, 3), data.subarray(3)]));
    expect(result).toEqual({ size: data.length, sha256: sha256(data) });
  });

  it('reads back exactly the bytes it stored', async () => {
    const key = newKey();
    const data = randomBytes(70_000);
    await store.put(key, Readable.from([data]));
    expect((await readAll(await store.get(key))).equals(data)).toBe(true);
  });

  it('stores an empty object', async () => {
    const key = newKey();
    const result = await store.put(key, Readable.from([]));
    expect(result).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await store.stat(key)).toEqual({ size: 0 });
    expect((await readAll(await store.get(key))).length).toBe(0);
  });

  it('accepts string chunks as UTF-8', async () => {
    const key = newKey();
    const result = await store.put(key, Readable.from(['héllo ', 'wörld'], { objectMode: true }));
    expect(result.size).toBe(Buffer.byteLength('héllo wörld'));
    expect((await readAll(await store.get(key))).toString('utf8')).toBe('héllo wörld');
  });

  it('replaces the object when a key is written again', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('first version, longer')]));
    await store.put(key, Readable.from([Buffer.from('second')]));
    expect((await readAll(await store.get(key))).toString()).toBe('second');
    expect(await store.stat(key)).toEqual({ size: 6 });
  });

  it('serves an inclusive byte range', async () => {
    const key = newKey();
    const data = randomBytes(10_000);
    await store.put(key, Readable.from([data]));
    expect((await readAll(await store.get(key, { start: 100, end: 199 }))).equals(data.subarray(100, 200))).toBe(true);
    expect((await readAll(await store.get(key, { start: 0, end: 0 }))).equals(data.subarray(0, 1))).toBe(true);
    expect((await readAll(await store.get(key, { start: 9_999, end: 9_999 }))).equals(data.subarray(9_999))).toBe(true);
  });

  it('cuts a range that runs past the end at the last byte', async () => {
    const key = newKey();
    const data = randomBytes(1_000);
    await store.put(key, Readable.from([data]));
    expect((await readAll(await store.get(key, { start: 900, end: 5_000 }))).equals(data.subarray(900))).toBe(true);
  });

  it('rejects a range that starts past the end with RangeError', async () => {
    const key = newKey();
    await store.put(key, Readable.from([randomBytes(1_000)]));
    await expect(store.get(key, { start: 1_000, end: 1_100 })).rejects.toBeInstanceOf(RangeError);
  });

  it('rejects a malformed range with RangeError', async () => {
    const key = newKey();
    await store.put(key, Readable.from([randomBytes(100)]));
    await expect(store.get(key, { start: 10, end: 5 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.get(key, { start: -1, end: 5 })).rejects.toBeInstanceOf(RangeError);
  });

  it('stat answers the size of a stored object', async () => {
    const key = newKey();
    await store.put(key, Readable.from([randomBytes(1234)]));
    expect(await store.stat(key)).toEqual({ size: 1234 });
  });

  it('stat answers null for a missing key', async () => {
    expect(await store.stat(newKey())).toBeNull();
  });

  it('stat answers null for a prefix of stored keys', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('x')]));
    expect(await store.stat(key.slice(0, key.lastIndexOf('/')))).toBeNull();
  });

  it('get of a missing key rejects ObjectNotFoundError', async () => {
    await expect(store.get(newKey())).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get(newKey(), { start: 0, end: 10 })).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('delete removes the object', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('to be deleted')]));
    await store.delete(key);
    expect(await store.stat(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('delete is idempotent', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('once')]));
    await store.delete(key);
    await expect(store.delete(key)).resolves.toBeUndefined();
    await expect(store.delete(newKey())).resolves.toBeUndefined();
  });

  it('init is idempotent', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('kept')]));
    await store.init();
    expect(await store.stat(key)).toEqual({ size: 4 });
  });

  it('list names every object under a prefix with its size and time, and nothing outside it', async () => {
    const room = `versions/${randomBytes(8).toString('hex')}`;
    const before = Date.now() - 60_000;
    await store.put(`${room}/a`, Readable.from([Buffer.from('one')]));
    await store.put(`${room}/sub/b`, Readable.from([Buffer.from('three')]));
    await store.put(`${room}x/c`, Readable.from([Buffer.from('not under the prefix')]));
    const listed = [];
    for await (const item of store.list(`${room}/`)) listed.push(item);
    expect(listed.map((i) => [i.key, i.size]).sort()).toEqual([
      [`${room}/a`, 3],
      [`${room}/sub/b`, 5],
    ]);
    for (const item of listed) {
      expect(item.lastModified).toBeInstanceOf(Date);
      expect(item.lastModified.getTime()).toBeGreaterThan(before);
      expect(item.lastModified.getTime()).toBeLessThan(Date.now() + 60_000);
    }
  });

  it('list matches a prefix that ends inside a key segment', async () => {
    const room = `ndas/${randomBytes(8).toString('hex')}`;
    await store.put(`${room}/alpha`, Readable.from([Buffer.from('1')]));
    await store.put(`${room}/beta`, Readable.from([Buffer.from('2')]));
    const keys = [];
    for await (const item of store.list(`${room}/al`)) keys.push(item.key);
    expect(keys).toEqual([`${room}/alpha`]);
  });

  it('list of a prefix with no objects yields nothing', async () => {
    const keys = [];
    for await (const item of store.list(`versions/${randomBytes(8).toString('hex')}/`)) keys.push(item.key);
    expect(keys).toEqual([]);
  });

  it('list leaves out deleted objects and uploads still in progress', async () => {
    const room = `versions/${randomBytes(8).toString('hex')}`;
    await store.put(`${room}/gone`, Readable.from([Buffer.from('x')]));
    await store.delete(`${room}/gone`);
    const body = new PassThrough();
    body.write(randomBytes(50_000));
    const putting = store.put(`${room}/pending`, body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const keys = [];
    for await (const item of store.list(`${room}/`)) keys.push(item.key);
    expect(keys).toEqual([]);
    body.end();
    await putting;
  });

  it('an object is not visible until its upload completes', async () => {
    const key = newKey();
    const body = new PassThrough();
    body.write(randomBytes(50_000));
    const putting = store.put(key, body);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.stat(key)).toBeNull();
    body.end(randomBytes(10));
    expect((await putting).size).toBe(50_010);
    expect(await store.stat(key)).toEqual({ size: 50_010 });
  });

  it('a stream that fails midway leaves no object behind', async () => {
    const key = newKey();
    const failure = new Error('client went away');
    const { stream } = generatedStream(300_000, failure);
    await expect(store.put(key, stream)).rejects.toBe(failure);
    expect(await store.stat(key)).toBeNull();
    await expect(store.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('a large stream that fails midway leaves no object behind', async () => {
    // Past one multipart part, so the S3 driver has begun a multipart upload when it fails.
    const key = newKey();
    const failure = new Error('client went away');
    const { stream } = generatedStream(18 * MB, failure);
    await expect(store.put(key, stream)).rejects.toBe(failure);
    expect(await store.stat(key)).toBeNull();
  });

  it('a failed write does not replace the existing object', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('the good version')]));
    const failure = new Error('client went away');
    await expect(store.put(key, generatedStream(100_000, failure).stream)).rejects.toBe(failure);
    expect((await readAll(await store.get(key))).toString()).toBe('the good version');
  });

  it('writes a stream as it arrives: bytes reach the backend before the stream has ended', async () => {
    const key = newKey();
    const total = 24 * MB;
    // Past one multipart part (16 MiB), which the S3 driver holds before it sends it.
    const holdAt = 20 * MB;
    const block = randomBytes(256 * 1024);
    const hash = createHash('sha256');
    const atRestBefore = await harness.bytesAtRest();
    let produced = 0;
    let landedWhileOpen = 0;
    async function* chunks() {
      while (produced < total) {
        if (produced === holdAt) {
          // Held open until the backend shows bytes of it: a store that buffered the whole stream
          // before writing would never get there, and the poll gives up with nothing landed.
          for (let poll = 0; poll < 1000 && landedWhileOpen <= 0; poll++) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            landedWhileOpen = (await harness.bytesAtRest()) - atRestBefore;
          }
        }
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(produced / block.length, 0);
        hash.update(chunk);
        produced += chunk.length;
        yield chunk;
      }
    }
    // Bytes, not objects, and a small buffer: the store reads at most a chunk ahead of what it took.
    const result = await store.put(key, Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 }));
    expect(landedWhileOpen).toBeGreaterThan(0);
    const sha256 = hash.digest('hex');
    expect(result).toEqual({ size: total, sha256 });
    expect(await hashStream(await store.get(key))).toEqual({ size: total, sha256 });
  });

  it('reads an object back as a stream of small chunks, never holding the whole object', async () => {
    const key = newKey();
    const total = 20 * MB;
    const { stream, digest } = generatedStream(total);
    await store.put(key, stream);
    const body = await store.get(key);
    // What a get that read the object whole before answering would already hold.
    expect(body.readableLength).toBeLessThanOrEqual(MB);
    const hash = createHash('sha256');
    let size = 0;
    let chunks = 0;
    let largestChunk = 0;
    let mostBuffered = 0;
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      chunks += 1;
      largestChunk = Math.max(largestChunk, bytes.length);
      mostBuffered = Math.max(mostBuffered, body.readableLength);
      hash.update(bytes);
      size += bytes.length;
    }
    expect({ size, sha256: hash.digest('hex') }).toEqual({ size: total, sha256: digest() });
    expect(largestChunk).toBeLessThanOrEqual(MB);
    expect(mostBuffered).toBeLessThanOrEqual(MB);
    expect(chunks).toBeGreaterThanOrEqual(total / MB);
  });

  it('rejects keys that escape the store', async () => {
    const bad = [
      '',
      '../outside',
      'versions/../../outside',
      'versions/..',
      '..',
      '/etc/passwd',
      'versions//double',
      'versions/./dot',
      'versions/trailing/',
      'back\\slash',
      'space in key',
      'percent%2e%2e',
      'nul\u0000byte',
      'ünïcode',
      'x'.repeat(513),
      `versions/${'x'.repeat(256)}`,
    ];
    for (const key of bad) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
  });

  it('accepts the longest allowed key and the full key alphabet', async () => {
    // Segments of 100: s3rver stores each segment as a file name with a suffix of its own.
    const longest = ['versions', ...Array.from({ length: 5 }, (_, i) => String(i).repeat(100))].join('/').slice(0, 512);
    expect(longest.length).toBe(512);
    const alphabet = 'Az09/_.-x/file.v1_final-2.pdf';
    for (const key of [longest, alphabet]) {
      await store.put(key, Readable.from([Buffer.from(key)]));
      expect((await readAll(await store.get(key))).toString()).toBe(key);
    }
  });
}

describe.each<[string, HarnessFactory]>([
  ['local', localHarness],
  ['s3', s3Harness],
])('ObjectStore contract (%s driver)', (_driver, makeHarness) => {
  objectStoreContract(makeHarness);
});

describe('LocalDiskStore', () => {
  let dir: string;
  let store: LocalDiskStore;

  beforeEach(async () => {
    dir = await tempDir();
    store = new LocalDiskStore(dir);
    await store.init();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no temp file after a failed write', async () => {
    const failure = new Error('client went away');
    await expect(store.put(newKey(), generatedStream(500_000, failure).stream)).rejects.toBe(failure);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves no temp file after a successful write', async () => {
    await store.put(newKey(), Readable.from([randomBytes(1000)]));
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('keeps objects under objects/ in the root directory', async () => {
    await store.put('versions/a/b', Readable.from([Buffer.from('on disk')]));
    expect(await readdir(path.join(dir, 'objects', 'versions', 'a'))).toEqual(['b']);
  });

  it('sweepTemp removes abandoned temp files and keeps recent ones', async () => {
    const tmp = path.join(dir, 'tmp');
    const old = path.join(tmp, 'abandoned.partial');
    const fresh = path.join(tmp, 'in-progress.partial');
    await writeFile(old, 'half an upload');
    await writeFile(fresh, 'an upload under way');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, anHourAgo, anHourAgo);

    expect(await store.sweepTemp(10 * 60_000)).toBe(1);
    expect(await readdir(tmp)).toEqual(['in-progress.partial']);
  });

  it('sweepTemp copes with a store that was never initialised', async () => {
    expect(await new LocalDiskStore(path.join(dir, 'nowhere')).sweepTemp(0)).toBe(0);
  });
});

describe('S3Store', () => {
  const stores: S3Store[] = [];
  function s3Store(options: Partial<ConstructorParameters<typeof S3Store>[0]> & { endPoint: string }): S3Store {
    const store = new S3Store({ accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'unreachable', region: 'us-east-1', ...options });
    stores.push(store);
    return store;
  }
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it('an unreachable server rejects StorageUnavailableError', async () => {
    const store = s3Store({ endPoint: `http://127.0.0.1:${await freeClosedPort()}` });
    await expect(store.init()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.put(newKey(), Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.get(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.stat(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.delete(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('an unreachable server rejects StorageUnavailableError during a multipart upload too', async () => {
    const store = s3Store({ endPoint: `http://127.0.0.1:${await freeClosedPort()}` });
    const { stream } = generatedStream(17 * MB);
    await expect(store.put(newKey(), stream)).rejects.toBeInstanceOf(StorageUnavailableError);
    // Left to its owner, who may still want to answer on the request it belongs to.
    expect(stream.destroyed).toBe(false);
  });

  describe('against a misbehaving server', () => {
    let server: http.Server;
    let behaviour: (req: http.IncomingMessage, res: http.ServerResponse) => void;
    let endpoint: string;

    beforeAll(async () => {
      server = http.createServer((req, res) => behaviour(req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('a 5xx answer rejects StorageUnavailableError', async () => {
      behaviour = (req, res) => {
        req.resume();
        res.writeHead(503, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>ServiceUnavailable</Code><Message>down for maintenance</Message></Error>');
      };
      // minio retries a 503 once and warns on the console about it.
      const warn = console.warn;
      console.warn = () => undefined;
      try {
        const store = s3Store({ endPoint: endpoint });
        await expect(store.stat(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
        await expect(store.get(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
      } finally {
        console.warn = warn;
      }
    });

    it('a connection dropped mid-request rejects StorageUnavailableError', async () => {
      behaviour = (req) => req.socket.destroy();
      const store = s3Store({ endPoint: endpoint });
      await expect(store.stat(newKey())).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(store.put(newKey(), Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(StorageUnavailableError);
    });

    it('tries a read again when its connection drops, so one reset socket does not fail a download', async () => {
      let reads = 0;
      behaviour = (req, res) => {
        reads += 1;
        // Every other request loses its connection before an answer.
        if (reads % 2 === 1) return req.socket.destroy();
        const body = Buffer.from('the stored bytes');
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length, ETag: '"e"', 'Last-Modified': new Date().toUTCString() });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      const store = s3Store({ endPoint: endpoint });
      expect((await readAll(await store.get(newKey()))).toString()).toBe('the stored bytes');
      expect(reads).toBe(2);
      expect(await store.stat(newKey())).toEqual({ size: 16 });
      expect(reads).toBe(4);
    });

    it('gives up on a read after three dropped connections, pausing 50 ms and then 200 ms between them', async () => {
      // Time is the fake clock's: the pauses are shown by what the store does as it advances, not
      // by how long the machine took.
      let reads = 0;
      const arrivals: Array<() => void> = [];
      const arrival = (n: number) => new Promise<void>((resolve) => (arrivals[n] = resolve));
      const arrived = [arrival(1), arrival(2), arrival(3)];
      behaviour = (req) => {
        reads += 1;
        arrivals[reads]?.();
        req.socket.destroy();
      };
      const store = s3Store({ endPoint: endpoint });
      /** Lets I/O run (setImmediate is not faked) until the store has set its pause. */
      const untilPausing = async () => {
        for (let turn = 0; turn < 100_000 && jest.getTimerCount() === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
        expect(jest.getTimerCount()).toBe(1);
      };
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        const reading = store.get(newKey());
        reading.catch(() => undefined);
        await arrived[0];
        await untilPausing();
        jest.advanceTimersByTime(49);
        expect([reads, jest.getTimerCount()]).toEqual([1, 1]);
        jest.advanceTimersByTime(1);
        await arrived[1];
        await untilPausing();
        jest.advanceTimersByTime(199);
        expect([reads, jest.getTimerCount()]).toEqual([2, 1]);
        jest.advanceTimersByTime(1);
        await arrived[2];
        await expect(reading).rejects.toBeInstanceOf(StorageUnavailableError);
        expect([reads, jest.getTimerCount()]).toEqual([3, 0]);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  it('takes the multipart path for objects larger than a part', async () => {
    const server = await sharedS3Server();
    const store = s3Store({ endPoint: server.endpoint, bucket: server.bucket });
    const before = server.listMultipartUploadsCount();
    const { stream, digest } = generatedStream(17 * MB);
    expect((await store.put(newKey(), stream)).sha256).toBe(digest());
    expect(server.listMultipartUploadsCount()).toBe(before + 1);
  });

  it('sends small objects in one PUT', async () => {
    const server = await sharedS3Server();
    const store = s3Store({ endPoint: server.endpoint, bucket: server.bucket });
    const before = server.listMultipartUploadsCount();
    await store.put(newKey(), Readable.from([randomBytes(1000)]));
    expect(server.listMultipartUploadsCount()).toBe(before);
  });
});

describe('createObjectStore', () => {
  it('builds a local store under the data directory', async () => {
    const dir = await tempDir();
    try {
      const store = createObjectStore({ driver: 'local', dataDir: dir });
      expect(store.driver).toBe('local');
      await store.init();
      await store.put('versions/x/y', Readable.from([Buffer.from('z')]));
      expect(await store.stat('versions/x/y')).toEqual({ size: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('builds an S3 store from the s3 settings', async () => {
    const server = await sharedS3Server();
    const store = createObjectStore({
      driver: 's3',
      dataDir: '/unused',
      s3: { endpoint: server.endpoint, accessKey: server.accessKey, secretKey: server.secretKey, bucket: server.bucket, region: server.region },
    });
    try {
      expect(store.driver).toBe('s3');
      await store.init();
      await store.put('versions/x/y', Readable.from([Buffer.from('z')]));
      expect(await store.stat('versions/x/y')).toEqual({ size: 1 });
    } finally {
      await store.close?.();
    }
  });

  it('refuses the s3 driver without its settings', () => {
    expect(() => createObjectStore({ driver: 's3', dataDir: '/unused' })).toThrow(/s3 settings/);
  });
});
