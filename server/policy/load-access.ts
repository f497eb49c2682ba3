import type { Db } from '../db.js';
import type { Actor } from '../auth/actor.js';
import { buildAbility, type AppAbility } from './ability.js';
import { loadAccessFacts, type AccessFacts } from './access-facts.js';

export async function loadAccess(db: Db, actor: Actor, at: string): Promise<{ facts: AccessFacts; ability: AppAbility }> {
  const facts = await loadAccessFacts(db, actor, at);
  return { facts, ability: buildAbility(facts) };
}
