import { z } from 'zod';
import type { Knex } from 'knex';
import { invalidRequest } from '../errors.js';

export const PagingSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
export type Paging = z.infer<typeof PagingSchema>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Keyset paging on (sortColumn, id): stable under concurrent inserts, and the cursor is opaque
 * (base64url of the last row's key) so clients cannot build one that means anything else.
 */
export async function fetchPage<T extends { id: string }>(
  query: Knex.QueryBuilder,
  paging: Paging,
  sort: { column: string; field: keyof T & string; table: string; descending?: boolean },
): Promise<Page<T>> {
  const col = `${sort.table}.${sort.column}`;
  const idCol = `${sort.table}.id`;
  const [beyond, order] = sort.descending ? (['<', 'desc'] as const) : (['>', 'asc'] as const);
  if (paging.cursor) {
    const [after, afterId] = decodeCursor(paging.cursor);
    query.where((q) => q.where(col, beyond, after).orWhere((q2) => q2.where(col, '=', after).where(idCol, beyond, afterId)));
  }
  const rows: T[] = await query.orderBy([{ column: col, order }, { column: idCol, order }]).limit(paging.limit + 1);
  const items = rows.slice(0, paging.limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > paging.limit && last ? encodeCursor([String(last[sort.field]), last.id]) : null,
  };
}

const encodeCursor = (key: [string, string]) => Buffer.from(JSON.stringify(key)).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Keys come from stored rows, which never hold a NUL (PostgreSQL cannot store one: comparing with
    // it fails the query); a cursor with one was not issued here.
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string' && !x.includes('\u0000'))) return v as [string, string];
  } catch {
    /* reported below */
  }
  throw invalidRequest('Invalid cursor.', { cursor: 'not a cursor this server issued' });
}
