import type { Knex } from 'knex';
import { isPostgres, type Db } from '../db.js';
import { partyMemberships, whereInSpans, type Membership } from '../certifications/party-access-history.js';

/** What the figures are grouped by: one row per party (of the spans asked), user, document, folder or UTC day. */
export type Grouping = 'party' | 'user' | 'document' | 'folder' | 'day';

/** [from, to): the instants of deliveries (and of the views pages were read in) that count. */
export interface Window {
  from?: string;
  to?: string;
}

export interface DeliveryFigures {
  key: string;
  views: number;
  downloads: number;
  users: number;
  /** Distinct documents viewed or downloaded. */
  documents: number;
  lastAt: string | null;
}

export interface ReadingFigures {
  key: string;
  pagesViewed: number;
  seconds: number;
  lastAt: string | null;
}

export interface PartyRow {
  id: string;
  name: string;
}

export const roomParties = (db: Db, roomId: string): Promise<PartyRow[]> =>
  db('parties').where({ roomId }).orderBy('createdAt').orderBy('id').select('id', 'name');

/**
 * Who was a member of the party and when, from the ledger's member events and the current members:
 * a member who left still answers for what they did while a member, and never for what came after.
 */
export const partySpans = (db: Db, roomId: string, partyId: string): Promise<Membership[]> => partyMemberships(db, roomId, partyId);


function inWindow(q: Knex.QueryBuilder, w: Window, atColumn: string) {
  if (w.from) q.where(atColumn, '>=', w.from);
  if (w.to) q.where(atColumn, '<', w.to);
  return q;
}

/** The SQL of each grouping's key, on a table aliased `t` whose time column is `atColumn`; null: one row for all. */
function keyOf(by: Grouping, atColumn: string): string | null {
  switch (by) {
    case 'party':
      return null;
    case 'user':
      return 't.user_id';
    case 'document':
      return 't.document_id';
    case 'folder':
      return 'd.folder_id';
    case 'day':
      // Times are ISO 8601 UTC text: the first ten characters are the day.
      return `substr(t.${atColumn}, 1, 10)`;
  }
}

/** Selects the key and groups by it (a constant key, for one row over all, is not grouped by: PostgreSQL refuses it). */
function groupedBy(db: Db, q: Knex.QueryBuilder, key: string | null): Knex.Raw {
  if (key === null) return db.raw("'party' as key");
  q.groupByRaw(key);
  return db.raw(`${key} as key`);
}

const num = (v: unknown) => Number(v ?? 0);

/**
 * Views and downloads by the members of one party (its spans), from the deliveries table: every row
 * there was written in the transaction of its ledger event (downloads/service.ts), so these are the
 * ledger's counts. A view resumed for more byte ranges is one delivery, counted once.
 */
export async function deliveryFigures(db: Db, roomId: string, spans: Membership[], window: Window, by: Grouping): Promise<DeliveryFigures[]> {
  const q = db('downloads as t').where('t.roomId', roomId);
  if (by === 'folder') q.join('documents as d', 'd.id', 't.documentId');
  whereInSpans(q, spans, 't.userId', 't.at');
  inWindow(q, window, 't.at');
  const rows: Array<{ key: string; views: unknown; downloads: unknown; users: unknown; documents: unknown; lastAt: string | null }> = await q
    .select(
      groupedBy(db, q, keyOf(by, 'at')),
      db.raw("sum(case when t.kind = 'view' then 1 else 0 end) as views"),
      db.raw("sum(case when t.kind = 'view' then 0 else 1 end) as downloads"),
      db.raw('count(distinct t.user_id) as users'),
      db.raw('count(distinct t.document_id) as documents'),
      db.raw('max(t.at) as last_at'),
    );
  return rows.map((r) => ({ key: String(r.key), views: num(r.views), downloads: num(r.downloads), users: num(r.users), documents: num(r.documents), lastAt: r.lastAt }));
}

/**
 * Pages read and the seconds spent on them in the views of one party's members, from each view's
 * totals (view_reads). A view and what was read in it count at the instant the view opened.
 */
export async function readingFigures(db: Db, roomId: string, spans: Membership[], window: Window, by: Grouping): Promise<ReadingFigures[]> {
  const q = db('viewReads as t').where('t.roomId', roomId);
  if (by === 'folder') q.join('documents as d', 'd.id', 't.documentId');
  whereInSpans(q, spans, 't.userId', 't.openedAt');
  inWindow(q, window, 't.openedAt');
  const rows: Array<{ key: string; pagesViewed: unknown; seconds: unknown; lastAt: string | null }> = await q
    .select(groupedBy(db, q, keyOf(by, 'opened_at')), db.raw('sum(t.pages) as pages_viewed'), db.raw('sum(t.seconds) as seconds'), db.raw('max(t.last_at) as last_at'));
  return rows.map((r) => ({ key: String(r.key), pagesViewed: num(r.pagesViewed), seconds: num(r.seconds), lastAt: r.lastAt }));
}

