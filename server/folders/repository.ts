import type { Db } from '../db.js';
import type { AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { computeFolderIndexes, type FolderNode } from './folder-index.js';

/** The folders the caller may see (staff: all; a member: those their documents and grants reach); add the room or id. */
export const visibleFolderRows = (reader: { db: Db; ability: AppAbility }) => reader.db('folders').where(accessibleBy(reader.ability, 'read', 'Folder'));

/** The room's folders the caller may see. */
export const visibleFolders = (reader: { db: Db; ability: AppAbility }, roomId: string): Promise<FolderRow[]> =>
  visibleFolderRows(reader).where('folders.roomId', roomId);

export interface FolderRow {
  id: string;
  roomId: string;
  parentId: string | null;
  name: string;
  position: number;
  createdAt: string;
}

/** A room's folder tree and the index of every folder in it, as the deal team reads them. */
export interface RoomFolderTree {
  folders: FolderNode[];
  indexes: Map<string, string>;
}

/** Rooms whose indexes are kept per database; the least recently used goes first past it. */
const MAX_CACHED_ROOMS = 1_000;

/** Per database, per room: the tree and the policy_version it was read under. */
const treeCaches = new WeakMap<Db, Map<string, RoomFolderTree & { policyVersion: string }>>();

/**
 * The room's folder tree with the index of every folder: one query over the room's tree, or none
 * when the tree was read under the request's own policy_version. Every folder insert, update or
 * delete bumps that version in its transaction (a trigger), so a tree cached under it is the tree as
 * of the version. A folder created since (the request read rows newer than its version) is not in
 * it: `needed` names the folders the caller is about to print, and a miss reads the tree again.
 */
export async function folderTreeOfRoom(db: Db, roomId: string, cacheKey?: { policyVersion: string; needed: Iterable<string> }): Promise<RoomFolderTree> {
  let cache = treeCaches.get(db);
  const cached = cache?.get(roomId);
  if (cacheKey && cached?.policyVersion === cacheKey.policyVersion && [...cacheKey.needed].every((id) => cached.indexes.has(id))) {
    cache!.delete(roomId);
    cache!.set(roomId, cached);
    return cached;
  }
  const folders: FolderNode[] = await db('folders').where({ roomId }).select('id', 'parentId', 'position');
  const tree = { folders, indexes: computeFolderIndexes(folders) };
  if (cacheKey) {
    if (!cache) treeCaches.set(db, (cache = new Map()));
    cache.delete(roomId);
    if (cache.size >= MAX_CACHED_ROOMS) cache.delete(cache.keys().next().value!);
    cache.set(roomId, { policyVersion: cacheKey.policyVersion, ...tree });
  }
  return tree;
}

/** Index of every folder of the room, as the deal team reads it (see folderTreeOfRoom). */
export async function folderIndexesOfRoom(db: Db, roomId: string, cacheKey?: { policyVersion: string; needed: Iterable<string> }): Promise<Map<string, string>> {
  return (await folderTreeOfRoom(db, roomId, cacheKey)).indexes;
}
