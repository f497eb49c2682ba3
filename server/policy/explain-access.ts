// The explanation's wording is not mutated (`Stryker disable … StringLiteral: wording` below): tests pin the
// rules, their outcome and the facts the details name (NDA and grant ids, entities), not the prose.
import type { Db } from '../db.js';
import type { Actor } from '../auth/actor.js';
import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA, CLEAN_TEAM_RANK, type Level } from '../ranks.js';
import { asSubject, type AppAbility } from './ability.js';
import type { AccessFacts } from './access-facts.js';

/** The document attributes the rule reads (a row of `documents`). */
export interface ExplainedDocument {
  id: string;
  roomId: string;
  folderId: string;
  entityId: string;
  classificationRank: number;
  personalDataRank: number;
  /** `dataset`: shaped to the grant's personal-data limit, not refused by it. */
  kind?: string;
  /** `draft`, `published` or `withdrawn`: only a published document is anyone's outside the deal team. */
  status: string;
}

export type AccessRule = 'room_staff' | 'room_open' | 'membership' | 'ip_allowlist' | 'mfa' | 'nda_coverage' | 'grant' | 'clean_team' | 'published';

export interface AccessReason {
  rule: AccessRule;
  ok: boolean;
  detail: string;
}

export interface AccessExplanation {
  level: Level | null;
  reasons: AccessReason[];
}

/**
 * The highest level the ability gives on the document. The explanation's level is always this one:
 * the reasons describe the decision, they never make a second one.
 */
export const abilityLevel = (ability: AppAbility, doc: ExplainedDocument): Level | null =>
  [...LEVELS].reverse().find((level) => ability.can(level, asSubject('Document', doc))) ?? null;

interface NdaRow {
  id: string;
  orgId: string;
  kind: string;
  status: string;
  effectiveAt: string;
  expiresAt: string;
  coversRepresentatives: boolean | number;
}
interface GrantRow {
  id: string;
  folderId: string | null;
  levelRank: number;
  maxClassificationRank: number;
  maxPersonalDataRank: number;
  expiresAt: string | null;
}

/**
 * Why `facts.actor` can or cannot reach `doc` at `facts.at`: one reason per condition of the access
 * rule (docs/access-rule.md), in its order. For an external user, the level is non-null exactly when every
 * non-grant reason is ok and at least one `grant` reason is ok; each grant of the party is one
 * reason. The NDA reason names the covering NDAs, or says for each candidate NDA why it does not
 * apply. A few queries: it runs for the access API and for denied requests, never on the hot path.
 */
export async function explainAccess(db: Db, facts: AccessFacts, ability: AppAbility, doc: ExplainedDocument): Promise<AccessExplanation> {
  const { actor, at } = facts;
  const level = abilityLevel(ability, doc);
  if (actor.role !== 'external') return { level, reasons: [staffReason(facts, doc.roomId)] };

  const reasons: AccessReason[] = [];
  const room: { status: string } | undefined = await db('rooms').where({ id: doc.roomId }).first('status');
  reasons.push({
    rule: 'room_open',
    ok: room?.status === 'open',
    // Stryker disable next-line StringLiteral: wording
    detail: room?.status === 'open' ? 'the room is open' : 'the room is closed: external access ends with it',
  });

  const member: { partyId: string; cleanTeam: boolean | number; acquirerOrgId: string; partyName: string } | undefined = await db('partyMembers as m')
    .join('parties as p', 'p.id', 'm.partyId')
    .where({ 'm.roomId': doc.roomId, 'm.userId': actor.id })
    .first('m.partyId', 'm.cleanTeam', 'p.acquirerOrgId', 'p.name as partyName');
  if (!member) {
    // Stryker disable next-line StringLiteral: wording
    reasons.push({ rule: 'membership', ok: false, detail: 'the user is a member of no party of this room' });
    return { level, reasons };
  }
  // Stryker disable next-line StringLiteral: wording
  reasons.push({ rule: 'membership', ok: true, detail: `member of party ${member.partyId} (${member.partyName})` });
  reasons.push(...requestReasons(facts, doc.roomId));
  reasons.push(await ndaReason(db, actor, member, doc, at));
  reasons.push(...(await grantReasons(db, member.partyId, doc, at)));
  const cleanTeamDoc = doc.classificationRank === CLEAN_TEAM_RANK;
  reasons.push({
    rule: 'clean_team',
    ok: !cleanTeamDoc || Boolean(member.cleanTeam),
    // Stryker disable StringLiteral: wording
    detail: !cleanTeamDoc
      ? 'not a clean-team document'
      : member.cleanTeam
        ? 'clean-team document, and the user is a clean-team member'
        : 'clean-team document, and the user is not a clean-team member',
    // Stryker restore StringLiteral
  });
  reasons.push({
    rule: 'published',
    ok: doc.status === 'published',
    // Stryker disable StringLiteral: wording
    detail: doc.status === 'published'
      ? 'the deal team has published the document'
      : doc.status === 'withdrawn'
        ? 'the deal team has withdrawn the document'
        : 'the document is a draft: the deal team has not published it',
    // Stryker restore StringLiteral
  });
  return { level, reasons };
}

