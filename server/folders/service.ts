import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { assertRoomContentOpen, findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { invalidRequest } from '../errors.js';
import { compareIndexes } from './folder-index.js';
import { folderIndexesOfRoom, visibleFolders, type FolderRow } from './repository.js';
import { folderIndexesFor } from './caller-indexes.js';
import type { CreateFolderInput } from './schema.js';

export type FolderView = FolderRow & { index: string };

export async function createFolder(ctx: ServiceContext, roomId: string, input: CreateFolderInput): Promise<FolderView> {
  const room = await findVisibleRoom(ctx, roomId, 'folder.create');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'folder.create', roomId, subjectId: roomId, reason: 'managers only' });
  const parentId = input.parentId ?? null;
  if (parentId && !(await ctx.db('folders').where({ id: parentId, roomId }).first('id'))) {
    throw invalidRequest('Unknown parent folder.', { parentId: 'no such folder in this room' });
  }
  const folder = await ctx.db.transaction(async (trx) => {
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
