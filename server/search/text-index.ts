import type { Knex } from 'knex';
import { isPostgres, type Db } from '../db.js';
import type { AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { fts5Match, tsQueryText, type SearchTerms } from './search-query.js';

/**
 * The page-text index (migration full-text-search): SQLite's FTS5 table or PostgreSQL's
 * document_pages with its tsvector, both named document_pages, both holding the current version's
 * pages of each document and nothing else.
 */

/** Marks around a hit in a snippet, as the database writes them; never in indexed text (see indexableText). */
const HIT_START = '\u0001';
const HIT_END = '\u0002';

/** Text as stored: no control characters (the snippet's markers among them), one space between words. */
export const indexableText = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();

/** Replaces what the index holds for `documentId` with `pages` (empty: removes it). */
export async function replaceDocumentPages(trx: Knex.Transaction | Db, documentId: string, pages: Array<{ page: number; text: string }>): Promise<void> {
  if (isPostgres(trx)) await trx('documentPages').where({ documentId }).delete();
  else {
    await trx.raw('delete from document_pages where rowid in (select id from document_page_keys where document_id = ?)', [documentId]);
    await trx('documentPageKeys').where({ documentId }).delete();
  }
  await writeDocumentPages(trx, pages.map((p) => ({ documentId, ...p })));
}

/**
 * Adds pages to the index (the caller has removed what they replace). On SQLite each page's key is
 * taken after the transaction's first write, which holds the database's write lock: no other
 * process can take the same one.
 */
export async function writeDocumentPages(trx: Knex.Transaction | Db, pages: Array<{ documentId: string; page: number; text: string }>): Promise<void> {
  const rows = pages.map((p) => ({ documentId: p.documentId, page: p.page, text: indexableText(p.text) })).filter((r) => r.text.length > 0);
  if (rows.length === 0) return;
  if (isPostgres(trx)) {
    for (let i = 0; i < rows.length; i += 200) await trx('documentPages').insert(rows.slice(i, i + 200));
    return;
  }
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    await trx('documentPageKeys').insert(batch.map(({ documentId, page }) => ({ documentId, page })));
    // The keys just written are the batch's, in order: rowids of a table only grow within a write lock.
    const last = Number((await trx('documentPageKeys').max('id as id').first())!.id);
    await trx('documentPages').insert(batch.map((r, j) => ({ rowid: last - batch.length + 1 + j, text: r.text })));
  }
}

export interface PageHit {
  documentId: string;
  page: number;
  /** Plain text around the hits. */
  snippet: string;
  /** [start, end) of each hit in `snippet`, in UTF-16 code units (JavaScript string offsets). */
  highlights: Array<[number, number]>;
}

/** A database snippet with HIT_START/HIT_END marks, as plain text and the offsets of what was marked. */
export function unmarkSnippet(marked: string): { snippet: string; highlights: Array<[number, number]> } {
  let snippet = '';
  const highlights: Array<[number, number]> = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === HIT_START) start = snippet.length;
    else if (ch === HIT_END) {
      if (start >= 0 && snippet.length > start) highlights.push([start, snippet.length]);
      start = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}

export interface SearchResult {
  hits: PageHit[];
  /** More than `rankedPages` of the caller's pages match: the hits are the best of the most recently indexed (config.search). */
  broad: boolean;
}

/**
 * The pages of the room's documents the ability may view that hold every phrase of `terms`, best
 * first (then by document and page, so paging is stable), `limit` from `offset`. The access rule's
 * SQL filter is in the same query as the match, and in the one that finds where the ranked window
 * starts: what the caller may not view is never ranked, counted, paged or windowed, and costs only a
 * row the join drops.
 */
