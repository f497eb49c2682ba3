import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import { ADMIN, createPostgresSchema } from '../../support/test-app.js';
import { startS3TestServer, type S3TestServer } from '../../storage/s3-test-server.js';
import { S3Store } from '../../../storage/s3-store.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** The reliability tests run on PostgreSQL: the server named by TEST_DATABASE_URL, else the local one. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * What a multi-process deployment shares, and nothing more: one PostgreSQL database (a schema of its
 * own per test), one S3-protocol object store (s3rver in this process), and the configuration every
 * process must agree on (the session-signing key, the ledger's checkpoint key, the MFA sealing key:
 * a process with another value refuses to start). Each process gets a
 * data directory of its own, so nothing can pass between them through local disk.
 */
export interface Cluster {
  s3: S3TestServer;
  /** A knex handle on the cluster's schema, for checks the API does not expose (camelCase like the server's). */
  db: Knex;
  env: Record<string, string>;
  processes: ServerProcess[];
  start(extraEnv?: Record<string, string>, opts?: { port?: number }): Promise<ServerProcess>;
  /** A store client of the cluster's bucket, as the servers see it. */
  store(): S3Store;
  /** Stops the object store (every connection dropped) and starts it again on the same port and directory. */
  stopStorage(): Promise<void>;
  restartStorage(): Promise<void>;
  close(): Promise<void>;
}

const toSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export async function startCluster(extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const schema = await createPostgresSchema(POSTGRES_URL);
  let s3: S3TestServer = await startS3TestServer({ directory: fs.mkdtempSync('/tmp/gatehouse-s3-cluster-') });
  const { port, directory, bucket } = s3;
  const { privateKey } = generateKeyPairSync('ed25519');
  const env: Record<string, string> = {
    DATABASE_URL: schema.url,
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_BUCKET: bucket,
    S3_REGION: s3.region,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    AUDIT_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    MFA_SEALING_KEY: randomBytes(32).toString('base64'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...extraEnv,
  };
  const db = knexFactory({
    client: 'pg',
    connection: schema.url,
    pool: { min: 0, max: 2 },
    wrapIdentifier: (value, orig) => (value === '*' ? orig(value) : orig(toSnake(value))),
    postProcessResponse: (rows) =>
      Array.isArray(rows) ? rows.map((r) => (r && typeof r === 'object' ? Object.fromEntries(Object.entries(r).map(([k, v]) => [toCamel(k), v])) : r)) : rows,
  });
  const processes: ServerProcess[] = [];
  const stores: S3Store[] = [];
  let storageUp = true;
  return {
    get s3() {
      return s3;
    },
    db,
    env,
    processes,
    async start(more = {}, opts = {}) {
      const proc = await startServerProcess({ ...env, ...more }, opts);
      processes.push(proc);
      return proc;
    },
    store() {
      const store = new S3Store({ endPoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, bucket, region: s3.region });
      stores.push(store);
      return store;
    },
    async stopStorage() {
      await s3.stop();
      storageUp = false;
    },
    async restartStorage() {
      s3 = await startS3TestServer({ directory, port, bucket });
      storageUp = true;
    },
    async close() {
      await Promise.all(processes.map((p) => p.kill()));
      for (const store of stores) await store.close();
      await db.destroy();
      await schema.drop();
      if (storageUp) await s3.stop();
      fs.rmSync(directory, { recursive: true, force: true });
      for (const p of processes) fs.rmSync(p.dataDir, { recursive: true, force: true });
    },
  } as Cluster;
}
