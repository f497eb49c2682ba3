import { createRequire } from 'node:module';
import type { Knex } from 'knex';

// knex has no option for the kind of SQLite transaction, so its own sqlite3 client and transaction
// classes are extended; they are CommonJS internals without type declarations.
const require = createRequire(import.meta.url);
const ClientSqlite3 = require('knex/lib/dialects/sqlite3/index.js') as new (config: Knex.Config) => object;
const TransactionSqlite = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js') as new (...args: unknown[]) => {
  query(conn: unknown, sql: string): Promise<unknown>;
};

class ImmediateTransaction extends TransactionSqlite {
  begin(conn: unknown) {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  }
}

/**
 * knex's sqlite3 client, except that every transaction starts with BEGIN IMMEDIATE. A plain
 * (deferred) BEGIN takes its read snapshot first and the write lock only at the first write; when
 * another process wrote in between, that upgrade fails at once with SQLITE_BUSY instead of waiting.
 * Two server processes on one database file would then lose events, or both read the same ledger
 * head. IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so transactions of all
 * processes serialise and each one reads the head the previous one committed.
 */
export class ImmediateSqliteClient extends ClientSqlite3 {
  transaction(...args: unknown[]) {
    return new ImmediateTransaction(this, ...args);
  }
}
