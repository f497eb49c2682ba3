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

/** Index of every folder of the room: one query over the room's tree. */
export async function folderIndexesOfRoom(db: Db, roomId: string): Promise<Map<string, string>> {
  const all = await db('folders').where({ roomId }).select('id', 'parentId', 'position');
  return computeFolderIndexes(all);
}
