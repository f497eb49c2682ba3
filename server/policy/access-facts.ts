import type { Db } from '../db.js';
import type { Actor } from '../auth/actor.js';
import { ipInRanges } from '../security/cidr.js';
import { withVisibleFolders, type FolderTreeRow } from './visible-folders.js';

/** A party grant, with its folder subtree already expanded (null: the whole room). */
export interface GrantFact {
  grantId: string;
  /** The folder the grant names (null: the whole room, which names no folder). */
  folderId: string | null;
  folderIds: string[] | null;
  levelRank: number;
  maxClassificationRank: number;
  maxPersonalDataRank: number;
}

export interface MembershipFact {
  roomId: string;
  roomOpen: boolean;
  partyId: string;
  cleanTeam: boolean;
  /** The room's entities an NDA covers this user for now, each with the NDAs that cover it. */
  coverage: Map<string, string[]>;
  grants: GrantFact[];
  /** The room requires a second factor of its external users. */
  requireMfa: boolean;
  /** The request comes from an address the party's IP allow-list admits (true when it has none). */
  ipAllowed: boolean;
  /**
   * The folders of the room this member may see: those holding, in their subtree, a document the
   * member may view, and those a live grant of the party names — each with every folder above it,
   * so what they see is a tree. Empty when the room gives them no content (closed, no NDA coverage,
   * outside the allow-list, no second factor). Derived by visible-folders.ts from the documents
   * through the Document rules' own SQL filter.
   */
  visibleFolderIds: string[];
  /** The room's datasets whose entity column maps rows to an entity an NDA covers this user for. */
  datasetIds: string[];
}

/**
 * What the directory rules of a seller staff member (not an admin) need: the organisations of the
 * parties of the rooms they staff, and every organisation that is in some party of any room.
 */
export interface DirectoryFacts {
  staffedPartyOrgIds: string[];
  partyOrgIds: string[];
}

export interface AccessFacts {
  actor: Actor;
  at: string;
  staffRooms: Array<{ roomId: string; role: 'manager' | 'counsel' }>;
  /**
   * The rooms where the actor is an `expert` (Q&A): seller staff who answer the questions assigned to
   * them and see nothing else of the room. Kept apart from staffRooms, which every other rule and
   * module reads as "sees everything in the room". Absent in facts built before experts existed.
   */
  expertRooms?: string[];
  memberships: MembershipFact[];
  /** For seller staff who are not admins; null for everyone else. */
  directory: DirectoryFacts | null;
  /**
   * The first instant after `at` at which these facts change by time alone (an NDA or grant expires,
   * an NDA takes effect); null when never. A cached ability is not reused from then on.
   */
  validUntil: string | null;
}

/**
 * Everything the access rule needs about one actor at one instant, in a handful of queries.
 * Expired grants and NDAs that do not cover at `at` are left out here, so the ability built from the
 * facts simply has no rule for them.
 */
export async function loadAccessFacts(db: Db, actor: Actor, at: string, client: { ip: string | null } = { ip: null }): Promise<AccessFacts> {
  const roles: Array<{ roomId: string; role: 'manager' | 'counsel' | 'expert' }> = await db('roomStaff').where({ userId: actor.id }).select('roomId', 'role');
  // An expert is room staff for their questions only: not "staff of the room" to any other rule
  // (documents, folders, the directory of its parties, explanations).
  const staffRooms = roles.filter((s): s is AccessFacts['staffRooms'][number] => s.role === 'manager' || s.role === 'counsel');
  const expertRooms = roles.filter((s) => s.role === 'expert').map((s) => s.roomId);
  if (actor.role !== 'external') {
    const directory = actor.role === 'staff' ? await loadDirectoryFacts(db, staffRooms.map((s: { roomId: string }) => s.roomId)) : null;
    return { actor, at, staffRooms, expertRooms, memberships: [], directory, validUntil: null };
  }
  const { facts, folders } = await loadMemberFacts(db, actor, at, client, staffRooms);
  return withVisibleFolders(db, facts, folders);
}