/**
 * The conditions a room or party sets on the request itself (the party's IP allow-list, the room's
 * second-factor requirement), as the facts judged them for this request.
 */
function requestReasons(facts: AccessFacts, roomId: string): AccessReason[] {
  const m = facts.memberships.find((x) => x.roomId === roomId);
  if (!m) return [];
  return [
    {
      rule: 'ip_allowlist',
      ok: m.ipAllowed,
      // Stryker disable next-line StringLiteral: wording
      detail: m.ipAllowed ? "the request's address is admitted (or the party has no allow-list)" : "the request's address is not on the party's IP allow-list",
    },
    {
      rule: 'mfa',
      ok: !m.requireMfa || Boolean(facts.actor.mfa),
      // Stryker disable next-line StringLiteral: wording
      detail: !m.requireMfa ? 'the room does not require a second factor' : facts.actor.mfa ? 'the room requires a second factor, and the request has one' : 'the room requires a second factor, and the request has none',
    },
  ];
}

/**
 * Why a document request was refused: the caller's own explanation, so the ledger says which
 * condition failed, and the document's room. Nothing for an id that does not exist. A few queries,
 * and more for a real document than for a made-up id: callers run it after the response is sent,
 * so how long a refusal takes never tells whether the id exists.
 */
export async function explainRefusal(db: Db, facts: AccessFacts, ability: AppAbility, documentId: string): Promise<{ roomId: string; reasons: AccessReason[] } | undefined> {
  const doc: ExplainedDocument | undefined = await db('documents')
    .where({ id: documentId })
    .first('id', 'roomId', 'folderId', 'entityId', 'classificationRank', 'personalDataRank', 'kind', 'status');
  return doc ? { roomId: doc.roomId, reasons: (await explainAccess(db, facts, ability, doc)).reasons } : undefined;
}

/** The reasons recorded when the room gate refuses an external member (rules 1–3, room-wide). */
export function roomGateReasons(facts: AccessFacts, roomId: string): AccessReason[] {
  const m = facts.memberships.find((x) => x.roomId === roomId);
  // Stryker disable next-line StringLiteral: wording
  if (!m) return [{ rule: 'membership', ok: false, detail: 'the user is a member of no party of this room' }];
  return [
    // Stryker disable next-line StringLiteral: wording
    { rule: 'membership', ok: true, detail: `member of party ${m.partyId}` },
    ...requestReasons(facts, roomId),
    {
      rule: 'room_open',
      ok: m.roomOpen,
      // Stryker disable next-line StringLiteral: wording
      detail: m.roomOpen ? 'the room is open' : 'the room is closed: external access ends with it',
    },
    {
      rule: 'nda_coverage',
      ok: m.coverage.size > 0,
      // Stryker disable StringLiteral: wording
      detail: m.coverage.size > 0
        ? `covered for ${[...m.coverage.entries()].map(([entityId, ndaIds]) => `entity ${entityId} by ${ndaIds.join(', ')}`).join('; ')}`
        : 'no confirmed, effective NDA covers the user for any entity of this room',
      // Stryker restore StringLiteral
    },
  ];
}

function staffReason(facts: AccessFacts, roomId: string): AccessReason {
  // Stryker disable next-line StringLiteral: wording
  if (facts.actor.role === 'admin') return { rule: 'room_staff', ok: true, detail: 'admins act as manager in every room' };
  const staff = facts.staffRooms.find((s) => s.roomId === roomId);
  return staff
    // Stryker disable next-line StringLiteral: wording
    ? { rule: 'room_staff', ok: true, detail: `${staff.role} of the room: seller staff of a room see everything in it` }
    // Stryker disable next-line StringLiteral: wording
    : { rule: 'room_staff', ok: false, detail: 'seller staff see a room only as its manager or counsel, and this user is neither' };
}

