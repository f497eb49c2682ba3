import type { Knex } from 'knex';
import type { Db } from '../db.js';

/**
 * What a party had of a room over time, read from the rows that decided it: the NDAs of its
 * organisations (when each was in force) and who its members were (when). Return-or-destroy asks a
 * party about exactly that: it opens when the party's access ends, and lists what its people took.
 */

/** A party's organisations: its acquirer and its advisors. Every NDA that covers a member is one of theirs. */
export async function partyOrgIds(db: Db, partyId: string): Promise<string[]> {
  const party: { acquirerOrgId: string } | undefined = await db('parties').where({ id: partyId }).first('acquirerOrgId');
  if (!party) return [];
  const advisors: Array<{ orgId: string }> = await db('partyAdvisors').where({ partyId }).select('orgId');
  return [party.acquirerOrgId, ...advisors.map((a) => a.orgId)];
}

/** The parties of a room an NDA of `orgId` can cover: those it leads, and those it advises. */
export async function partiesOfOrg(db: Db, roomId: string, orgId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await db('parties')
    .where({ roomId })
    .where((q) => q.where({ acquirerOrgId: orgId }).orWhereIn('id', db('partyAdvisors').select('partyId').where({ orgId })))
    .select('id')
    .orderBy('id');
  return rows.map((r) => r.id);
}

/** When an NDA covered: [from, until), until null for an NDA still in force with no end but its expiry. */
interface NdaWindow {
  from: string;
  until: string;
}

/**
 * The spans during which NDAs of the party's organisations were in force: confirmed (or confirmed and
 * terminated since), from the later of effectiveAt and confirmedAt to the earlier of expiresAt and
 * the termination, cut at the room's closing. An NDA confirmed after its expiry, or terminated before
 * it took effect, covered nothing and has no span.
 */
async function ndaWindows(db: Db, roomId: string, orgIds: string[]): Promise<NdaWindow[]> {
  if (orgIds.length === 0) return [];
  const room: { closedAt: string | null; status: string } | undefined = await db('rooms').where({ id: roomId }).first('closedAt', 'status');
  const rows: Array<{ status: string; effectiveAt: string; expiresAt: string; confirmedAt: string | null; decidedAt: string | null }> = await db('ndas')
    .where({ roomId })
    .whereIn('orgId', orgIds)
    .whereIn('status', ['confirmed', 'terminated'])
    .whereNotNull('confirmedAt')
    .select('status', 'effectiveAt', 'expiresAt', 'confirmedAt', 'decidedAt');
  const closedAt = room?.status === 'closed' ? (room.closedAt ?? '') : null;
  const windows: NdaWindow[] = [];
  for (const n of rows) {
    const from = [n.effectiveAt, n.confirmedAt!].sort()[1]!;
    const ends = [n.expiresAt, ...(n.status === 'terminated' && n.decidedAt ? [n.decidedAt] : []), ...(closedAt !== null ? [closedAt] : [])];
    const until = ends.sort()[0]!;
    if (from < until) windows.push({ from, until });
  }
  return windows;
}

/**
 * Whether the party has access at `at` (some NDA of its organisations in force, the room open), and
 * whether it had any between `since` (exclusive; null: ever) and `at`: by an NDA in force then, or a
 * delivery to one of its members then (a download is access, whatever the NDAs say now).
 */
export async function partyAccess(db: Db, roomId: string, partyId: string, at: string, since: string | null): Promise<{ now: boolean; since: boolean }> {
  const windows = await ndaWindows(db, roomId, await partyOrgIds(db, partyId));
  const now = windows.some((w) => w.from <= at && at < w.until);
  if (windows.some((w) => w.from <= at && (since === null || w.until > since))) return { now, since: true };
  const took = await partyDownloads(db, roomId, partyId, { after: since, through: at, limit: 1 });
  return { now, since: took.length > 0 };
}

/** A stretch of time during which a user was a member of the party: [from, until), nulls open-ended. */
export interface Membership {
  userId: string;
  from: string | null;
  until: string | null;
  /**
   * From when the user's deliveries count for this span: a second before `from`, since the ledger's
   * time of a member event trails the request that caused it and a delivery cannot precede the
   * commit that made its taker a member — but never before the user left another party of the
   * room, whose deliveries are that party's (a member moved from C to D within a second).
   */
  countsFrom: string | null;
}

const MEMBER_EVENT_SLACK_MS = 1000;

/**
 * Who was a member of the party, and when: from the ledger's member events (a member removed is
 * still answerable for what they took while a member), and the current members (a member with no
 * event, such as one placed by a data import, counts from the start). A user is in one party of a
 * room at a time, so cutting by these spans never counts another party's deliveries.
 */
