import type { Db } from '../db.js';
import { computeFolderIndexes } from './folder-index.js';

export interface FolderRow {
  id: string;
  roomId: string;
  parentId: string | null;
  name: string;
  position: number;
  createdAt: string;
}

/** Rooms whose indexes are kept per database; the least recently used goes first past it. */
const MAX_CACHED_ROOMS = 1_000;

/** Per database, per room: the indexes and the policy_version they were read under. */
const indexCaches = new WeakMap<Db, Map<string, { policyVersion: string; indexes: Map<string, string> }>>();

/**
 * Index of every folder of the room: one query over the room's tree, or none when the tree was
 * read under the request's own policy_version. Every folder insert, update or delete bumps that
 * version in its transaction (a trigger), so a tree cached under it is the tree as of the version.
 * A folder created since (the request read rows newer than its version) is not in it: `needed`
 * names the folders the caller is about to print, and a miss reads the tree again.
 */
export async function folderIndexesOfRoom(db: Db, roomId: string, cacheKey?: { policyVersion: string; needed: Iterable<string> }): Promise<Map<string, string>> {
  let cache = indexCaches.get(db);
  const cached = cache?.get(roomId);
  if (cacheKey && cached?.policyVersion === cacheKey.policyVersion && [...cacheKey.needed].every((id) => cached.indexes.has(id))) {
    cache!.delete(roomId);
    cache!.set(roomId, cached);
    return cached.indexes;
  }
  const all = await db('folders').where({ roomId }).select('id', 'parentId', 'position');
  const indexes = computeFolderIndexes(all);
  if (cacheKey) {
    if (!cache) indexCaches.set(db, (cache = new Map()));
    cache.delete(roomId);
    if (cache.size >= MAX_CACHED_ROOMS) cache.delete(cache.keys().next().value!);
    cache.set(roomId, { policyVersion: cacheKey.policyVersion, indexes });
  }
  return indexes;
}
