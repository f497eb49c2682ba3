import { isPostgres, type Db } from '../db.js';
import { invalidRequest } from '../errors.js';

/** A folder or document and its place among its siblings (1, 2, 3…: the deal team's numbering). */
export interface Sibling {
  id: string;
  position: number;
}

const byPosition = (a: Sibling, b: Sibling) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The ids of `siblings` in order, `id` taken out and put back at `position` (1-based; null: last).
 * `id` may be new to the siblings (a move into their folder). A position outside 1…n (n counting `id`)
 * is refused naming the field: an index is the deal team's map of the room, never guessed.
 */
export function orderWith(siblings: Sibling[], id: string, position: number | null): string[] {
  const others = siblings.filter((s) => s.id !== id).sort(byPosition).map((s) => s.id);
  const last = others.length + 1;
  const at = position ?? last;
  if (!Number.isInteger(at) || at < 1 || at > last) throw invalidRequest('The position is out of range.', { position: `between 1 and ${last}` });
  others.splice(at - 1, 0, id);
  return others;
}

/** The ids of `siblings` in order, `id` left out: what remains when it leaves their folder. */
export const orderWithout = (siblings: Sibling[], id: string): string[] => siblings.filter((s) => s.id !== id).sort(byPosition).map((s) => s.id);

/**
 * Writes positions 1…n for `ordered`, touching only the rows whose position changes (each row of
 * `table`; `current` holds their present positions). Called inside the transaction that read them.
 */
export async function writeOrder(trx: Db, table: 'folders' | 'documents', ordered: string[], current: Sibling[]): Promise<void> {
  const was = new Map(current.map((s) => [s.id, Number(s.position)]));
  for (const [i, id] of ordered.entries()) {
    if (was.get(id) !== i + 1) await trx(table).where({ id }).update({ position: i + 1 });
  }
}
/**
 * Changes to a room's numbering (positions of folders and documents) are made one at a time per
 * room: PostgreSQL locks the room row for the transaction; SQLite's transactions take the write lock
 * at BEGIN (sqlite-immediate-client.ts). Two reorders at once never leave two documents at one place.
 */
export async function lockRoomOrder(trx: Db, roomId: string): Promise<void> {
  if (isPostgres(trx)) await trx('rooms').where({ id: roomId }).forUpdate().first('id');
}

