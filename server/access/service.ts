import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { loadAccess } from '../policy/load-access.js';
import { abilityLevel, explainAccess, type AccessExplanation } from '../policy/explain-access.js';
import { recordAllowed } from '../ledger/record.js';
import { documentIndexesFor } from '../documents/caller-indexes.js';
import { denied, invalidRequest } from '../errors.js';
import { toActor } from '../auth/actor.js';
import { findUserById } from '../users/repository.js';
import { visibleDocumentRows, type DocumentRow } from '../documents/repository.js';
import type { Level } from '../ranks.js';
import type { ExplainAccessQuery } from './schema.js';

const DOCUMENT_RULE_COLUMNS = ['documents.id', 'documents.roomId', 'documents.folderId', 'documents.entityId', 'documents.classificationRank', 'documents.personalDataRank', 'documents.kind', 'documents.status', 'documents.position'];

/**
 * Why a user can or cannot reach a document of the room, for its managers and counsel: the user's
 * ability is built from their own facts at this instant — exactly what their next request would get.
 * `index` is the document's index as the deal team reads it; `partyIndex` as the user reads it (a
 * party's numbers count only what it can see, so they differ), null when the user cannot see it.
 */
export async function explainUserAccess(ctx: ServiceContext, roomId: string, query: ExplainAccessQuery): Promise<AccessExplanation & { index: string; partyIndex: string | null }> {
  const room = await findVisibleRoom(ctx, roomId, 'access.explain');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'access.explain', roomId, subjectId: roomId, reason: 'room staff only' });
  const user = await findUserById(ctx.db, query.userId);
  if (!user) throw invalidRequest('Unknown user.', { userId: 'no such user' });
  const doc = await ctx.db('documents').where({ id: query.documentId, roomId }).first(DOCUMENT_RULE_COLUMNS);
  if (!doc) throw invalidRequest('Unknown document.', { documentId: 'no such document in this room' });
  // As their next request signed in with every factor they have enrolled (no IP address is known).
  const { facts, ability, policyVersion } = await loadAccess(ctx.db, toActor(user, 'token', true), ctx.at);
  const explanation = await explainAccess(ctx.db, facts, ability, doc);
  const index = (await documentIndexesFor(ctx, roomId, [doc])).get(doc.id)!;
  const partyIndex = explanation.level === null ? null : (await documentIndexesFor({ db: ctx.db, facts, ability, policyVersion }, roomId, [doc])).get(doc.id)!;
  await recordAllowed(ctx.db, ctx, { action: 'access.explain', subjectType: 'Document', subjectId: doc.id, roomId, details: { userId: user.id, level: explanation.level } });
  return { ...explanation, index, partyIndex };
}

export interface PartyMemberView {
  userId: string;
  name: string;
  email: string;
  orgId: string;
  cleanTeam: boolean;
  /** The room's entities an NDA covers this member for now. */
  coveredEntityIds: string[];
  /** What the member reaches, each with its index as the member reads it. */
  documents: Array<{ id: string; title: string; folderId: string; entityId: string; index: string; access: Level }>;
}

/**
 * "View as a party" for the deal team: what each member of the party can reach right now, computed
 * by the members' own abilities and SQL filter, so the preview cannot differ from what they get.
 */
export async function viewAsParty(ctx: ServiceContext, roomId: string, partyId: string): Promise<{ partyId: string; members: PartyMemberView[] }> {
  const room = await findVisibleRoom(ctx, roomId, 'access.party');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'access.party', roomId, subjectId: roomId, reason: 'managers only' });
  const party = await ctx.db('parties').where({ id: partyId, roomId }).first('id');
  if (!party) throw denied({ action: 'access.party', subjectType: 'Party', subjectId: partyId, roomId, reason: 'no such party in this room' });
  const memberRows: Array<{ userId: string; cleanTeam: boolean | number }> = await ctx.db('partyMembers').where({ partyId }).orderBy('createdAt').select('userId', 'cleanTeam');
  const members: PartyMemberView[] = [];
  for (const m of memberRows) {
    const user = await findUserById(ctx.db, m.userId);
    if (!user) continue;
    const { facts, ability, policyVersion } = await loadAccess(ctx.db, toActor(user, 'token', true), ctx.at);
    const docs: Array<DocumentRow> = await visibleDocumentRows({ db: ctx.db, ability })
      .where('documents.roomId', roomId)
      .orderBy('documents.createdAt')
      .select([...DOCUMENT_RULE_COLUMNS, 'documents.title']);
    const coverage = facts.memberships.find((x) => x.roomId === roomId)?.coverage;
    const indexes = await documentIndexesFor({ db: ctx.db, facts, ability, policyVersion }, roomId, docs);
    members.push({
      userId: user.id,
      name: user.name,
      email: user.email,
      orgId: user.orgId,
      cleanTeam: Boolean(m.cleanTeam),
      coveredEntityIds: coverage ? [...coverage.keys()].sort() : [],
      documents: docs.map((d) => ({ id: d.id, title: d.title, folderId: d.folderId, entityId: d.entityId, index: indexes.get(d.id)!, access: abilityLevel(ability, d)! })),
    });
  }
  await recordAllowed(ctx.db, ctx, { action: 'access.party', subjectType: 'Party', subjectId: partyId, roomId, details: { members: members.length } });
  return { partyId, members };
}