export async function searchPages(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<SearchResult> {
  if (terms.phrases.length === 0) return { hits: [], broad: false };
  const rows = isPostgres(db) ? await searchPostgres(db, ability, roomId, terms, page) : await searchSqlite(db, ability, roomId, terms, page);
  return { broad: rows.broad, hits: rows.found.map((r) => ({ documentId: r.documentId, page: Number(r.page), ...unmarkSnippet(r.marked ?? '') })) };
}

/** A page of results, and how many of the caller's matching pages are ranked at most. */
export type Paging = { limit: number; offset: number; rankedPages: number };

type Found = { found: Array<{ documentId: string; page: number; marked: string }>; broad: boolean };

/** The key of the `rankedPages`-th most recently indexed matching page the caller may view, if that many match. */
async function windowStart(matching: Knex.QueryBuilder, key: string, rankedPages: number): Promise<number | null> {
  const row = await matching.select(`${key} as key`).orderBy(key, 'desc').limit(1).offset(rankedPages - 1).first();
  return row ? Number(row.key) : null;
}

async function searchSqlite(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<Found> {
  const match = fts5Match(terms);
  const matching = () =>
    db('documentPages')
      .join('documentPageKeys', 'documentPageKeys.id', 'documentPages.rowid')
      .join('documents', 'documents.id', 'documentPageKeys.documentId')
      .whereRaw('document_pages match ?', [match])
      .where('documents.roomId', roomId)
      .where(accessibleBy(ability, 'view', 'Document'));
  const from = await windowStart(matching(), 'documentPages.rowid', page.rankedPages);
  const ranked: Array<{ rowid: number; documentId: string; page: number }> = await matching()
    .modify((qb) => from !== null && qb.where('documentPages.rowid', '>=', from))
    .select('documentPages.rowid', 'documentPageKeys.documentId', 'documentPageKeys.page')
    .orderByRaw('bm25(document_pages), document_page_keys.document_id, document_page_keys.page')
    .limit(page.limit)
    .offset(page.offset);
  if (ranked.length === 0) return { found: [], broad: from !== null };
  // The snippets for the page of results only: they read the text, the costly part.
  const snippets: Array<{ rowid: number; marked: string }> = await db('documentPages')
    .select('rowid', db.raw(`snippet(document_pages, 0, ?, ?, ' … ', 24) as marked`, [HIT_START, HIT_END]))
    .whereRaw('document_pages match ?', [match])
    .whereIn('rowid', ranked.map((r) => r.rowid));
  const marked = new Map(snippets.map((s) => [s.rowid, s.marked]));
  return { found: ranked.map((r) => ({ documentId: r.documentId, page: r.page, marked: marked.get(r.rowid) ?? '' })), broad: from !== null };
}

async function searchPostgres(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<Found> {
  const query = tsQueryText(terms);
  const matching = () =>
    db('documentPages')
      .join('documents', 'documents.id', 'documentPages.documentId')
      .whereRaw("document_pages.text_vector @@ to_tsquery('gatehouse_text', ?)", [query])
      .where('documents.roomId', roomId)
      .where(accessibleBy(ability, 'view', 'Document'));
  const from = await windowStart(matching(), 'documentPages.id', page.rankedPages);
  const ranked = matching()
    .modify((qb) => from !== null && qb.where('documentPages.id', '>=', from))
    .select('documentPages.documentId', 'documentPages.page', 'documentPages.text')
    .select(db.raw("ts_rank_cd(document_pages.text_vector, to_tsquery('gatehouse_text', ?)) as rank", [query]))
    .orderBy([{ column: 'rank', order: 'desc' }, { column: 'documentPages.documentId' }, { column: 'documentPages.page' }])
    .limit(page.limit)
    .offset(page.offset)
    .as('hits');
  // The headline is built for the page of results only: it re-reads the text, the costly part.
  const found = await db
    .from(ranked)
    .select('hits.documentId', 'hits.page')
    .select(db.raw(`ts_headline('gatehouse_text', hits.text, to_tsquery('gatehouse_text', ?), ?) as marked`, [query, `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`]))
    .orderBy([{ column: 'hits.rank', order: 'desc' }, { column: 'hits.documentId' }, { column: 'hits.page' }]);
  return { found, broad: from !== null };
}