/** Party organisations: of the rooms the staff member staffs, and of every room (one query). */
async function loadDirectoryFacts(db: Db, staffedRoomIds: string[]): Promise<DirectoryFacts> {
  const rows: Array<{ roomId: string; orgId: string }> = await db('parties')
    .select('roomId', 'acquirerOrgId as orgId')
    .unionAll((q) => q.from('partyAdvisors as a').join('parties as p', 'p.id', 'a.partyId').select('p.roomId', 'a.orgId'));
  const staffed = new Set(staffedRoomIds);
  return {
    staffedPartyOrgIds: [...new Set(rows.filter((r) => staffed.has(r.roomId)).map((r) => r.orgId))].sort(),
    partyOrgIds: [...new Set(rows.map((r) => r.orgId))].sort(),
  };
}

async function loadMemberFacts(
  db: Db,
  actor: Actor,
  at: string,
  client: { ip: string | null },
  staffRooms: AccessFacts['staffRooms'],
): Promise<{ facts: AccessFacts; folders: FolderTreeRow[] }> {

  const memberRows: Array<{ roomId: string; partyId: string; cleanTeam: boolean | number; status: string; requireMfa: boolean | number; acquirerOrgId: string }> =
    await db('partyMembers as m')
      .join('parties as p', 'p.id', 'm.partyId')
      .join('rooms as r', 'r.id', 'm.roomId')
      .where('m.userId', actor.id)
      .select('m.roomId', 'm.partyId', 'm.cleanTeam', 'r.status', 'r.requireMfa', 'p.acquirerOrgId');
  if (memberRows.length === 0) return { facts: { actor, at, staffRooms, memberships: [], directory: null, validUntil: null }, folders: [] };

  const roomIds = memberRows.map((m) => m.roomId);
  const partyIds = memberRows.map((m) => m.partyId);

  // Only NDAs that could cover this user: their own organisation's, or an acquirer's that answers for
  // its representatives (checked per membership below, since the acquirer differs per party).
  const acquirerOrgIds = memberRows.map((m) => m.acquirerOrgId);
  // NDAs not yet effective are read too: they cover nothing now, but their effectiveAt bounds validUntil.
  const ndaRows: Array<{ id: string; roomId: string; orgId: string; coversRepresentatives: boolean | number; entityId: string; effectiveAt: string; expiresAt: string }> =
    await db('ndas as n')
      .join('ndaEntities as e', 'e.ndaId', 'n.id')
      .whereIn('n.roomId', roomIds)
      .where('n.status', 'confirmed')
      .where('n.expiresAt', '>', at)
      .where((q) => q.where('n.orgId', actor.orgId).orWhereIn('n.orgId', acquirerOrgIds))
      .select('n.id', 'n.roomId', 'n.orgId', 'n.coversRepresentatives', 'e.entityId', 'n.effectiveAt', 'n.expiresAt');

  const grantRows: Array<{ id: string; roomId: string; partyId: string; folderId: string | null; levelRank: number; maxClassificationRank: number; maxPersonalDataRank: number; expiresAt: string | null }> =
    await db('grants')
      .whereIn('partyId', partyIds)
      .where((q) => q.whereNull('expiresAt').orWhere('expiresAt', '>', at))
      .select('id', 'roomId', 'partyId', 'folderId', 'levelRank', 'maxClassificationRank', 'maxPersonalDataRank', 'expiresAt');

  // Per-party IP allow-lists, judged here against this request's address.
  const allowRows: Array<{ partyId: string; cidr: string }> = await db('partyIpAllowlist').whereIn('partyId', partyIds).select('partyId', 'cidr');

  // The folder trees of the rooms where the party holds a grant: to expand the grants' subtrees, and
  // to find the folders above what the member may see.
  const folderRoomIds = [...new Set(grantRows.map((g) => g.roomId))];
  const folderRows: FolderTreeRow[] = folderRoomIds.length
    ? await db('folders').whereIn('roomId', folderRoomIds).select('id', 'roomId', 'parentId')
    : [];
  const subtree = folderSubtrees(folderRows);

  // The entities each dataset's rows belong to (its entity map): rule 3 per row.
  const datasetEntityRows: Array<{ documentId: string; roomId: string; entityId: string }> = await db('datasetEntities')
    .whereIn('roomId', roomIds)
    .select('documentId', 'roomId', 'entityId');

  const memberships = memberRows.map((m): MembershipFact => {
    const coverage = new Map<string, string[]>();
    for (const n of ndaRows) {
      if (n.roomId !== m.roomId || n.effectiveAt > at) continue;
      const own = n.orgId === actor.orgId;
      const viaAcquirer = n.orgId === m.acquirerOrgId && actor.orgId !== m.acquirerOrgId && Boolean(n.coversRepresentatives);
      if (!own && !viaAcquirer) continue;
      const list = coverage.get(n.entityId) ?? [];
      if (!list.includes(n.id)) list.push(n.id);
      coverage.set(n.entityId, list);
    }
    return {
      roomId: m.roomId,
      roomOpen: m.status === 'open',
      partyId: m.partyId,
      cleanTeam: Boolean(m.cleanTeam),
      coverage,
      requireMfa: Boolean(m.requireMfa),
      ipAllowed: ((cidrs) => cidrs.length === 0 || ipInRanges(client.ip, cidrs))(allowRows.filter((a) => a.partyId === m.partyId).map((a) => a.cidr)),
      grants: grantRows
        .filter((g) => g.partyId === m.partyId)
        .map((g) => toGrantFact(g, subtree)),
      visibleFolderIds: [],
      datasetIds: [...new Set(datasetEntityRows.filter((d) => d.roomId === m.roomId && coverage.has(d.entityId)).map((d) => d.documentId))].sort(),
    };
  });
  const horizon = [
    ...ndaRows.map((n) => (n.effectiveAt > at ? n.effectiveAt : n.expiresAt)),
    ...grantRows.flatMap((g) => (g.expiresAt ? [g.expiresAt] : [])),
  ].sort();
  return { facts: { actor, at, staffRooms, memberships, directory: null, validUntil: horizon[0] ?? null }, folders: folderRows };
}

