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
  await trx('documentPages').where({ documentId }).delete();
  const rows = pages.map((p) => ({ documentId, page: p.page, text: indexableText(p.text) })).filter((r) => r.text.length > 0);
  for (let i = 0; i < rows.length; i += 200) await trx('documentPages').insert(rows.slice(i, i + 200));
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

/**
 * The pages of the room's documents the ability may view that hold every phrase of `terms`, best
 * first (then by document and page, so paging is stable), `limit` from `offset`. The access rule's
 * SQL filter is in the same query as the match: what the caller may not view is never ranked,
 * counted or paged, and costs nothing but a row the join drops.
 */
export async function searchPages(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: { limit: number; offset: number }): Promise<PageHit[]> {
  if (terms.phrases.length === 0) return [];
  const visible = (qb: Knex.QueryBuilder) => qb.join('documents', 'documents.id', 'documentPages.documentId').where('documents.roomId', roomId).where(accessibleBy(ability, 'view', 'Document'));

  let rows: Array<{ documentId: string; page: number; marked: string }>;
  if (isPostgres(db)) {
    const query = tsQueryText(terms);
    const ranked = visible(
      db('documentPages')
        .select('documentPages.documentId', 'documentPages.page', 'documentPages.text')
        .select(db.raw("ts_rank_cd(document_pages.text_vector, to_tsquery('gatehouse_text', ?)) as rank", [query]))
        .whereRaw("document_pages.text_vector @@ to_tsquery('gatehouse_text', ?)", [query]),
    )
      .orderBy([{ column: 'rank', order: 'desc' }, { column: 'documentPages.documentId' }, { column: 'documentPages.page' }])
      .limit(page.limit)
      .offset(page.offset)
      .as('hits');
    // The headline is built for the page of results only: it re-reads the text, the costly part.
    rows = await db
      .from(ranked)
      .select('hits.documentId', 'hits.page')
      .select(db.raw(`ts_headline('gatehouse_text', hits.text, to_tsquery('gatehouse_text', ?), ?) as marked`, [query, `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`]))
      .orderBy([{ column: 'hits.rank', order: 'desc' }, { column: 'hits.documentId' }, { column: 'hits.page' }]);
  } else {
    const match = fts5Match(terms);
    const ranked = visible(db('documentPages').select('documentPages.rowid').whereRaw('document_pages match ?', [match]))
      .orderByRaw('bm25(document_pages), document_pages.document_id, document_pages.page')
      .limit(page.limit)
      .offset(page.offset);
    const ids: number[] = (await ranked).map((r: { rowid: number }) => r.rowid);
    if (ids.length === 0) return [];
    // The snippets for the page of results only, in the order ranked.
    const found: Array<{ rowid: number; documentId: string; page: number; marked: string }> = await db('documentPages')
      .select('rowid', 'documentId', 'page')
      .select(db.raw(`snippet(document_pages, 0, ?, ?, ' … ', 24) as marked`, [HIT_START, HIT_END]))
      .whereRaw('document_pages match ?', [match])
      .whereIn('rowid', ids);
    const byId = new Map(found.map((f) => [f.rowid, f]));
    rows = ids.map((id) => byId.get(id)).filter((r): r is NonNullable<typeof r> => r !== undefined);
  }
  return rows.map((r) => ({ documentId: r.documentId, page: Number(r.page), ...unmarkSnippet(r.marked ?? '') }));
}
