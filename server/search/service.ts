import type { ServiceContext } from '../service-context.js';
import { invalidRequest } from '../errors.js';
import { assertRoomContentOpen, findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { documentIndexesFor } from '../documents/caller-indexes.js';
import type { Page } from '../http/paging.js';
import { parseSearchQuery } from './search-query.js';
import { searchPages } from './text-index.js';
import type { SearchQuery } from './schema.js';

export interface SearchHit {
  documentId: string;
  title: string;
  /** The document's number as the caller sees it (their own numbering: it never counts what they cannot see). */
  index: string;
  page: number;
  snippet: string;
  highlights: Array<[number, number]>;
}

/** Results past this many are not paged to: a search that needs them needs more words. */
const MAX_OFFSET = 10_000;

// The cursor is the offset of the next page, opaque (base64url) so that it is passed back, not built.
const encodeCursor = (offset: number) => Buffer.from(String(offset)).toString('base64url');
function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const offset = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw invalidRequest('Invalid cursor.', { cursor: 'a cursor from nextCursor' });
  return offset;
}

/**
 * The room's pages that hold the caller's words, among the documents they may view (API.md
 * "Search"), with the same gate as the room's document list: 404 for a room they cannot see,
 * 403 nda_required (and the other room-wide refusals) where the room gives them no content.
 */
export async function searchRoom(ctx: ServiceContext, roomId: string, query: SearchQuery): Promise<Page<SearchHit> & { broad: boolean }> {
  const room = await findVisibleRoom(ctx, roomId, 'document.search');
  assertRoomContentOpen(ctx, room, 'document.search');
  const offset = decodeCursor(query.cursor);
  const terms = parseSearchQuery(query.q);
  // One more than asked: whether there is a next page, without counting (a count is a figure to leak and to pay for).
  const { hits, broad } = await searchPages(ctx.db, ctx.ability, room.id, terms, { limit: query.limit + 1, offset, ...ctx.config.search });
  const pageHits = hits.slice(0, query.limit);
  const docs = pageHits.length
    ? await ctx.db('documents').whereIn('id', [...new Set(pageHits.map((h) => h.documentId))]).select('id', 'title', 'folderId', 'position')
    : [];
  const byId = new Map(docs.map((d: { id: string; title: string; folderId: string; position: number }) => [d.id, d]));
  const indexes = await documentIndexesFor(ctx, room.id, docs);
  await recordAllowed(ctx.db, ctx, { action: 'document.search', subjectType: 'Room', subjectId: room.id, roomId: room.id, details: { q: query.q, offset, count: pageHits.length } });
  return {
    items: pageHits.map((h) => ({ documentId: h.documentId, title: byId.get(h.documentId)!.title, index: indexes.get(h.documentId)!, page: h.page, snippet: h.snippet, highlights: h.highlights })),
    nextCursor: hits.length > query.limit && offset + query.limit <= MAX_OFFSET ? encodeCursor(offset + query.limit) : null,
    broad,
  };
}
