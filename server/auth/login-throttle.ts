import { isPostgres, type Db } from '../db.js';
import type { Config } from '../config.js';
import { rateLimited } from '../errors.js';
import { normaliseEmail } from '../users/repository.js';
import { emailPseudonym } from '../security/email-pseudonym.js';

/**
 * The two counters a password guess is charged to: the account *as tried from this IP*, and the IP
 * across every account.
 *
 * There is deliberately no counter of the account alone: it would let anyone lock anyone out — five
 * wrong passwords from anywhere and the admin could not sign in for a quarter of an hour. Keyed by
 * account and source, a source hammering an account slows down only itself; the owner signing in
 * from anywhere that has not failed always has their password checked. What a spread-out attack
 * still gets is bounded by the per-IP cap times the addresses it holds (and by TOTP, where enrolled).
 *
 * The key hashes the normalised email whether or not such a user exists, so an unknown email is
 * throttled exactly like a known one (no enumeration through 429s) and no email is kept in clear.
 */
export interface ThrottleKeys {
  accountAndIp: string;
  ip: string;
}

// The account is named by a keyed pseudonym: the throttle table must not tell which addresses were tried.
export const throttleKeys = (config: Pick<Config, 'sessionSecret' | 'dataDir'>, email: string, ip: string | undefined | null): ThrottleKeys => ({
  accountAndIp: `account-ip:${emailPseudonym(config, `${normaliseEmail(email)}\n${ip ?? 'unknown'}`)}`,
  ip: `ip:${ip ?? 'unknown'}`,
});

type Throttle = Config['loginThrottle'];

/**
 * The wait after the last failure before an account may be tried again from the same IP, once that
 * IP has used its free attempts on it: one minute, doubling with every further failure (2, 4, 8 …),
 * never longer than the window. A user who mistyped a few times waits a minute, not a quarter of an
 * hour; a guesser's rate falls off quickly.
 */
const FIRST_DELAY_MS = 60_000;
export const delayAfter = (failures: number, throttle: Throttle): number =>
  failures < throttle.maxPerAccountAndIp ? 0 : Math.min(FIRST_DELAY_MS * 2 ** (failures - throttle.maxPerAccountAndIp), throttle.windowMs);

/**
 * Refuses with 429 rate_limited while the account is in its growing delay from this IP, or the IP has
 * used its allowance of failures across accounts within the window. The counts live in the
 * database, so every process behind a load balancer enforces the same limits and a restart forgets
 * nothing.
 */
async function assertNotThrottled(db: Db, throttle: Throttle, keys: ThrottleKeys, now: number): Promise<void> {
  const since = new Date(now - throttle.windowMs).toISOString();
  const rows: Array<{ key: string; n: number | string; oldest: string; newest: string }> = await db('loginFailures')
    .whereIn('key', [keys.accountAndIp, keys.ip])
    .where('at', '>', since)
    .groupBy('key')
    .select('key')
    .count({ n: '*' })
    .min({ oldest: 'at' })
    .max({ newest: 'at' });
  const waits: number[] = [];
  for (const row of rows) {
    const n = Number(row.n);
    if (row.key === keys.ip) {
      // The window slides: the cap lifts when the oldest counted failure leaves it.
      if (n >= throttle.maxPerIp) waits.push(Date.parse(row.oldest) + throttle.windowMs - now);
    } else {
      const until = Date.parse(row.newest) + delayAfter(n, throttle);
      if (until > now) waits.push(until - now);
    }
  }
  if (waits.length === 0) return;
  throw rateLimited('Too many failed sign-ins; try again later.', {
    retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)),
  });
}

/** The failure rows an attempt was charged before its password was checked. */
export interface AttemptCharge {
  ids: number[];
}

/**
 * Charges a password guess to both counters as a failure *before* the password is verified, in one
 * transaction with the check: guesses made at the same instant cannot all pass a check that none of
 * their failures has reached yet, so no burst gets more guesses than the limit. Serialised per key
 * by advisory locks on PostgreSQL, by SQLite's single writer otherwise. A throttled guess learns
 * nothing, right or wrong. Drops what has left the window on the way.
 */
export async function chargeAttempt(db: Db, throttle: Throttle, keys: ThrottleKeys, now = Date.now()): Promise<AttemptCharge> {
  return db.transaction(async (trx) => {
    if (isPostgres(trx)) {
      // Always in the same order, so two attempts never wait on each other's second lock.
      for (const key of [keys.accountAndIp, keys.ip].sort()) await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [key]);
    }
    await trx('loginFailures').where('at', '<=', new Date(now - throttle.windowMs).toISOString()).delete();
    await assertNotThrottled(trx, throttle, keys, now);
    const at = new Date(now).toISOString();
    const rows: Array<{ id: number } | number> = await trx('loginFailures').insert([{ key: keys.accountAndIp, at }, { key: keys.ip, at }]).returning('id');
    return { ids: rows.map((r) => Number(typeof r === 'object' ? r.id : r)) };
  });
}

/** The attempt was not a failure (it succeeded, or was the first step of a two-step sign-in): uncharge it. */
export const refundAttempt = (db: Db, charge: AttemptCharge) => db('loginFailures').whereIn('id', charge.ids).delete();

/**
 * A right password is not counted, and clears the account's failures from this IP (its owner has
 * proven themselves there). The IP's failures stay: one good account must not launder guesses at others.
 */
export const clearAccountFailuresFromIp = (db: Db, keys: ThrottleKeys) => db('loginFailures').where({ key: keys.accountAndIp }).delete();
