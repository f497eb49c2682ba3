import type { Db } from '../db.js';
import type { Actor } from '../auth/actor.js';
import { buildAbility, type AppAbility } from './ability.js';
import { loadAccessFacts, type AccessFacts } from './access-facts.js';
import { cachedAccess, currentPolicyVersion, rememberAccess } from './ability-cache.js';

/**
 * The actor's facts and ability at `at`: one query (the policy version) when an ability built under
 * the same version and still within its validity horizon is at hand, else the facts' few queries.
 * The version is returned too: other caches of derived facts (folder indexes) key on it.
 */
export async function loadAccess(
  db: Db,
  actor: Actor,
  at: string,
  client: { ip: string | null } = { ip: null },
): Promise<{ facts: AccessFacts; ability: AppAbility; policyVersion: string }> {
  const policyVersion = await currentPolicyVersion(db);
  const cached = cachedAccess(db, actor, client, policyVersion, at);
  if (cached) return { ...cached, policyVersion };
  const facts = await loadAccessFacts(db, actor, at, client);
  const ability = buildAbility(facts);
  rememberAccess(db, actor, client, policyVersion, facts, ability);
  return { facts, ability, policyVersion };
}