/** The documents (id, folder) a set of SQL filters of the Document `view` rule selects in the room: the union of them. */
export async function documentsSelectedBy(db: Db, roomId: string, filters: Array<(qb: Knex.QueryBuilder) => Knex.QueryBuilder>): Promise<Array<{ id: string; folderId: string }>> {
  if (filters.length === 0) return [];
  return db('documents')
    .where('documents.roomId', roomId)
    .where((any) => {
      for (const f of filters) any.orWhere((one) => void f(one));
    })
    .select('documents.id', 'documents.folderId');
}

// ---- page reports

export interface ViewRow {
  id: string;
  roomId: string;
  documentId: string;
  versionId: string;
  userId: string;
  at: string;
}

/** The caller's own view of this document by its download id; undefined for anyone else's, a download, or a made-up id. */
export const findOwnView = (db: Db, downloadId: string, documentId: string, userId: string): Promise<ViewRow | undefined> =>
  db('downloads').where({ id: downloadId, documentId, userId, kind: 'view' }).first('id', 'roomId', 'documentId', 'versionId', 'userId', 'at');

export interface ViewReadRow {
  downloadId: string;
  pages: number;
  seconds: number;
  reports: number;
}

/**
 * The view's totals, created empty if it has none yet, and held until the transaction ends: two
 * reports of one view (two tabs, a retry) then add up one after the other, never over each other.
 */
export async function lockedViewRead(trx: Db, view: ViewRow, at: string): Promise<ViewReadRow> {
  await trx('viewReads')
    .insert({ downloadId: view.id, roomId: view.roomId, documentId: view.documentId, userId: view.userId, openedAt: view.at, pages: 0, seconds: 0, reports: 0, lastAt: at })
    .onConflict('downloadId')
    .ignore();
  const q = trx('viewReads').where({ downloadId: view.id });
  if (isPostgres(trx)) q.forUpdate();
  const row = await q.first('downloadId', 'pages', 'seconds', 'reports');
  return { downloadId: row.downloadId, pages: num(row.pages), seconds: num(row.seconds), reports: num(row.reports) };
}

/** Adds seconds to pages of a view, each page's total held at `pageCap`. */
export async function addPageSeconds(trx: Db, view: ViewRow, reports: Array<{ page: number; seconds: number }>, at: string, pageCap: number): Promise<void> {
  const rows = reports.map((r) => ({ downloadId: view.id, page: r.page, roomId: view.roomId, documentId: view.documentId, userId: view.userId, seconds: Math.min(r.seconds, pageCap), firstAt: at, lastAt: at }));
  await trx('viewPages')
    .insert(rows)
    .onConflict(['downloadId', 'page'])
    // SQLite's two-argument min() is PostgreSQL's least().
    .merge({ seconds: trx.raw(`${isPostgres(trx) ? 'least' : 'min'}(?, view_pages.seconds + excluded.seconds)`, [pageCap]), lastAt: trx.raw('excluded.last_at') });
}

/** The view's totals counted again from its pages: derived, so they cannot drift from them. */
export async function recountViewRead(trx: Db, downloadId: string, at: string): Promise<void> {
  const sums = trx('viewPages').where({ downloadId });
  await trx('viewReads')
    .where({ downloadId })
    .update({
      pages: sums.clone().count('*'),
      seconds: sums.clone().select(trx.raw('coalesce(sum(seconds), 0)')),
      reports: trx.raw('reports + 1'),
      lastAt: at,
    });
}

/** Erasure of a person: what they read, page by page, and for how long. Their views stay deliveries. */
export async function forgetReadingOf(trx: Db, userId: string): Promise<void> {
  await trx('viewPages').where({ userId }).delete();
  await trx('viewReads').where({ userId }).delete();
}

// ---- the weekly digest

/** Claims the digest of `weekStart` for the room: true for exactly one caller ever, whatever the process. */
export async function claimDigest(trx: Db, roomId: string, weekStart: string, claim: string, at: string): Promise<boolean> {
  await trx('engagementDigests').insert({ roomId, weekStart, claim, at }).onConflict(['roomId', 'weekStart']).ignore();
  const row: { claim: string } | undefined = await trx('engagementDigests').where({ roomId, weekStart }).first('claim');
  return row?.claim === claim;
}