export async function partyMemberships(db: Db, roomId: string, partyId: string): Promise<Membership[]> {
  // Put in order here, not in SQL: asked for them by seq, the planners walk every event of the room
  // along (room_id, seq) instead of picking the few member events by (room_id, action), and a room's
  // ledger holds a million events.
  const events: Array<{ seq: number | string; action: string; subjectId: string; at: string; details: string }> = await db('auditEvents')
    .where({ roomId, subjectType: 'User', decision: 'allow' })
    .whereIn('action', ['party.member.add', 'party.member.remove'])
    .select('seq', 'action', 'subjectId', 'at', 'details');
  events.sort((a, b) => Number(a.seq) - Number(b.seq));
  const spans: Membership[] = [];
  const open = new Map<string, Membership>();
  // When each user last left any party of the room, as the events go by.
  const leftAt = new Map<string, string>();
  for (const e of events) {
    let details: { partyId?: unknown };
    try {
      details = JSON.parse(e.details) as { partyId?: unknown };
    } catch {
      continue;
    }
    if (details.partyId !== partyId) {
      if (e.action === 'party.member.remove') leftAt.set(e.subjectId, e.at);
      continue;
    }
    if (e.action === 'party.member.add' && !open.has(e.subjectId)) {
      const slack = new Date(Date.parse(e.at) - MEMBER_EVENT_SLACK_MS).toISOString();
      // After (by a millisecond, the ledger's resolution) the user left another party, never at it:
      // that removal and what came before are the other party's.
      const left = leftAt.get(e.subjectId);
      const afterLeaving = left ? new Date(Date.parse(left) + 1).toISOString() : null;
      const span = { userId: e.subjectId, from: e.at, until: null, countsFrom: afterLeaving && afterLeaving > slack ? afterLeaving : slack };
      open.set(e.subjectId, span);
      spans.push(span);
    } else if (e.action === 'party.member.remove') {
      leftAt.set(e.subjectId, e.at);
      const span = open.get(e.subjectId);
      if (span) span.until = e.at;
      open.delete(e.subjectId);
    }
  }
  const current: Array<{ userId: string }> = await db('partyMembers').where({ partyId }).select('userId');
  for (const { userId } of current) {
    if (!open.has(userId)) spans.push({ userId, from: null, until: null, countsFrom: null });
    else open.get(userId)!.until = null;
  }
  return spans;
}

/**
 * Rows whose `userColumn` is a member's and whose `atColumn` falls in that member's span, from its
 * `countsFrom` to before its `until`. A user is in one party of a room at a time, so the spans of
 * two parties never select the same row; no spans select nothing.
 */
export function whereInSpans(q: Knex.QueryBuilder, spans: Membership[], userColumn: string, atColumn: string): Knex.QueryBuilder {
  if (spans.length === 0) return q.whereRaw('1 = 0');
  const open = [...new Set(spans.filter((s) => !s.countsFrom && !s.until).map((s) => s.userId))];
  return q.where((who) => {
    if (open.length) who.orWhereIn(userColumn, open);
    for (const s of spans) {
      if (!s.countsFrom && !s.until) continue;
      who.orWhere((one) => {
        one.where(userColumn, s.userId);
        if (s.countsFrom) one.where(atColumn, '>=', s.countsFrom);
        if (s.until) one.where(atColumn, '<', s.until);
      });
    }
  });
}

export interface PartyDownloadRow {
  id: string;
  documentId: string;
  versionId: string;
  userId: string;
  kind: string;
  at: string;
  sha256: string | null;
}

/**
 * Every delivery of the room to the party's members while they were members, oldest first: views,
 * downloads and originals alike (each is a copy that left the room), each span counted from its
 * `countsFrom`.
 */
export async function partyDownloads(
  db: Db,
  roomId: string,
  partyId: string,
  opts: { after?: string | null; through?: string; limit?: number } = {},
): Promise<PartyDownloadRow[]> {
  const spans = await partyMemberships(db, roomId, partyId);
  if (spans.length === 0) return [];
  const q = whereInSpans(db('downloads').where({ roomId }), spans, 'userId', 'at')
    .orderBy([{ column: 'at' }, { column: 'id' }])
    .select('id', 'documentId', 'versionId', 'userId', 'kind', 'at', 'sha256');
  if (opts.after) q.where('at', '>', opts.after);
  if (opts.through) q.where('at', '<=', opts.through);
  if (opts.limit) q.limit(opts.limit);
  return q;
}
