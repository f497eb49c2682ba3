import type { ServiceContext } from '../service-context.js';
import type { Db } from '../db.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { denied, invalidRequest, notFound, rateLimited } from '../errors.js';
import { documentIndexesFor } from '../documents/caller-indexes.js';
import { folderTreeOfRoom } from '../folders/repository.js';
import { partyVisibility } from './party-visibility.js';
import { pageCountOfVersion } from './page-count.js';
import {
  addPageSeconds,
  deliveryFigures,
  findOwnView,
  lockedViewRead,
  partySpans,
  readingFigures,
  recountViewRead,
  roomParties,
  type Grouping,
  type Window,
} from './repository.js';
import type { EngagementQuery, PageReport } from './schema.js';

/** One row of the figures: what the deal team reads of a party, folder, document, user or day. */
export interface EngagementItem {
  key: string;
  label: string;
  /** Documents the party (or, without one, any party) may view now: by=party, folder; by=user the member's own; by=document 1 or 0. */
  visible: number;
  views: number;
  downloads: number;
  users: number;
  /** Distinct documents viewed or downloaded (by=folder or day without a party: added up over the parties). */
  documents: number;
  pagesViewed: number;
  seconds: number;
  lastAt: string | null;
  /** by=user: the party the member is (or was) in. */
  partyId?: string;
  /** by=document: the folder the document is in. */
  folderId?: string;
}

const empty = (key: string, label: string): EngagementItem => ({ key, label, visible: 0, views: 0, downloads: 0, users: 0, documents: 0, pagesViewed: 0, seconds: 0, lastAt: null });
const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/** "1.10" after "1.9": indexes compared number by number. */
export function byIndex(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
}

/**
 * The figures of a room, computed in SQL from the deliveries (the ledger's views and downloads) and
 * the pages read, per party by its membership spans, and `visible` by the access rule as each party
 * stands at `at`. `partyId` keeps to that party: by=document or folder then counts its members only.
 * Without it, by=folder and by=document add the parties up and `visible` counts what any party may
 * view; the deal team's own deliveries never count. `reader` numbers folders and documents as the
 * deal team does (labels of by=folder and by=document).
 */
