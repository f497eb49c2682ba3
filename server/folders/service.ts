import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { assertRoomContentOpen, findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { invalidRequest } from '../errors.js';
import { compareIndexes } from './folder-index.js';
import { folderIndexesOfRoom, visibleFolderRows, visibleFolders, type FolderRow } from './repository.js';
import type { Db } from '../db.js';
import { folderIndexesFor } from './caller-indexes.js';
import type { CreateFolderInput, UpdateFolderInput } from './schema.js';
import { lockRoomOrder, orderWith, orderWithout, writeOrder, type Sibling } from './sibling-order.js';
import { denied } from '../errors.js';

export type FolderView = FolderRow & { index: string };

export async function createFolder(ctx: ServiceContext, roomId: string, input: CreateFolderInput): Promise<FolderView> {
  const room = await findVisibleRoom(ctx, roomId, 'folder.create');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'folder.create', roomId, subjectId: roomId, reason: 'managers only' });
  const parentId = input.parentId ?? null;
  if (parentId && !(await ctx.db('folders').where({ id: parentId, roomId }).first('id'))) {
    throw invalidRequest('Unknown parent folder.', { parentId: 'no such folder in this room' });
  }
  const folder = await ctx.db.transaction(async (trx) => {
    await lockRoomOrder(trx, roomId);
    const siblings = trx('folders').where({ roomId });
    if (parentId) siblings.where({ parentId });
    else siblings.whereNull('parentId');
    const max = await siblings.max({ m: 'position' }).first();
    const row: FolderRow = { id: randomUUID(), roomId, parentId, name: input.name, position: Number(max?.m ?? 0) + 1, createdAt: ctx.at };
    await trx('folders').insert(row);
    await recordAllowed(trx, ctx, { action: 'folder.create', subjectType: 'Folder', subjectId: row.id, roomId, details: { name: row.name, parentId } });
    return row;
  });
  const indexes = await folderIndexesOfRoom(ctx.db, roomId);
  return { ...folder, index: indexes.get(folder.id)! };
}

/**
 * The folders the caller may see, each with its index as the caller reads it: an external member
 * sees a folder only where something below it is theirs to view or a grant names it, numbered among
 * those alone (policy/visible-folders.ts, folders/caller-indexes.ts).
 */
export async function listFolders(ctx: ServiceContext, roomId: string): Promise<FolderView[]> {
  const room = await findVisibleRoom(ctx, roomId, 'folder.list');
  assertRoomContentOpen(ctx, room, 'folder.list');
  const visible = await visibleFolders(ctx, roomId);
  const indexes = await folderIndexesFor(ctx, roomId, visible.map((f) => f.id));
  return visible.map((f) => ({ ...f, index: indexes.get(f.id)! })).sort((a, b) => compareIndexes(a.index, b.index));
}

const siblingsOf = (trx: Db, roomId: string, parentId: string | null): Promise<Sibling[]> => {
  const q = trx('folders').where({ roomId });
  if (parentId) q.where({ parentId });
  else q.whereNull('parentId');
  return q.select('id', 'position');
};

/**
 * Renames, moves and reorders a folder. Indexes are computed from positions, so every index below
 * it follows; outsiders' access follows on their next request (folders bump policy_version). A move
 * into the folder's own subtree is refused naming parentId: the tree stays a tree.
 */
export async function updateFolder(ctx: ServiceContext, roomId: string, folderId: string, input: UpdateFolderInput): Promise<FolderView> {
  const room = await findVisibleRoom(ctx, roomId, 'folder.update');
  const folder: FolderRow | undefined = await visibleFolderRows(ctx).where('folders.roomId', roomId).where('folders.id', folderId).first();
  if (!folder) throw denied({ action: 'folder.update', subjectType: 'Folder', subjectId: folderId, roomId, reason: 'folder not visible to caller' });
  assertAllowed(ctx, 'edit', 'Folder', folder, { event: 'folder.update', roomId: room.id, subjectId: folderId, reason: 'managers only' });
  await ctx.db.transaction(async (trx) => {
    await lockRoomOrder(trx, roomId);
    const current: FolderRow = await trx('folders').where({ id: folderId }).first();
    if (input.name !== undefined) await trx('folders').where({ id: folderId }).update({ name: input.name });
    const parentId = input.parentId === undefined ? current.parentId : input.parentId;
    if (parentId !== current.parentId) {
      if (parentId !== null) {
        const tree: Array<{ id: string; parentId: string | null }> = await trx('folders').where({ roomId }).select('id', 'parentId');
        if (!tree.some((f) => f.id === parentId)) throw invalidRequest('Unknown parent folder.', { parentId: 'no such folder in this room' });
        if (isInSubtree(tree, folderId, parentId)) throw invalidRequest('A folder cannot move into itself or a folder below it.', { parentId: 'inside the folder being moved' });
      }
      const target = await siblingsOf(trx, roomId, parentId);
      const ordered = orderWith(target, folderId, input.position ?? null);
      const source = await siblingsOf(trx, roomId, current.parentId);
      await trx('folders').where({ id: folderId }).update({ parentId, position: ordered.indexOf(folderId) + 1 });
      await writeOrder(trx, 'folders', ordered, [...target, { id: folderId, position: ordered.indexOf(folderId) + 1 }]);
      await writeOrder(trx, 'folders', orderWithout(source, folderId), source);
    } else if (input.position !== undefined) {
      const siblings = await siblingsOf(trx, roomId, current.parentId);
      await writeOrder(trx, 'folders', orderWith(siblings, folderId, input.position), siblings);
    }
    await recordAllowed(trx, ctx, {
      action: 'folder.update',
      subjectType: 'Folder',
      subjectId: folderId,
      roomId,
      details: { before: { name: current.name, parentId: current.parentId, position: Number(current.position) }, changes: { ...input } },
    });
  });
  const row: FolderRow = await ctx.db('folders').where({ id: folderId }).first();
  const indexes = await folderIndexesOfRoom(ctx.db, roomId);
  return { ...row, index: indexes.get(folderId)! };
}

/** Whether `candidate` is `rootId` or lies below it in `tree` (walked upwards, bounded). */
function isInSubtree(tree: Array<{ id: string; parentId: string | null }>, rootId: string, candidate: string): boolean {
  const parentOf = new Map(tree.map((f) => [f.id, f.parentId]));
  let current: string | null = candidate;
  for (let depth = 0; current !== null && depth <= tree.length; depth++) {
    if (current === rootId) return true;
    current = parentOf.get(current) ?? null;
  }
  return false;
}
