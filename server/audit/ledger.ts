import { createHash } from 'node:crypto';
import { isPostgres, type Db } from '../db.js';
import { isoNow } from '../clock.js';
import { canonicalJson } from './canonical-json.js';

export type Decision = 'allow' | 'deny';

export interface AuditEventInput {
  actorId: string | null;
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  roomId?: string | null;
  decision: Decision;
  details?: Record<string, unknown>;
}

export interface AuditEventRow {
  seq: number;
  at: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  roomId: string | null;
  decision: Decision;
  details: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

const j = JSON.stringify;

/**
 * The bytes an event's hash commits to: everything but the hash itself, canonically (sorted keys,
 * no whitespace). Written out by hand because verification hashes millions of rows; it is
 * byte-for-byte canonicalJson of the same object (a test holds the two equal), and falls back to it
 * for anything but the plain strings, nulls and integer the columns hold.
 */
export function eventBody(e: Omit<AuditEventRow, 'hash' | 'prevHash'>): string {
  const fields = [e.action, e.actorId, e.at, e.decision, e.details, e.roomId, e.subjectId, e.subjectType];
  if (fields.every((v) => v === null || typeof v === 'string')) {
    return `{"action":${j(e.action)},"actorId":${j(e.actorId)},"at":${j(e.at)},"decision":${j(e.decision)},"details":${j(e.details)},"roomId":${j(e.roomId)},"seq":${j(Number(e.seq))},"subjectId":${j(e.subjectId)},"subjectType":${j(e.subjectType)}}`;
  }
  return canonicalJson({
    seq: Number(e.seq),
    at: e.at,
    actorId: e.actorId,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    roomId: e.roomId,
    decision: e.decision,
    details: e.details,
  });
}

export function eventHash(prevHash: string, e: Omit<AuditEventRow, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(eventBody(e)).digest('hex');
}

// Any constant works: it names the one lock that serialises appends across processes.
const LEDGER_LOCK_KEY = 7_301_202_611;

/**
 * Appends one event to the hash chain. Pass the transaction of the change being recorded, so the
 * change and its event commit or vanish together. Appends are serialised — by a transaction-scoped
 * advisory lock on PostgreSQL, by SQLite's single writer — so two processes never fork the chain.
 */
export async function appendAuditEvent(db: Db, input: AuditEventInput): Promise<AuditEventRow> {
  if (!db.isTransaction) return db.transaction((trx) => appendAuditEvent(trx, input));
  if (isPostgres(db)) await db.raw('select pg_advisory_xact_lock(?)', [LEDGER_LOCK_KEY]);
  const last: { seq: number | string; hash: string } | undefined = await db('auditEvents')
    .orderBy('seq', 'desc')
    .first('seq', 'hash');
  const row = {
    seq: last ? Number(last.seq) + 1 : 1,
    at: isoNow(),
    actorId: input.actorId,
    action: input.action,
    subjectType: input.subjectType ?? null,
    subjectId: input.subjectId ?? null,
    roomId: input.roomId ?? null,
    decision: input.decision,
    details: canonicalJson(input.details ?? {}),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const full: AuditEventRow = { ...row, prevHash, hash: eventHash(prevHash, row) };
  await db('auditEvents').insert(full);
  return full;
}
