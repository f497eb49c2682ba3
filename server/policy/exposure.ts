import type { Db } from '../db.js';
import { toActor } from '../auth/actor.js';
import type { UserRow } from '../users/repository.js';
import { asSubject, buildAbility } from './ability.js';
import { loadAccessFacts, type GrantFact } from './access-facts.js';
import type { ExplainedDocument } from './explain-access.js';

/** The documents one party of a room could view: the union over its members. */
export interface PartyReach {
  partyId: string;
  name: string;
  documentIds: Set<string>;
}

/**
 * What each party of the room could view of `documents` at `at`, by the access rule itself: every
 * member's own facts, built into their own ability, asked `view` on each document. For the deal
 * team's previews (publishing, the permission matrix): pass the documents as they would be (a draft
 * as published) and, with `grantsOf`, the grants a party would hold instead of its own.
 *
 * A member is judged as their next request signed in with every factor they have and from an
 * address their party admits: the allow-list and the second factor say from where and how a member
 * reaches what is theirs, not what is. Disabled users reach nothing and are left out.
 */
export async function partyReach(
  db: Db,
  roomId: string,
  at: string,
  documents: ExplainedDocument[],
  opts: { grantsOf?: (partyId: string) => GrantFact[] } = {},
): Promise<PartyReach[]> {
  const parties: Array<{ id: string; name: string }> = await db('parties').where({ roomId }).orderBy('createdAt').orderBy('id').select('id', 'name');
  const members: Array<UserRow & { partyId: string }> = await db('partyMembers as m')
    .join('users as u', 'u.id', 'm.userId')
    .where('m.roomId', roomId)
    .whereNull('u.disabledAt')
    .select('u.*', 'm.partyId');
  const reach = new Map(parties.map((p) => [p.id, { partyId: p.id, name: p.name, documentIds: new Set<string>() }]));
  for (const member of members) {
    const facts = await loadAccessFacts(db, toActor(member, 'token', true), at);
    const own = facts.memberships.find((m) => m.roomId === roomId);
    if (!own) continue;
    const membership = { ...own, ipAllowed: true, requireMfa: false, ...(opts.grantsOf ? { grants: opts.grantsOf(member.partyId) } : {}) };
    const ability = buildAbility({ ...facts, memberships: [membership] });
    const into = reach.get(member.partyId)!.documentIds;
    for (const doc of documents) if (!into.has(doc.id) && ability.can('view', asSubject('Document', doc))) into.add(doc.id);
  }
  return [...reach.values()];
}