// Shared with the deal team's previews (server/grants/matrix-exposure.ts), which judge grants that do
// not exist yet: built here, the same way as the facts of those that do.

/** The grant columns a GrantFact is made of. */
export type GrantFactSource = Pick<GrantFact, 'folderId' | 'levelRank' | 'maxClassificationRank' | 'maxPersonalDataRank'> & { id: string };

/** Each folder's subtree (the folder and every folder below it) in a room's tree. */
export function folderSubtrees(folders: Array<{ id: string; parentId: string | null }>): (rootId: string) => string[] {
  const children = new Map<string, string[]>();
  for (const f of folders) {
    if (!f.parentId) continue;
    const list = children.get(f.parentId) ?? [];
    list.push(f.id);
    children.set(f.parentId, list);
  }
  return (rootId: string) => {
    const out: string[] = [];
    const stack = [rootId];
    while (stack.length) {
      const id = stack.pop()!;
      out.push(id);
      stack.push(...(children.get(id) ?? []));
    }
    return out;
  };
}

/** A grant as a fact of the rule, its folder's subtree expanded (a grant on the whole room: null). */
export const toGrantFact = (g: GrantFactSource, subtree: (rootId: string) => string[]): GrantFact => ({
  grantId: g.id,
  folderId: g.folderId,
  folderIds: g.folderId ? subtree(g.folderId) : null,
  levelRank: g.levelRank,
  maxClassificationRank: g.maxClassificationRank,
  maxPersonalDataRank: g.maxPersonalDataRank,
});
