import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
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
 * enforces the same limit and a restart forgets nothing. Checked before the password is verified:
 * a throttled guess learns nothing, right or wrong.
 */
export async function assertNotThrottled(db: Db, throttle: Throttle, keys: ThrottleKeys, now = Date.now()): Promise<void> {
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
  throw new HttpError(429, 'rate_limited', 'Too many failed sign-ins; try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

/** Charges one failed sign-in to both counters, and drops what has left the window. */
export async function recordLoginFailure(db: Db, throttle: Throttle, keys: ThrottleKeys, now = Date.now()): Promise<void> {
  const at = new Date(now).toISOString();
  await db('loginFailures').insert([
    { key: keys.account, at },
    { key: keys.ip, at },
  ]);
  await db('loginFailures').where('at', '<=', new Date(now - throttle.windowMs).toISOString()).delete();
}

/**
 * A successful sign-in is not counted, and clears the account's failures (its owner has proven
 * themselves). The IP's failures stay: one good account must not launder guesses at others.
 */
export const clearAccountFailures = (db: Db, keys: ThrottleKeys) => db('loginFailures').where({ key: keys.account }).delete();
