import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.js';
import { createDb, migrateToLatest, type Db } from '../../server/db.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { assertSharedSecretsMatch, sharedSecretFingerprints } from '../../server/security/shared-secrets.js';
import { createPostgresSchema } from '../support/test-app.js';
import { startServerProcess } from '../reliability/support/server-process.js';

/**
 * docs/quality.md security 16: the ledger's signing key, the session secret and the MFA sealing key must
 * be the same in every process on one database. The first process to start records a fingerprint
 * of each; a process with another value refuses to start and names the variable; the same values
 * start fine. Checked on a SQLite file and on a PostgreSQL schema, and once through a real start.
 */
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const ed25519Pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const values = () => ({
  AUDIT_SIGNING_KEY: ed25519Pem(),
  SESSION_SECRET: randomBytes(32).toString('hex'),
  MFA_SEALING_KEY: randomBytes(32).toString('base64'),
});

interface Database {
  url?: string;
  /** DATA_DIR of a process: its own for each, as on separate machines (on SQLite the database file lives in the first). */
  newDataDir(): string;
  db: Db;
  close(): Promise<void>;
}

async function sqliteDatabase(): Promise<Database> {
  const dirs: string[] = [];
  const newDataDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-secrets-'));
    dirs.push(dir);
    return dir;
  };
  const home = newDataDir();
  const db = createDb({ dataDir: home });
  await migrateToLatest(db);
  return {
    newDataDir,
    db,
    close: async () => {
      await db.destroy();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

async function postgresDatabase(): Promise<Database> {
  const schema = await createPostgresSchema(POSTGRES_URL);
  const dirs: string[] = [];
  const db = createDb({ dataDir: os.tmpdir(), databaseUrl: schema.url });
  await migrateToLatest(db);
  return {
    url: schema.url,
    newDataDir: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-secrets-'));
      dirs.push(dir);
      return dir;
    },
    db,
    close: async () => {
      await db.destroy();
      await schema.drop();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/** What index.ts does at start, after the migrations, for a process with this configuration. */
function start(database: Database, env: Record<string, string>, dataDir = database.newDataDir()): Promise<void> {
  const config: Config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(database.url ? { DATABASE_URL: database.url } : {}), ...env });
  return assertSharedSecretsMatch(database.db, sharedSecretFingerprints(config, loadLedgerKey(config.audit)));
}

describe.each([
  ['a SQLite file', sqliteDatabase],
  ['a PostgreSQL schema', postgresDatabase],
])('shared secrets on %s', (_label, open) => {
  let database: Database;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('starts a second process with the same values, and any number after it', async () => {
    const shared = values();
    await start(database, shared);
    await start(database, shared);
    await start(database, shared);
  });

  it.each(['AUDIT_SIGNING_KEY', 'SESSION_SECRET', 'MFA_SEALING_KEY'] as const)('refuses to start a process whose %s differs, naming it and no other', async (variable) => {
    const first = values();
    await start(database, first);
    const second = { ...first, [variable]: values()[variable] };
    const refusal = start(database, second);
    await expect(refusal).rejects.toThrow(new RegExp(`^${variable} is not the one this database was first started with`));
    const message = String(await refusal.catch((err: Error) => err.message));
    for (const other of ['AUDIT_SIGNING_KEY', 'SESSION_SECRET', 'MFA_SEALING_KEY'].filter((v) => v !== variable)) expect(message).not.toContain(other);
    // The first value still starts.
    await start(database, first);
  });

  it('refuses a process that leaves SESSION_SECRET and MFA_SEALING_KEY to its own DATA_DIR while the first had others', async () => {
    const first = values();
    await start(database, first);
    const { AUDIT_SIGNING_KEY } = first;
    await expect(start(database, { AUDIT_SIGNING_KEY, MFA_SEALING_KEY: first.MFA_SEALING_KEY })).rejects.toThrow(/^SESSION_SECRET .*DATA_DIR\/session-secret \(SESSION_SECRET is not set\)/);
    await expect(start(database, { AUDIT_SIGNING_KEY, SESSION_SECRET: first.SESSION_SECRET })).rejects.toThrow(/^MFA_SEALING_KEY .*DATA_DIR\/mfa-secret-key/);
  });

  it('keeps a fingerprint that is neither the secret nor a plain hash of it', async () => {
    const shared = values();
    await start(database, shared);
    const rows: Array<{ setting: string; fingerprint: string }> = await database.db('sharedSecretFingerprints').select('setting', 'fingerprint');
    expect(rows.map((r) => r.setting).sort()).toEqual(['AUDIT_SIGNING_KEY', 'MFA_SEALING_KEY', 'SESSION_SECRET']);
    const stored = JSON.stringify(rows);
    const forms = (v: string | Buffer) => [String(v), createHash('sha256').update(v).digest('hex'), createHash('sha256').update(v).digest('base64')];
    for (const form of [
      ...forms(shared.SESSION_SECRET),
      ...forms(shared.MFA_SEALING_KEY),
      ...forms(Buffer.from(shared.MFA_SEALING_KEY, 'base64')),
      ...forms(shared.AUDIT_SIGNING_KEY),
    ]) {
      expect(stored).not.toContain(form);
    }
    // The ledger key is named by its public id, the one its checkpoints carry.
    expect(rows.find((r) => r.setting === 'AUDIT_SIGNING_KEY')!.fingerprint).toMatch(/^ed25519-key-id:[0-9a-f]{16}$/);
  });

  it('holds a database whose ledger was signed before fingerprints were kept to the key of its latest checkpoint', async () => {
    const signer = values();
    const { keyId } = loadLedgerKey({ signingKey: signer.AUDIT_SIGNING_KEY, signingKeyFile: '/nonexistent', checkpointEveryEvents: 1, checkpointEveryMs: 1 });
    await database.db('auditCheckpoints').insert({ seq: 1, headHash: 'a'.repeat(64), at: new Date().toISOString(), keyId, signature: 'x' });
    await expect(start(database, values())).rejects.toThrow(/^AUDIT_SIGNING_KEY /);
    await start(database, { ...values(), AUDIT_SIGNING_KEY: signer.AUDIT_SIGNING_KEY });
  });
});

it('a real second server process on the same database with another SESSION_SECRET exits at start, naming it', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-secrets-proc-'));
  try {
    const shared = values();
    const first = await startServerProcess(shared, { dataDir });
    await first.stop();
    const refused = startServerProcess({ ...shared, SESSION_SECRET: values().SESSION_SECRET }, { dataDir });
    await expect(refused).rejects.toThrow(/exited with 1 before it was up[\s\S]*SESSION_SECRET is not the one this database was first started with/);
    const again = await startServerProcess(shared, { dataDir });
    expect(await again.stop()).toBe(0);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
