import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import { loadConfig, type Config } from '../../server/config.js';
import { createDb, migrateToLatest, type Db } from '../../server/db.js';
import { createLogger } from '../../server/logger.js';
import { createApp } from '../../server/app.js';
import { afterResponseTasksSettled } from '../../server/service-context.js';
import type { ImageStampSlots } from '../../server/downloads/image-stamp-slots.js';
import { ensureFirstAdmin } from '../../server/users/service.js';
import { startMailDelivery } from '../../server/mail/mail-delivery.js';
import { startTextIndexer } from '../../server/search/text-indexer.js';
import type { MailWorker } from '../../server/mail/worker.js';
import { createObjectStore } from '../../storage/create-object-store.js';
import type { ObjectStore } from '../../storage/object-store.js';

export const ADMIN = { email: 'admin@seller.example', password: 'correct horse battery staple' };

export interface TestApp {
  app: Express;
  db: Db;
  store: ObjectStore;
  config: Config;
  dataDir: string;
  /** The mail worker, when started with { mailWorker: true }: runOnce() sends what is due now. */
  mail?: MailWorker;
  /** Extracts the text of every document queued now (search); resolves with how many were indexed. */
  indexText(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A fresh Gatehouse on a fresh database: SQLite in a temporary DATA_DIR by default, or the
 * PostgreSQL server named by TEST_DATABASE_URL (a schema of its own per app, dropped at close).
 * With `database` (createTestDatabase), it runs on that one instead and leaves it in place.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  deps: { imageStampSlots?: ImageStampSlots; mailWorker?: boolean | { digestSettleMs?: number }; database?: TestDatabase } = {},
): Promise<TestApp> {
  // An app given a database runs on it and leaves it in place at close (a restart, a second process).
  const database = deps.database ?? (await createTestDatabase());
  const { dataDir } = database;
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    // Argon2 at its least (config allows it under jest only): a suite creates thousands of users.
    // test/security/login.test.ts holds production's cost to OWASP's.
    PASSWORD_HASH_COST: 'minimal',
    NODE_ENV: process.env.NODE_ENV ?? '',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  });
  const db = createDb({ dataDir, databaseUrl: config.databaseUrl });
  await migrateToLatest(db);
  const store = createObjectStore({ driver: 'local', dataDir });
  await store.init();
  // The app first: it sets this process's password hashing cost, which the first admin's hash takes.
  const app = createApp({ db, store, config, logger: createLogger('silent'), imageStampSlots: deps.imageStampSlots });
  await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
  // The outbox's worker, as a process runs it, when the test is about mail (polling every MAIL_POLL_SECONDS).
  const mail = deps.mailWorker
    ? startMailDelivery({ db, config, logger: createLogger('silent'), digestSettleMs: typeof deps.mailWorker === 'object' ? deps.mailWorker.digestSettleMs : undefined })
    : undefined;
  // Text extraction, run when a test asks (indexText): deterministic, and no child processes for tests not about search.
  const textIndexer = startTextIndexer({ db, store, config, logger: createLogger('silent') });
  return {
    app,
    db,
    store,
    config,
    dataDir,
    mail,
    indexText: () => textIndexer.runOnce(),
    close: async () => {
      await textIndexer.stop();
      await mail?.stop();
      await afterResponseTasksSettled(db);
      await db.destroy();
      if (!deps.database) await database.drop();
    },
  };
}

/**
 * A database that outlives the apps started on it (startTestApp(env, { database })): a restart is a
 * new app on the same one, and two apps on one are two processes sharing it. Its DATA_DIR is shared
 * too (the secrets kept there, the local object store, the .eml mail), as on one machine. SQLite in
 * a temporary DATA_DIR, or a schema of its own on TEST_DATABASE_URL's server; the caller drops it.
 */
export interface TestDatabase {
  dataDir: string;
  databaseUrl?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  const postgres = process.env.TEST_DATABASE_URL ? await createPostgresSchema(process.env.TEST_DATABASE_URL) : undefined;
  return {
    dataDir,
    databaseUrl: postgres?.url,
    drop: async () => {
      await postgres?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A schema of its own on the PostgreSQL server, so every test starts from an empty database and
 * suites can run side by side; the app reaches it through DATABASE_URL's search_path option.
 */
export async function createPostgresSchema(serverUrl: string) {
  const schema = `gh_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create schema ${schema}`);
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await admin.raw(`drop schema ${schema} cascade`);
      await admin.destroy();
    },
  };
}

/** A signed-in browser: a cookie session plus the CSRF token every write must carry. */
export class Client {
  private constructor(
    readonly agent: ReturnType<typeof request.agent>,
    private readonly csrf: string,
    readonly user: { id: string; email: string; name: string; orgId: string; role: string },
  ) {}

  /** `app` is the express app, or the base URL of a running server. */
  /** Signs in (with a TOTP code when given) and holds the session's CSRF token. */
  static async login(app: Express | string, email: string, password: string, otp?: string): Promise<Client> {
    const agent = request.agent(app);
    const res = await agent.post('/api/auth/login').send({ email, password, ...(otp ? { otp } : {}) });
    if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
    const csrf = await agent.get('/api/auth/csrf');
    return new Client(agent, csrf.body.token, res.body.user);
  }

  get(url: string) {
    return this.agent.get(url);
  }
  post(url: string, body?: object) {
    return this.agent.post(url).set('X-CSRF-Token', this.csrf).send(body ?? {});
  }
  patch(url: string, body?: object) {
    return this.agent.patch(url).set('X-CSRF-Token', this.csrf).send(body ?? {});
  }
  put(url: string, body?: object) {
    return this.agent.put(url).set('X-CSRF-Token', this.csrf).send(body ?? {});
  }
  delete(url: string) {
    return this.agent.delete(url).set('X-CSRF-Token', this.csrf);
  }
  /** A multipart upload: the file in the field `file`, the rest as plain form fields. */
  upload(url: string, file: { data: Buffer; name: string }, fields: Record<string, string | boolean | string[]> = {}) {
    const req = this.agent.post(url).set('X-CSRF-Token', this.csrf);
    for (const [k, v] of Object.entries(fields)) req.field(k, Array.isArray(v) ? JSON.stringify(v) : String(v));
    return req.attach('file', file.data, file.name);
  }
}
