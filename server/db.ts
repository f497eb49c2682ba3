import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from '../migrations/index.js';
import { ImmediateSqliteClient } from './sqlite-immediate-client.js';

export type Db = Knex;

const toSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function camelizeRow(row: unknown): unknown {
  if (Array.isArray(row)) return row.map(camelizeRow);
  if (row === null || typeof row !== 'object' || row instanceof Date || Buffer.isBuffer(row)) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[toCamel(k)] = v;
  return out;
}

/**
 * The column name a camelCase field is stored under; shared with the SQL policy filter.
 * (knex's pluck() reads the raw snake_case row before conversion: select and map camelCase fields instead.)
 */
export const columnName = toSnake;

export interface DbOptions {
  databaseUrl?: string;
  dataDir: string;
}

/**
 * SQLite in DATA_DIR by default, PostgreSQL when DATABASE_URL is set. Columns are snake_case in the
 * database and camelCase in code: knex converts identifiers both ways, so queries read like the domain.
 */
export function createDb(opts: DbOptions): Db {
  const common = {
    wrapIdentifier: (value: string, origImpl: (v: string) => string) =>
      value === '*' || typeof value !== 'string' ? origImpl(value) : origImpl(toSnake(value)),
    postProcessResponse: (result: unknown) => camelizeRow(result),
    migrations: { migrationSource, tableName: 'knex_migrations' },
  };
  if (opts.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: 10 },
      ...common,
    });
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const db = knexFactory({
    // Transactions begin IMMEDIATE: see sqlite-immediate-client.ts (several processes on one file).
    client: ImmediateSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: path.join(opts.dataDir, 'gatehouse.sqlite') },
    useNullAsDefault: true,
    // One connection: SQLite serialises writers anyway, and one connection makes every knex
    // transaction a real exclusive unit (the audit chain relies on that).
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, c: unknown) => void) => {
        // Foreign keys are off by default in SQLite; the model depends on them.
        conn.run('PRAGMA foreign_keys = ON', (err) => {
          if (err) return done(err, conn);
          // secure_delete: deleted and overwritten content is zeroed, not left in free pages (erasure).
          conn.run('PRAGMA journal_mode = WAL', () => conn.run('PRAGMA busy_timeout = 5000', () => conn.run('PRAGMA secure_delete = ON', (e) => done(e, conn))));
        });
      },
    },
    ...common,
  });
  // Reads that may run beside the writer (readerOf), on connections of their own, closed with it.
  let reader: Db | null = null;
  readers.set(db, () =>
    (reader ??= knexFactory({
      client: 'sqlite3',
      connection: { filename: path.join(opts.dataDir, 'gatehouse.sqlite') },
      useNullAsDefault: true,
      pool: {
        min: 0,
        max: SQLITE_READERS,
        afterCreate: (conn: { run: (sql: string, cb: (err: Error | null) => void) => void }, done: (err: Error | null, c: unknown) => void) =>
          conn.run('PRAGMA query_only = ON', () => conn.run('PRAGMA busy_timeout = 5000', (e) => done(e, conn))),
      },
      ...common,
    })),
  );
  // knex's own destroy cannot be replaced; its client's, which it calls, can.
  const client = db.client as { destroy: (callback?: unknown) => Promise<void> };
  const destroyClient = client.destroy.bind(client);
  client.destroy = async (callback?: unknown) => {
    await reader?.destroy();
    return destroyClient(callback);
  };
  return db;
}

/** Connections that only read, beside SQLite's one connection (readerOf). */
const SQLITE_READERS = 2;
const readers = new WeakMap<Db, () => Db>();

/**
 * Where a long read that needs no transaction (a search's window of pages) runs: on SQLite, a pool of
 * read-only connections beside the one that writes — in WAL mode readers neither wait for the writer
 * nor for each other, so two searches use two cores instead of queueing behind one connection, and
 * behind every write; on PostgreSQL, the pool itself. A reader sees what was committed when it began.
 */
export const readerOf = (db: Db): Db => readers.get(db)?.() ?? db;

export async function migrateToLatest(db: Db): Promise<void> {
  await db.migrate.latest();
}

export const isPostgres = (db: Db) => db.client.config.client === 'pg';
