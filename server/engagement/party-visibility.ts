import type { Db } from '../db.js';
import { toActor } from '../auth/actor.js';
import { buildAbility, type AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { loadAccess } from '../policy/load-access.js';
import type { MembershipFact } from '../policy/access-facts.js';
import type { UserRow } from '../users/repository.js';
import { documentsSelectedBy } from './repository.js';

export interface PartyVisibility {
  /** The documents some member of the party may view now: id → folder. */
  documents: Map<string, string>;
  /** Per current member, how many documents they may view now. */
  perUser: Map<string, number>;
}

/**
 * A member's ability as the deal team judges what the party may see: signed in with every factor
 * they have and from an address their party admits (as "view as" and the publishing preview judge
 * it: the allow-list and the second factor say from where and how a member reaches what is theirs,
 * not what is). Kept with the membership it is built from, which the ability cache reuses while the
 * policy version holds, so the SQL of its filter is made once.
 */
const widened = new WeakMap<MembershipFact, AppAbility>();

async function memberAbility(db: Db, user: UserRow, roomId: string, at: string): Promise<AppAbility | null> {
  const { facts } = await loadAccess(db, toActor(user, 'token', true), at);
  const own = facts.memberships.find((m) => m.roomId === roomId);
  if (!own) return null;
  let ability = widened.get(own);
  if (!ability) widened.set(own, (ability = buildAbility({ ...facts, memberships: [{ ...own, ipAllowed: true, requireMfa: false }] })));
  return ability;
}

/**
 * What each party of the room may view now, by the access rule's own SQL filter: the union over its
 * members of what each may view. Members of one organisation with the same clean-team flag have the
 * same facts (NDA coverage follows the organisation, grants the party), so one of them stands for
 * all: a party of fifty people costs a handful of abilities. Disabled users reach nothing.
 */
export async function partyVisibility(db: Db, roomId: string, at: string, partyIds: string[]): Promise<Map<string, PartyVisibility>> {
  const members: Array<UserRow & { partyId: string; cleanTeam: boolean | number }> = await db('partyMembers as m')
    .join('users as u', 'u.id', 'm.userId')
    .where('m.roomId', roomId)
    .whereIn('m.partyId', partyIds)
    .whereNull('u.disabledAt')
    .orderBy('u.id')
    .select('u.*', 'm.partyId', 'm.cleanTeam');
  const out = new Map<string, PartyVisibility>();
  for (const partyId of partyIds) {
    const groups = new Map<string, Array<UserRow & { partyId: string }>>();
    for (const m of members.filter((x) => x.partyId === partyId)) {
      const key = `${m.orgId}\0${Boolean(m.cleanTeam)}`;
      groups.set(key, [...(groups.get(key) ?? []), m]);
    }
    const documents = new Map<string, string>();
    const perUser = new Map<string, number>();
    for (const group of groups.values()) {
      const ability = await memberAbility(db, group[0]!, roomId, at);
      const rows = ability ? await documentsSelectedBy(db, roomId, [accessibleBy(ability, 'view', 'Document')]) : [];
      for (const r of rows) documents.set(r.id, r.folderId);
      for (const m of group) perUser.set(m.id, rows.length);
    }
    out.set(partyId, { documents, perUser });
  }
  return out;
}
