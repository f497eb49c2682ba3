import type { AppAbility } from '../policy/ability.js';
import type { MembershipFact } from '../policy/access-facts.js';
import { folderIndexesFor, type IndexReader } from '../folders/caller-indexes.js';
import { visibleDocumentRows } from './repository.js';

/** What numbering a document needs: its folder and its place in it. */
export interface IndexedDocument {
  id: string;
  folderId: string;
  position: number;
}

type Key = [position: number, id: string];
const before = (a: Key, b: Key) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * Per member, per folder: the (position, id) of every document of the folder they may view, in order.
 * Kept with the facts they come from: every change to documents bumps policy_version, and with it
 * come new facts.
 */
const viewableByFolder = new WeakMap<MembershipFact, Map<string, Key[]>>();

/**
 * The `index` of each document as `reader` reads it: their numbering of its folder, then its place.
 * Seller staff read the deal team's numbers. An external member's place of a document is its rank
 * among the documents of that folder they may view (by the same SQL filter as their lists), so the
 * numbers never count what they cannot see: 1.1, 1.2, never 1.1 and 1.3.
 */
export async function documentIndexesFor(reader: IndexReader & { ability: AppAbility }, roomId: string, docs: IndexedDocument[]): Promise<Map<string, string>> {
  const folderIndexes = await folderIndexesFor(reader, roomId, [...new Set(docs.map((d) => d.folderId))]);
  if (reader.facts.actor.role !== 'external') return new Map(docs.map((d) => [d.id, `${folderIndexes.get(d.folderId)}.${d.position}`]));

  const membership = reader.facts.memberships.find((m) => m.roomId === roomId);
  let known = membership ? viewableByFolder.get(membership) : undefined;
  if (membership && !known) viewableByFolder.set(membership, (known = new Map()));
  const folders = known ?? new Map<string, Key[]>();
  const missing = [...new Set(docs.map((d) => d.folderId))].filter((f) => !folders.has(f));
  if (missing.length) {
    const rows: Array<{ id: string; folderId: string; position: number }> = await visibleDocumentRows(reader)
      .where('documents.roomId', roomId)
      .whereIn('documents.folderId', missing)
      .select('documents.id', 'documents.folderId', 'documents.position');
    for (const f of missing) folders.set(f, []);
    for (const r of rows) folders.get(r.folderId)!.push([Number(r.position), r.id]);
    for (const f of missing) folders.get(f)!.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
  // 1 + how many of the folder's viewable documents come before it: its rank when it is one of them.
  const place = (d: IndexedDocument) => 1 + countBefore(folders.get(d.folderId)!, [Number(d.position), d.id]);
  return new Map(docs.map((d) => [d.id, `${folderIndexes.get(d.folderId)}.${place(d)}`]));
}

/** How many keys of the sorted `keys` come before `key` (binary search: a folder may hold thousands). */
function countBefore(keys: Key[], key: Key): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(keys[mid], key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