export async function engagementFigures(
  db: Db,
  roomId: string,
  at: string,
  query: { by: Grouping; partyId?: string } & Window,
  reader?: Parameters<typeof documentIndexesFor>[0],
): Promise<EngagementItem[]> {
  const parties = (await roomParties(db, roomId)).filter((p) => !query.partyId || p.id === query.partyId);
  const window: Window = { from: query.from, to: query.to };
  const visibility = await partyVisibility(db, roomId, at, parties.map((p) => p.id));
  const items = new Map<string, EngagementItem>();
  const itemOf = (key: string) => {
    let item = items.get(key);
    if (!item) items.set(key, (item = empty(key, key)));
    return item;
  };

  for (const party of parties) {
    const spans = await partySpans(db, roomId, party.id);
    const rowKey = (key: string) => (query.by === 'party' ? party.id : key);
    for (const d of await deliveryFigures(db, roomId, spans, window, query.by)) {
      const item = itemOf(rowKey(d.key));
      item.views += d.views;
      item.downloads += d.downloads;
      // By user, each row is one user; elsewhere a user is in one party at a time, so parties add up.
      item.users += d.users;
      item.documents += d.documents;
      item.lastAt = later(item.lastAt, d.lastAt);
      if (query.by === 'user') item.partyId = party.id;
    }
    for (const r of await readingFigures(db, roomId, spans, window, query.by)) {
      const item = itemOf(rowKey(r.key));
      item.pagesViewed += r.pagesViewed;
      item.seconds += r.seconds;
      item.lastAt = later(item.lastAt, r.lastAt);
      if (query.by === 'user') item.partyId = party.id;
    }
    if (query.by === 'party') {
      const item = itemOf(party.id);
      item.label = party.name;
      item.visible = visibility.get(party.id)!.documents.size;
    }
    if (query.by === 'user') {
      // Every current member, those who have not looked at anything included.
      for (const [userId, visible] of visibility.get(party.id)!.perUser) {
        const item = itemOf(userId);
        item.visible = visible;
        item.partyId = party.id;
      }
    }
  }

  const visibleAnywhere = new Map<string, string>();
  for (const v of visibility.values()) for (const [id, folderId] of v.documents) visibleAnywhere.set(id, folderId);

  if (query.by === 'user') {
    const users: Array<{ id: string; name: string }> = await db('users').whereIn('id', [...items.keys()]).select('id', 'name');
    for (const u of users) items.get(u.id)!.label = u.name;
    const order = new Map(parties.map((p, i) => [p.id, i]));
    return [...items.values()].sort((a, b) => order.get(a.partyId!)! - order.get(b.partyId!)! || a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
  }
  if (query.by === 'folder') {
    const folders: Array<{ id: string; name: string }> = await db('folders').where({ roomId }).select('id', 'name');
    const indexes = (await folderTreeOfRoom(db, roomId)).indexes;
    for (const f of folders) itemOf(f.id).label = `${indexes.get(f.id) ?? ''} ${f.name}`.trim();
    for (const folderId of visibleAnywhere.values()) itemOf(folderId).visible += 1;
    // A folder deleted since its documents were read has no row of its own to name it.
    return [...items.values()].filter((i) => folders.some((f) => f.id === i.key)).sort((a, b) => byIndex(a.label.split(' ')[0]!, b.label.split(' ')[0]!));
  }
  if (query.by === 'document') {
    for (const id of visibleAnywhere.keys()) itemOf(id).visible = 1;
    const docs: Array<{ id: string; title: string; folderId: string; position: number }> = await db('documents')
      .where({ roomId })
      .whereIn('id', [...items.keys()])
      .select('id', 'title', 'folderId', 'position');
    const indexes = reader ? await documentIndexesFor(reader, roomId, docs) : new Map<string, string>();
    for (const d of docs) {
      const item = items.get(d.id)!;
      item.label = `${indexes.get(d.id) ?? ''} ${d.title}`.trim();
      item.folderId = d.folderId;
    }
    return [...items.values()].filter((i) => i.folderId !== undefined).sort((a, b) => byIndex(a.label.split(' ')[0]!, b.label.split(' ')[0]!));
  }
  if (query.by === 'day') {
    const visible = query.partyId ? (visibility.get(query.partyId)?.documents.size ?? 0) : visibleAnywhere.size;
    for (const item of items.values()) item.visible = visible;
    return [...items.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
  return parties.map((p) => items.get(p.id)!);
}

/** `GET /api/rooms/:roomId/engagement`: the deal team's (managers and counsel); anyone else is answered as for a missing room. */
export async function roomEngagement(ctx: ServiceContext, roomId: string, query: EngagementQuery): Promise<EngagementItem[]> {
  const room = await findVisibleRoom(ctx, roomId, 'engagement.read');
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'engagement.read', roomId, subjectId: roomId, reason: 'room staff only', error: notFound() });
  if (query.partyId && !(await ctx.db('parties').where({ id: query.partyId, roomId }).first('id'))) {
    // Stryker disable next-line StringLiteral: wording of the ledger's reason
    throw denied({ action: 'engagement.read', subjectType: 'Party', subjectId: query.partyId, roomId, reason: 'no such party in this room' }, notFound());
  }
  const items = await engagementFigures(ctx.db, roomId, ctx.at, query, ctx);
  await recordAllowed(ctx.db, ctx, {
    action: 'engagement.read',
    subjectType: 'Room',
    subjectId: roomId,
    roomId,
    details: { by: query.by, partyId: query.partyId ?? null, from: query.from ?? null, to: query.to ?? null, format: query.format },
  });
  return items;
}

/** Most seconds a page of one view counts: past half an hour on one page the reader has most likely walked away. */
export const PAGE_SECONDS_CAP = 1800;
/** What a view may report beyond the time since it opened: the viewer's clock and the request's travel. */
export const REPORT_SLACK_SECONDS = 10;
/** Reports a view may send: a start, then one every two seconds on average, far more than a viewer sends. */
const maxReports = (elapsedSeconds: number) => 30 + Math.floor(elapsedSeconds / 2);

/**
 * `POST /api/documents/:documentId/views/:downloadId/pages`: the viewer who opened a view reports
 * the pages read in it and the time on each. Only they may, and only while they may still view the
 * document: anyone else, another document's view, a download or a made-up id is refused as a
 * missing one (and recorded). Bounded: no page past the copy's last, no more seconds than have passed
 * since the view opened (plus a little slack), each page's total capped, a flood of reports refused.
 *
 * An accepted report is not put in the ledger: it decides no access (the view it belongs to is
 * there already), and reading times are personal data that erasure must be able to remove, which
 * the append-only chain cannot. The deal team's own views are checked alike and kept nowhere:
 * engagement is about the parties.
 */
export async function reportPages(ctx: ServiceContext, documentId: string, downloadId: string, reports: PageReport[], batch: boolean): Promise<void> {
  const refuse = (reason: string, roomId: string | null) =>
    denied({ action: 'document.view.pages', subjectType: 'Document', subjectId: documentId, roomId, reason, details: { downloadId: downloadId.slice(0, 64) } }, notFound());
  const doc: { id: string; roomId: string } | undefined = await ctx.db('documents')
    .where(accessibleBy(ctx.ability, 'view', 'Document'))
    .where('documents.id', documentId)
    .first('documents.id', 'documents.roomId');
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  if (!doc) throw refuse('document not visible to caller', null);
  const view = await findOwnView(ctx.db, downloadId, documentId, ctx.actor.id);
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  if (!view) throw refuse('not a view of this document by the caller', doc.roomId);

  const pages = await pageCountOfVersion(ctx, view.versionId);
  const field = (i: number, name: string) => (batch ? `${i}.${name}` : name);
  const past = reports.findIndex((r) => r.page > pages);
  if (past >= 0) throw invalidRequest(`The view has ${pages} page${pages === 1 ? '' : 's'}.`, { [field(past, 'page')]: `past the last page (${pages})` });

  if (!ctx.facts.memberships.some((m) => m.roomId === view.roomId)) return;
  const merged = new Map<number, number>();
  for (const r of reports) merged.set(r.page, (merged.get(r.page) ?? 0) + r.seconds);
  const adding = [...merged.values()].reduce((a, b) => a + b, 0);
  const elapsed = (Date.parse(ctx.at) - Date.parse(view.at)) / 1000;

  await ctx.db.transaction(async (trx) => {
    const read = await lockedViewRead(trx, view, ctx.at);
    if (read.seconds + adding > elapsed + REPORT_SLACK_SECONDS) {
      throw invalidRequest('More seconds than have passed since the view opened.', { seconds: `at most ${Math.max(0, Math.floor(elapsed + REPORT_SLACK_SECONDS - read.seconds))} more in this view` });
    }
    if (read.reports >= maxReports(elapsed)) throw rateLimited('Too many page reports for this view; send them together.', { retryAfterSeconds: 5 });
    await addPageSeconds(trx, view, [...merged].map(([page, seconds]) => ({ page, seconds })), ctx.at, PAGE_SECONDS_CAP);
    await recountViewRead(trx, view.id, ctx.at);
  });
}
