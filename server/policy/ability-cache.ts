import type { Db } from '../db.js';
import type { Actor } from '../auth/actor.js';
import type { AppAbility } from './ability.js';
import type { AccessFacts } from './access-facts.js';

interface Entry {
  version: string;
  facts: AccessFacts;
  ability: AppAbility;
}

/** Enough for every active user of a busy deal; the oldest entry goes first past it. */
const MAX_ENTRIES = 10_000;

/**
 * Abilities already built, per database (one app, one cache; tests with several apps never share).
 * An entry is reused only while (1) the database's policy_version is the one it was built under —
 * every change to rooms, staff, parties, members, NDAs, grants, folders or allow-lists bumps it in
 * the change's own transaction, so a revocation committed by any process is seen on the very next
 * request — and (2) the request's instant lies before the facts' validUntil, so the passing of an
 * expiry or an effective date is never missed.
 */
const caches = new WeakMap<Db, Map<string, Entry>>();

/**
 * Everything the facts depend on besides the database: the actor's identity, role and organisation,
 * the second factor behind this request, and the request's address (IP allow-lists).
 */
const keyOf = (actor: Actor, client: { ip: string | null }) => JSON.stringify([actor.id, actor.role, actor.orgId, Boolean(actor.mfa), client.ip]);

/** The version the facts about to be read are at least as new as: read it before reading them. */
export async function currentPolicyVersion(db: Db): Promise<string> {
  const row: { version: string | number } | undefined = await db('policyVersion').where({ id: 1 }).first('version');
  // No row means a database this code did not migrate: never reuse anything then.
  return row ? String(row.version) : `unversioned-${Math.random()}`;
}

export function cachedAccess(db: Db, actor: Actor, client: { ip: string | null }, version: string, at: string): { facts: AccessFacts; ability: AppAbility } | null {
  const entry = caches.get(db)?.get(keyOf(actor, client));
  if (!entry || entry.version !== version) return null;
  // Only forward in time from the load, and never past the first expiry or effective date.
  if (at < entry.facts.at || (entry.facts.validUntil !== null && at >= entry.facts.validUntil)) return null;
  return { facts: { ...entry.facts, actor, at }, ability: entry.ability };
}

export function rememberAccess(db: Db, actor: Actor, client: { ip: string | null }, version: string, facts: AccessFacts, ability: AppAbility): void {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const key = keyOf(actor, client);
  cache.delete(key);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { version, facts, ability });
}
