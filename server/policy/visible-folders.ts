import type { Db } from '../db.js';
import type { AccessFacts } from './access-facts.js';
import { buildAbility, membershipGivesContent } from './ability.js';
import { accessibleBy } from './accessible-by.js';

export interface FolderTreeRow {
  id: string;
  roomId: string;
  parentId: string | null;
}

/** Deeper than any real tree; a corrupt parent chain must not loop. */
const MAX_DEPTH = 1000;

/**
 * Fills each membership's `visibleFolderIds`: a folder is the member's to see when its subtree holds
 * a document they may view, or when a live grant of their party names it (or a folder below it).
 * A grant on the whole room names no folder, so it shows no folder by itself: another party's
 * folder ("Side letter (Bidder B only)") stays out of sight however wide the grant.
 *
 * The folders holding a viewable document are read with the Document rules' own SQL filter, one
 * query for all the member's rooms: the folder rule is derived from the document rule and cannot
 * drift from it. It runs once per ability (the ability cache keeps the result under policy_version,
 * which every change to documents, folders and grants bumps).
 */
export async function withVisibleFolders(db: Db, facts: AccessFacts, folders: FolderTreeRow[]): Promise<AccessFacts> {
  const open = facts.memberships.filter((m) => m.grants.length > 0 && membershipGivesContent(m, facts.actor));
  if (open.length === 0) return facts;
  // The facts as loaded have no folder rules yet; their document rules are complete.
  const documentAbility = buildAbility(facts);
  const holding: Array<{ roomId: string; folderId: string }> = await db('documents')
    .where(accessibleBy(documentAbility, 'view', 'Document'))
    .whereIn('documents.roomId', open.map((m) => m.roomId))
    .distinct('documents.roomId', 'documents.folderId');
  const parentOf = new Map(folders.map((f) => [f.id, f.parentId]));
  const withAncestors = (seeds: string[]) => {
    const out = new Set<string>();
    for (const seed of seeds) {
      let current: string | null = seed;
      for (let depth = 0; current !== null && !out.has(current) && depth < MAX_DEPTH; depth++) {
        out.add(current);
        current = parentOf.get(current) ?? null;
      }
    }
    return [...out].sort();
  };
  return {
    ...facts,
    memberships: facts.memberships.map((m) =>
      open.includes(m)
        ? {
            ...m,
            visibleFolderIds: withAncestors([
              ...holding.filter((h) => h.roomId === m.roomId).map((h) => h.folderId),
              ...m.grants.flatMap((g) => (g.folderId ? [g.folderId] : [])),
            ]),
          }
        : m,
    ),
  };
}
