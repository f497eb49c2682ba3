import type { DocumentItem, Folder } from '../../api.js';
import { compareIndex } from '../folder-tree.js';

/**
 * Where a drag and drop puts a document or a folder, as the PATCH the server takes. Positions are
 * 1-based places among siblings, which the deal team's index already spells: the last part of "1.2.3".
 */

/** The last part of an index: the item's place among its siblings. */
export const placeOf = (index: string) => Number(index.slice(index.lastIndexOf('.') + 1));

export const sortByIndex = <T extends { index: string }>(items: T[]): T[] => [...items].sort((a, b) => compareIndex(a.index, b.index));

export type DocumentPatch = { folderId?: string; position?: number };
export type FolderPatch = { parentId?: string | null; position?: number };

/**
 * A document dropped on another takes its place: in the same folder the others close up behind it
 * (moving down puts it after the target, moving up before it, as the list showed while dragging);
 * from another folder it goes in before the target. Null when nothing would change.
 */
export function dropOnDocument(doc: DocumentItem, target: DocumentItem): DocumentPatch | null {
  if (doc.id === target.id) return null;
  const position = placeOf(target.index);
  if (doc.folderId === target.folderId) return position === placeOf(doc.index) ? null : { position };
  return { folderId: target.folderId, position };
}

/** A document dropped on a folder goes last into it. */
export function dropOnFolder(doc: DocumentItem, folder: Folder): DocumentPatch | null {
  return doc.folderId === folder.id ? null : { folderId: folder.id };
}

/** Whether `folderId` is `ancestorId` or lies below it. */
export function isWithin(folders: Folder[], folderId: string | null, ancestorId: string): boolean {
  const byId = new Map(folders.map((f) => [f.id, f]));
  for (let id = folderId, hops = 0; id && hops <= folders.length; id = byId.get(id)?.parentId ?? null, hops++) {
    if (id === ancestorId) return true;
  }
  return false;
}

export type FolderDrop = { mode: 'into' | 'place'; target: Folder };

/**
 * A folder dropped on another: `place` puts it where the target is, among the target's siblings
 * (a reorder, or a move to another parent); `into` makes it the target's last subfolder. A folder
 * never goes inside itself: refused here with the reason, as the server would refuse it.
 */
export function dropFolder(folders: Folder[], moving: Folder, drop: FolderDrop): { patch: FolderPatch } | { refused: string } | null {
  const { target } = drop;
  if (target.id === moving.id) return null;
  if (drop.mode === 'into') {
    if (isWithin(folders, target.id, moving.id)) return { refused: `${moving.index} ${moving.name} cannot go inside its own subfolder ${target.index} ${target.name}.` };
    return target.id === moving.parentId ? null : { patch: { parentId: target.id } };
  }
  if (isWithin(folders, target.parentId, moving.id)) return { refused: `${moving.index} ${moving.name} cannot go inside its own subfolders.` };
  const position = placeOf(target.index);
  if (target.parentId === moving.parentId) return { patch: { position } };
  return { patch: { parentId: target.parentId, position } };
}
