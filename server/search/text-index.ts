import type { Knex } from 'knex';
import { isPostgres, readerOf, type Db } from '../db.js';
import type { AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { pageSnippet } from './page-snippet.js';
import { fts5Match, tsQueryText, type SearchTerms } from './search-query.js';

/**
 * The page-text index (migration full-text-search): SQLite's FTS5 table or PostgreSQL's
 * document_pages with its tsvector, both named document_pages, both holding the current version's
 * pages of each document and nothing else. Both cut a page into words at every character that is
 * not a letter or a digit, as the searcher's words are cut (search-query.ts): "payroll" is found
 * in "payroll.pdf" (PostgreSQL: migration search-word-boundaries).
 */

/** Marks around a hit in a snippet, as the database writes them; never in indexed text (see indexableText). */
const HIT_START = '\u0001';
const HIT_END = '\u0002';

/**
 * Text as stored: no control characters (the snippet's markers among them, and the stand-ins
 * PostgreSQL's index reads in place of punctuation: migration search-word-boundaries), one space between words.
 */
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
 * first (then by document and page, so paging is stable), `limit` from `offset`. One query takes
 * the window — the caller's `rankedPages` most recently indexed matching pages, the access rule's
 * SQL filter joined to the match — with each page's score from its own text; the window is sorted
 * here, and snippets are made for the page of results only. What the caller may not view is never
 * ranked, counted, paged or windowed, and weighs on no score: it costs only a row the join drops.
 */
export async function searchPages(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<SearchResult> {
  if (terms.phrases.length === 0) return { hits: [], broad: false };
  const rows = isPostgres(db) ? await searchPostgres(db, ability, roomId, terms, page) : await searchSqlite(readerOf(db), ability, roomId, terms, page);
  return { broad: rows.broad, hits: rows.found.map((r) => ({ documentId: r.documentId, page: Number(r.page), ...unmarkSnippet(r.marked ?? '') })) };
}

/**
 * A page of results, how many of the caller's matching pages are ranked at most, and on PostgreSQL
 * from how many pages holding the words (the planner's estimate, in the whole index) the caller's
 * documents are read first (config.search, SEARCH_DOCUMENTS_FIRST_FROM).
 */
export type Paging = { limit: number; offset: number; rankedPages: number; documentsFirstFrom: number };

type Found = { found: Array<{ documentId: string; page: number; marked: string }>; broad: boolean };

/**
 * A page's score from its own text alone: BM25's saturation of the hits, against the page's length
 * over a fixed reference (2,000 characters, about 300 words) instead of the index's average, and
 * without its rarity of each word across the index. FTS5's bm25() takes both of those from every
 * page of the index — other parties' documents, drafts, other rooms — so ranking by it let pages
 * the caller cannot see reorder the ones they can (test/security/search-attacks.test.ts).
 * PostgreSQL's ts_rank_cd reads only the page's own tsvector already.
 */
export function pageScore(hits: number, characters: number): number {
  const K1 = 1.2;
  const B = 0.75;
  const REFERENCE_CHARACTERS = 2_000;
  return hits / (hits + K1 * (1 - B + (B * characters) / REFERENCE_CHARACTERS));
}

/** How many hits highlight() marked in `marked`, and its characters without the marks. */
function countHits(marked: string): { hits: number; characters: number } {
  let hits = 0;
  for (let at = marked.indexOf(HIT_START); at >= 0; at = marked.indexOf(HIT_START, at + 1)) hits++;
  return { hits, characters: marked.length - 2 * hits };
}

async function searchSqlite(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<Found> {
  // The window: the caller's most recently indexed matching pages, one more than are ranked (to
  // know whether there are more), each marked by highlight(). Its hits are counted here in its own
  // text, and the page of results is cut into snippets from the same text (page-snippet.ts): the
  // marked pages cost less to carry out of the database than to score or cut in SQL.
  const rows: Array<{ rowid: number; documentId: string; page: number; marked: string }> = await db('documentPages')
    .join('documentPageKeys', 'documentPageKeys.id', 'documentPages.rowid')
    .join('documents', 'documents.id', 'documentPageKeys.documentId')
    .whereRaw('document_pages match ?', [fts5Match(terms)])
    .where('documents.roomId', roomId)
    .where(accessibleBy(ability, 'view', 'Document'))
    .select('documentPages.rowid', 'documentPageKeys.documentId', 'documentPageKeys.page')
    .select(db.raw('highlight(document_pages, 0, ?, ?) as marked', [HIT_START, HIT_END]))
    .orderBy('documentPages.rowid', 'desc')
    .limit(page.rankedPages + 1);
  const broad = rows.length > page.rankedPages;
  if (broad) rows.pop();
  const ranked = rows
    .map((r) => {
      const { hits, characters } = countHits(r.marked);
      return { ...r, score: pageScore(hits, characters) };
    })
    .sort((a, b) => b.score - a.score || (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : a.page - b.page))
    .slice(page.offset, page.offset + page.limit);
  return { found: ranked.map((r) => ({ documentId: r.documentId, page: r.page, marked: pageSnippet(r.marked, HIT_START, HIT_END) })), broad };
}

/** Words whose pages are estimated: the fewest pages of any of them bounds what all of them share. */
const ESTIMATED_WORDS = 4;

/**
 * At most how many pages of the whole index hold every word of the terms, as the planner estimates
 * each word's pages from its statistics of the tsvectors (no page is read): the fewest of any word.
 * Not the planner's estimate of the whole query, which takes words as independent: the words of a
 * phrase ("change of control") come together, and a phrase is checked page by page among the pages
 * holding its words — those are what a search pays for.
 */
async function estimatedMatches(db: Db, terms: SearchTerms): Promise<number> {
  const words = [...new Set(terms.phrases.flat())].slice(0, ESTIMATED_WORDS);
  const estimates = await Promise.all(
    words.map(async (word) => {
      const explained = await db.raw("explain (format json) select 1 from document_pages where text_vector @@ to_tsquery('gatehouse_text', ?)", [`'${word}'`]);
      return (explained.rows[0]['QUERY PLAN'] as Array<{ Plan: { 'Plan Rows': number } }>)[0]!.Plan['Plan Rows'];
    }),
  );
  return Math.min(...estimates);
}

async function searchPostgres(db: Db, ability: AppAbility, roomId: string, terms: SearchTerms, page: Paging): Promise<Found> {
  const query = tsQueryText(terms);
  const matches = "document_pages.text_vector @@ to_tsquery('gatehouse_text', ?)";
  // The window, as on SQLite, each page scored by ts_rank_cd: its own tsvector and the query alone.
  // Two ways to the same rows. Few matches: from the words' index (GIN), joined to the caller's
  // documents. Many: the planner walks the pages newest first and reads each page's tsvector (out
  // of line: the costly part) until enough are the caller's; reading first whether the page's
  // document is one of the caller's (the access rule applied to the room's documents once) spares the
  // tsvectors of every page the caller may not see — a party with a tenth of the room reads a tenth.
  const manyMatches = (await estimatedMatches(db, terms)) >= page.documentsFirstFrom;
  const window: Knex.QueryBuilder = manyMatches
    ? db
        .withMaterialized('callersDocuments', db('documents').where('documents.roomId', roomId).where(accessibleBy(ability, 'view', 'Document')).select('documents.id'))
        .from('documentPages')
        // CASE keeps the order: the document first, then the words (PostgreSQL orders ANDed tests as it likes).
        .whereRaw(`case when document_pages.document_id in (select id from callers_documents) then ${matches} else false end`, [query])
    : db('documentPages')
        .join('documents', 'documents.id', 'documentPages.documentId')
        .whereRaw(matches, [query])
        .where('documents.roomId', roomId)
        .where(accessibleBy(ability, 'view', 'Document'));
  const rows: Array<{ id: string; documentId: string; page: number; rank: number }> = await window
    .select('documentPages.id', 'documentPages.documentId', 'documentPages.page')
    .select(db.raw("ts_rank_cd(document_pages.text_vector, to_tsquery('gatehouse_text', ?)) as rank", [query]))
    .orderBy('documentPages.id', 'desc')
    .limit(page.rankedPages + 1);
  const broad = rows.length > page.rankedPages;
  if (broad) rows.pop();
  const ranked = rows
    .sort((a, b) => b.rank - a.rank || (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : a.page - b.page))
    .slice(page.offset, page.offset + page.limit);
  if (ranked.length === 0) return { found: [], broad };
  // The headlines for the page of results only: they re-read the text, the costly part. They read
  // it as the tsvector did, words apart (migration search-word-boundaries), or "payroll" would be
  // found in "payroll.pdf" and not marked there.
  const headlines: Array<{ id: string; marked: string }> = await db('documentPages')
    .whereIn('id', ranked.map((r) => r.id))
    .select('id', db.raw(`gatehouse_display_text(ts_headline('gatehouse_text', gatehouse_search_text(text), to_tsquery('gatehouse_text', ?), ?)) as marked`, [query, `StartSel=${HIT_START}, StopSel=${HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`]));
  const marked = new Map(headlines.map((h) => [String(h.id), h.marked]));
  return { found: ranked.map((r) => ({ documentId: r.documentId, page: r.page, marked: marked.get(String(r.id)) ?? '' })), broad };
}
