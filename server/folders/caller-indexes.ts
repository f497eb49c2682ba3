import type { Db } from '../db.js';
import type { AccessFacts, MembershipFact } from '../policy/access-facts.js';
import { computeVisibleFolderIndexes } from './folder-index.js';
import { folderTreeOfRoom, type RoomFolderTree } from './repository.js';

/** Whose numbering to read: a user's facts and the policy_version they were read under. */
export interface IndexReader {
  db: Db;
  facts: AccessFacts;
  policyVersion: string;
}

/** A member's numbering of a room, kept with the facts it comes from (the ability cache keeps those per policy_version). */
const numberings = new WeakMap<MembershipFact, { tree: RoomFolderTree; indexes: Map<string, string> }>();

/**
 * The folder indexes of the room as `reader` reads them. Seller staff read the deal team's numbering;
 * an external member reads only the folders they may see, renumbered among themselves, so a party's
 * numbers never tell that a folder is hidden between two others. `needed` are the folders about to
 * be printed.
 */
export async function folderIndexesFor(reader: IndexReader, roomId: string, needed: string[]): Promise<Map<string, string>> {
  if (reader.facts.actor.role !== 'external') {
    return (await folderTreeOfRoom(reader.db, roomId, { policyVersion: reader.policyVersion, needed })).indexes;
  }
  const membership = reader.facts.memberships.find((m) => m.roomId === roomId);
  if (!membership) return new Map();
  const tree = await folderTreeOfRoom(reader.db, roomId, { policyVersion: reader.policyVersion, needed: membership.visibleFolderIds });
  const visible = new Set(membership.visibleFolderIds);
  const unseen = needed.filter((f) => !visible.has(f));
  if (unseen.length === 0) {
    const known = numberings.get(membership);
    if (known?.tree === tree) return known.indexes;
    const indexes = computeVisibleFolderIndexes(tree.folders, visible);
    numberings.set(membership, { tree, indexes });
    return indexes;
  }
  // A document read after the facts were (uploaded since, in a folder new to the member) is numbered
  // as the member's next request will number it, its folder and the way down to it included. This
  // one answer only: the numbering kept with the facts stays theirs.
  const parentOf = new Map(tree.folders.map((f) => [f.id, f.parentId]));
  for (let id of unseen) {
    for (let depth = 0; id && !visible.has(id) && depth < 1000; depth++) {
      visible.add(id);
      id = parentOf.get(id) ?? '';
    }
  }
  return computeVisibleFolderIndexes(tree.folders, visible);
}
