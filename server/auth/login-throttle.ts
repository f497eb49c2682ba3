import { isPostgres, type Db } from '../db.js';
import type { Config } from '../config.js';
import { rateLimited } from '../errors.js';
import { normaliseEmail } from '../users/repository.js';
import { sha256Hex } from './secret-hash.js';

export interface ThrottleKeys {
  account: string;
  ip: string;
}

/**
 * The two counters a sign-in attempt is charged to. The account key is the SHA-256 of the
 * normalised email whether or not such a user exists, so an unknown email is throttled exactly like
 * a known one (no enumeration through 429s) and no email is kept in clear.
 */
export const throttleKeys = (email: string, ip: string | undefined): ThrottleKeys => ({
  account: `account:${sha256Hex(normaliseEmail(email))}`,
  ip: `ip:${ip ?? 'unknown'}`,
});

type Throttle = Config['loginThrottle'];

/**
 * Refuses with 429 rate_limited once an account or an IP has had its allowance of failed sign-ins
 * within the window. The counts live in the database, so every process behind a load balancer
 * enforces the same limit and a restart forgets nothing.
 */
async function assertNotThrottled(db: Db, throttle: Throttle, keys: ThrottleKeys, now: number): Promise<void> {
  const since = new Date(now - throttle.windowMs).toISOString();
  const rows: Array<{ key: string; n: number | string; oldest: string }> = await db('loginFailures')
    .whereIn('key', [keys.account, keys.ip])
    .where('at', '>', since)
    .groupBy('key')
    .select('key')
    .count({ n: '*' })
    .min({ oldest: 'at' });
  const over = rows.filter((r) => Number(r.n) >= (r.key === keys.account ? throttle.maxPerAccount : throttle.maxPerIp));
  if (over.length === 0) return;
  // The window slides: the limit lifts when the oldest counted failure leaves it.
  const retryAfterMs = Math.max(...over.map((r) => Date.parse(r.oldest) + throttle.windowMs - now));
  throw rateLimited('Too many failed sign-ins; try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

/** The failure rows an attempt was charged before its password was checked. */
export interface AttemptCharge {
  ids: number[];
}

/**
 * Charges a sign-in attempt to both counters as a failure *before* the password is verified, in
 * one transaction with the check: attempts made at the same instant cannot all pass a check that
 * none of their failures has reached yet, so no burst gets more guesses than the limit. Serialised
 * per key by advisory locks on PostgreSQL, by SQLite's single writer otherwise. A throttled guess
 * learns nothing, right or wrong. Drops what has left the window on the way.
 */
export async function chargeAttempt(db: Db, throttle: Throttle, keys: ThrottleKeys, now = Date.now()): Promise<AttemptCharge> {
  return db.transaction(async (trx) => {
    if (isPostgres(trx)) {
      // Always in the same order, so two attempts never wait on each other's second lock.
      for (const key of [keys.account, keys.ip].sort()) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [key]);
    }
    await trx('loginFailures').where('at', '<=', new Date(now - throttle.windowMs).toISOString()).delete();
    await assertNotThrottled(trx, throttle, keys, now);
    const at = new Date(now).toISOString();
    const rows: Array<{ id: number } | number> = await trx('loginFailures').insert([{ key: keys.account, at }, { key: keys.ip, at }]).returning('id');
    return { ids: rows.map((r) => Number(typeof r === 'object' ? r.id : r)) };
  });
}

/** The attempt was not a failure (it succeeded, or was the first step of a two-step sign-in): uncharge it. */
export const refundAttempt = (db: Db, charge: AttemptCharge) => db('loginFailures').whereIn('id', charge.ids).delete();

/**
 * A successful sign-in is not counted, and clears the account's failures (its owner has proven
 * themselves). The IP's failures stay: one good account must not launder guesses at others.
 */
export const clearAccountFailures = (db: Db, keys: ThrottleKeys) => db('loginFailures').where({ key: keys.account }).delete();