async function ndaReason(
  db: Db,
  actor: Actor,
  member: { acquirerOrgId: string },
  doc: ExplainedDocument,
  at: string,
): Promise<AccessReason> {
  const viaAcquirer = actor.orgId !== member.acquirerOrgId;
  const candidates: NdaRow[] = await db('ndas')
    .where({ roomId: doc.roomId })
    .whereIn('orgId', viaAcquirer ? [actor.orgId, member.acquirerOrgId] : [actor.orgId])
    .orderBy('registeredAt')
    .select('id', 'orgId', 'kind', 'status', 'effectiveAt', 'expiresAt', 'coversRepresentatives');
  const scopes: Array<{ ndaId: string; entityId: string }> = candidates.length
    ? await db('ndaEntities').whereIn('ndaId', candidates.map((n) => n.id)).select('ndaId', 'entityId')
    : [];
  // Rule 3 per row: a dataset is opened by its own entity or by any entity its entity map names (ability.ts).
  const entityIds = [doc.entityId];
  if (doc.kind === 'dataset') {
    const mapped: Array<{ entityId: string }> = await db('datasetEntities').where({ documentId: doc.id }).select('entityId');
    entityIds.push(...mapped.map((m) => m.entityId).filter((e) => e !== doc.entityId).sort());
  }
  // Stryker disable next-line StringLiteral: wording
  const entities = entityIds.length === 1 ? `entity ${doc.entityId}` : `entity ${doc.entityId} or the entities its rows map to (${entityIds.slice(1).join(', ')})`;
  const why = (n: NdaRow): string | null => {
    const own = n.orgId === actor.orgId;
    // Stryker disable next-line StringLiteral: wording
    if (!own && !n.coversRepresentatives) return "the acquirer's NDA does not answer for its representatives";
    const confirmed = n.status === 'confirmed';
    // Stryker disable StringLiteral: wording
    if (!confirmed) return `it is ${n.status}`;
    if (n.effectiveAt > at) return `not effective before ${n.effectiveAt}`;
    if (n.expiresAt <= at) return `expired at ${n.expiresAt}`;
    if (!scopes.some((s) => s.ndaId === n.id && entityIds.includes(s.entityId))) return `its scope does not include ${entities}`;
    // Stryker restore StringLiteral
    return null;
  };
  // Stryker disable next-line StringLiteral: wording
  const label = (n: NdaRow) => `${n.kind} ${n.id} of ${n.orgId === actor.orgId ? "the user's organisation" : "the party's acquirer"}`;
  const covering = candidates.filter((n) => why(n) === null);
  if (covering.length) {
    // Stryker disable next-line StringLiteral: wording
    return { rule: 'nda_coverage', ok: true, detail: `covered for ${entities} by ${covering.map(label).join(', ')}` };
  }
  if (!candidates.length) {
    return {
      rule: 'nda_coverage',
      ok: false,
      // Stryker disable next-line StringLiteral: wording
      detail: viaAcquirer ? "no NDA of the user's organisation or of the party's acquirer is registered in this room" : "no NDA of the user's organisation is registered in this room",
    };
  }
  // Stryker disable next-line StringLiteral: wording
  return { rule: 'nda_coverage', ok: false, detail: `no NDA covers ${entities}: ${candidates.map((n) => `${label(n)}: ${why(n)}`).join('; ')}` };
}

async function grantReasons(db: Db, partyId: string, doc: ExplainedDocument, at: string): Promise<AccessReason[]> {
  const grants: GrantRow[] = await db('grants')
    .where({ partyId, roomId: doc.roomId })
    .orderBy('createdAt')
    .select('id', 'folderId', 'levelRank', 'maxClassificationRank', 'maxPersonalDataRank', 'expiresAt');
  // Stryker disable next-line StringLiteral: wording
  if (!grants.length) return [{ rule: 'grant', ok: false, detail: 'the party has no grant in this room' }];
  const ancestors = await folderAncestors(db, doc.folderId);
  return grants.map((g) => {
    // Stryker disable StringLiteral: wording
    const scope = g.folderId ? `folder ${g.folderId}` : 'the whole room';
    const name = `grant ${g.id} (${LEVELS[g.levelRank]} on ${scope})`;
    const refusal =
      g.folderId && !ancestors.includes(g.folderId) ? `${name} does not cover the document's folder`
      : g.expiresAt !== null && g.expiresAt <= at ? `${name} expired at ${g.expiresAt}`
      : doc.classificationRank > g.maxClassificationRank ? `${name} allows classification up to ${CLASSIFICATIONS[g.maxClassificationRank]}, the document is ${CLASSIFICATIONS[doc.classificationRank]}`
      : doc.kind !== 'dataset' && doc.personalDataRank > g.maxPersonalDataRank ? `${name} allows personal data up to ${PERSONAL_DATA[g.maxPersonalDataRank]}, the document has ${PERSONAL_DATA[doc.personalDataRank]}`
      : null;
    // Stryker restore StringLiteral
    // Stryker disable next-line StringLiteral: wording
    return { rule: 'grant', ok: refusal === null, detail: refusal ?? `${name} applies` };
  });
}

/** The folder and every folder above it (a grant on any of them covers the document). */
async function folderAncestors(db: Db, folderId: string): Promise<string[]> {
  const out: string[] = [];
  let current: string | null = folderId;
  // Bounded: a folder tree is acyclic, but a corrupt one must not loop forever.
  while (current && !out.includes(current) && out.length < 1000) {
    out.push(current);
    const row: { parentId: string | null } | undefined = await db('folders').where({ id: current }).first('parentId');
    current = row?.parentId ?? null;
  }
  return out;
}
