import { isPostgres, type Db } from '../db.js';

// Any constant works: it names the lock that lets one process at a time migrate and bootstrap.
const STARTUP_LOCK_KEY = 7_301_202_612;

/**
 * Runs start-up work (migrations, the first admin) in one process at a time. Processes started
 * together on one PostgreSQL would otherwise race: knex refuses a second migrator outright
 * ("Migration table is already locked") and two first admins would collide. The lock is a
 * session advisory lock on one pooled connection; the work itself may use any connection.
 * SQLite serves one machine, where its single writer already orders everything.
 */
export async function withStartupLock<T>(db: Db, work: () => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return work();
  const connection = await db.client.acquireConnection();
  try {
    await db.raw('select pg_advisory_lock(?)', [STARTUP_LOCK_KEY]).connection(connection);
    try {
      return await work();
    } finally {
      await db.raw('select pg_advisory_unlock(?)', [STARTUP_LOCK_KEY]).connection(connection);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}
