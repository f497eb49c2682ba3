import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The slice of @20minutes/s3rver (v4) used here; the package ships no type declarations. */
interface S3rverObject {
  content: Readable | null;
  range?: { start: number; end: number };
}
interface S3rverStore {
  getBucket(name: string): Promise<unknown>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}
interface S3rverInstance {
  callback(): http.RequestListener;
  configureBuckets(): Promise<unknown>;
  store: S3rverStore;
  logger: { close(): void; exceptions: { unhandle(): void } };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);

export interface S3TestServerOptions {
  /** Store here instead of a fresh temp directory (kept at stop): restart on it to keep the objects. */
  directory?: string;
  /** Listen on this port instead of a free one: a restart on the same port is the same endpoint. */
  port?: number;
  bucket?: string;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  directory: string;
  accessKey: string;
  secretKey: string;
  /** A bucket that already exists; tests wanting isolation can create more through the API. */
  bucket: string;
  region: string;
  /** How many ListMultipartUploads requests the shim answered, i.e. how many multipart uploads began. */
  listMultipartUploadsCount(): number;
  stop(): Promise<void>;
}

// s3rver registers this pair in its built-in account and checks signatures against it.
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const REGION = 'us-east-1';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * s3rver reads `Range: bytes=0-0` as `bytes=0-` (it tests the end with `||`) and sends the whole
 * object where S3 sends one byte. Patched at the store so requests still pass its signature check.
 */
function serveFirstByteRanges(store: S3rverStore): void {
  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    if (object?.content && object.range && options?.start === 0 && options.end === 0) {
      object.content.destroy();
      object.range = { start: 0, end: 0 };
      object.content = createReadStream(store.getResourcePath(bucket, key, 'object'), { start: 0, end: 0 });
    }
    return object;
  };
}

/**
 * A real S3 protocol server (s3rver, signature checking on) in this process, on 127.0.0.1 and
 * a free port, storing into a fresh temp directory.
 *
 * minio's putObject asks ListMultipartUploads (GET /<bucket>?uploads) for an upload to resume
 * before every multipart upload, and s3rver answers that NotImplemented. A plain http server in
 * front answers it with an empty listing (no signature check on that one request) and hands
 * everything else to s3rver untouched.
 */
export async function startS3TestServer(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const S3rver = require('@20minutes/s3rver') as S3rverConstructor;
  const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'gatehouse-s3rver-')));
  const bucket = options.bucket ?? `gatehouse-test-${randomBytes(4).toString('hex')}`;
  const s3rver = new S3rver({
    directory,
    silent: true,
    vhostBuckets: false,
    allowMismatchedSignatures: false,
    resetOnClose: false,
    configureBuckets: [{ name: bucket }],
  });
  await s3rver.configureBuckets();
  serveFirstByteRanges(s3rver.store);
  const s3Handler = s3rver.callback();
  let listings = 0;

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const bucketName = /^\/([^/]+)\/?$/.exec(url.pathname)?.[1];
      if (req.method === 'GET' && bucketName && url.searchParams.has('uploads') && (await s3rver.store.getBucket(bucketName))) {
        listings += 1;
        const prefix = escapeXml(url.searchParams.get('prefix') ?? '');
        const body =
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Bucket>${escapeXml(bucketName)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
          `<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><Prefix>${prefix}</Prefix>` +
          '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>';
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      s3Handler(req, res);
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    bucket,
    region: REGION,
    listMultipartUploadsCount: () => listings,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      // A directory the caller gave outlives the server: a restart on it finds every object again.
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}
