import { createHash, randomBytes } from 'node:crypto';
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
 * change and its event commit or vanish together. Without a transaction the event joins the next
 * group commit of this database (see GroupCommit). Either way the promise settles only once the
 * event is committed: a caller never answers before its decision is in the ledger.
 */
export async function appendAuditEvent(db: Db, input: AuditEventInput): Promise<AuditEventRow> {
  if (!db.isTransaction) return groupCommitOf(db).append(input);
  const event = prepareEvent(input);
  await insertAddresses(db, [event]);
  const [row] = await appendEvents(db, [event.fields]);
  return row!;
}

type EventFields = Omit<AuditEventRow, 'seq' | 'at' | 'prevHash' | 'hash'>;

/** A request's address, kept beside the chain: see addressOutOfChain. */
export interface AuditIpRow {
  commit: string;
  ip: string | null;
  salt: string;
  actorId: string | null;
}

/** What the chain holds of an address: a hiding commitment that the side row opens. */
export const ipCommitment = (salt: string, ip: string | null) => createHash('sha256').update(`${salt}\n${ip ?? ''}`).digest('hex');

/**
 * An address is personal data, and a chained event can never change: so the chain keeps only a
 * commitment (a random salt hashed with the address) and the address lives in `audit_ips`, where
 * erasing its person deletes it. The commitment proves the address shown next to an event is the
 * one recorded, and, once the side row is gone, says nothing of it.
 */
function addressOutOfChain(input: AuditEventInput): { details: Record<string, unknown>; ip?: AuditIpRow } {
  const details = input.details ?? {};
  if (!('ip' in details)) return { details };
  const { ip, ...rest } = details;
  const salt = randomBytes(16).toString('hex');
  const address = typeof ip === 'string' ? ip.slice(0, 64) : null;
  const commit = ipCommitment(salt, address);
  return { details: { ...rest, ipCommit: commit }, ip: { commit, ip: address, salt, actorId: input.actorId } };
}

/** An event ready to chain, and the address row that goes with it. */
interface PreparedEvent {
  fields: EventFields;
  ip?: AuditIpRow;
}

async function insertAddresses(db: Db, events: PreparedEvent[]): Promise<void> {
  const rows = events.flatMap((e) => (e.ip ? [e.ip] : []));
  // 4 columns a row, batches of at most MAX_BATCH: within every driver's parameter bound.
  if (rows.length) await db('auditIps').insert(rows);
}

/** The stored form of an input, checked before it joins a batch so one bad event fails alone. */
function prepareEvent(input: AuditEventInput): PreparedEvent {
  const { details, ip } = addressOutOfChain(input);
  return {
    fields: {
      actorId: input.actorId,
      action: input.action,
      subjectType: input.subjectType ?? null,
      subjectId: input.subjectId ?? null,
      roomId: input.roomId ?? null,
      decision: input.decision,
      details: canonicalJson(details),
    },
    ip,
  };
}

interface Head {
  seq: number;
  hash: string;
}

async function readHead(db: Db): Promise<Head> {
  const last: { seq: number | string; hash: string } | undefined = await db('auditEvents').orderBy('seq', 'desc').first('seq', 'hash');
  return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** The rows that chain `events` onto `head`, in order. */
function chainOnto(head: Head, events: EventFields[]): AuditEventRow[] {
  let { seq, hash: prevHash } = head;
  const at = isoNow();
  return events.map((fields) => {
    const row = { seq: ++seq, at, ...fields };
    const full: AuditEventRow = { ...row, prevHash, hash: eventHash(prevHash, row) };
    prevHash = full.hash;
    return full;
  });
}

/**
 * Chains `events` onto the head inside `trx`. Appends are serialised — by a transaction-scoped
 * advisory lock on PostgreSQL, by SQLite's single writer (transactions begin IMMEDIATE) — so two
 * processes never fork the chain.
 */
async function appendEvents(trx: Db, events: EventFields[]): Promise<AuditEventRow[]> {
  if (isPostgres(trx)) await trx.raw('select pg_advisory_xact_lock(?)', [LEDGER_LOCK_KEY]);
  const rows = chainOnto(await readHead(trx), events);
  await trx('auditEvents').insert(rows);
  return rows;
}

const isUniqueViolation = (err: unknown) => /UNIQUE constraint failed|PRIMARY KEY/i.test(String((err as Error)?.message));

/** 11 columns a row: well under SQLite's 32,766 bound parameters per statement. */
const MAX_BATCH = 256;

interface Pending {
  event: PreparedEvent;
  resolve(row: AuditEventRow): void;
  reject(err: unknown): void;
}

/**
 * Group commit for events that are not part of a change (reads, lists, refusals). One transaction
 * is in flight at a time; the events that arrive meanwhile wait and then share the next one, so
 * under load many requests pay for one head read and one commit (one fsync on SQLite), and at rest
 * an event is written at once, with no timer. A failed commit fails every request of its batch,
 * closed: none of them is answered as if recorded.
 */
class GroupCommit {
  private queue: Pending[] = [];
  private running = false;
  /** SQLite: the head as this process last wrote or read it (see appendOnKnownHead). */
  private head: Head | undefined;

  constructor(private readonly db: Db) {}

  append(input: AuditEventInput): Promise<AuditEventRow> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event: prepareEvent(input), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const fields = batch.map((p) => p.event.fields);
      try {
        // Addresses first: an event never names a commitment whose row was not written. A row whose
        // event then fails is an orphan that erasure (by actor) still reaches.
        await insertAddresses(this.db, batch.map((p) => p.event));
        const rows = isPostgres(this.db) ? await this.db.transaction((trx) => appendEvents(trx, fields)) : await this.appendOnKnownHead(fields);
        batch.forEach((p, i) => p.resolve(rows[i]!));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.running = false;
  }

  /**
   * SQLite: one INSERT, with no transaction around it, chained onto the head this process knows.
   * Events are never changed or removed, so if row head.seq + 1 does not exist yet, the known head
   * is still the head and the rows link onto it correctly; if it exists (another process, or a
   * change's transaction in this one, appended since), the primary key refuses the whole statement
   * and the head is read again. A single statement is atomic, and SQLite's one writer means a
   * change's own transaction (BEGIN IMMEDIATE, head read inside) never interleaves with it.
   * PostgreSQL keeps the locked transaction: there, a change's transaction could read the head
   * while this insert is uncommitted, then fail on the key instead of waiting.
   */
  private async appendOnKnownHead(fields: EventFields[]): Promise<AuditEventRow[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.head ??= await readHead(this.db);
      const rows = chainOnto(this.head, fields);
      try {
        await this.db('auditEvents').insert(rows);
        this.head = { seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash };
        return rows;
      } catch (err) {
        this.head = undefined;
        if (!isUniqueViolation(err)) throw err;
      }
    }
    // Under a stream of other writers, wait for the write lock like any change does.
    return this.db.transaction((trx) => appendEvents(trx, fields));
  }
}

const groupCommits = new WeakMap<Db, GroupCommit>();

function groupCommitOf(db: Db): GroupCommit {
  let group = groupCommits.get(db);
  if (!group) groupCommits.set(db, (group = new GroupCommit(db)));
  return group;
}
