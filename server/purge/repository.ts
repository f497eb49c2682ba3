import type { Db } from '../db.js';
import { isPostgres } from '../db.js';
import type { CertifiedObject, DeletionCertificate } from './deletion-certificate.js';
import type { FoundObject } from './room-objects.js';

/** A room as the purge and retention read it. */
export interface PurgeRoomRow {
  id: string;
  name: string;
  codeName: string | null;
  status: 'open' | 'closed';
  closedAt: string | null;
  retainDays: number | null;
  purgeNoticeSentAt: string | null;
  purgeStartedAt: string | null;
  purgedAt: string | null;
}

const ROOM_COLUMNS = ['id', 'name', 'codeName', 'status', 'closedAt', 'retainDays', 'purgeNoticeSentAt', 'purgeStartedAt', 'purgedAt'];

const toRoom = (r: PurgeRoomRow): PurgeRoomRow => ({ ...r, retainDays: r.retainDays === null ? null : Number(r.retainDays) });

export async function findPurgeRoom(db: Db, roomId: string): Promise<PurgeRoomRow | undefined> {
  const row = await db('rooms').where({ id: roomId }).first(ROOM_COLUMNS);
  return row ? toRoom(row) : undefined;
}

/**
 * The room row, locked until the transaction ends on PostgreSQL (SQLite's transactions take the one
 * writer's lock already): whatever adds content to the room takes the same lock (purged-content.ts),
 * so an upload commits wholly before a purge starts, or sees that it has.
 */
export async function lockPurgeRoom(trx: Db, roomId: string): Promise<PurgeRoomRow | undefined> {
  const query = trx('rooms').where({ id: roomId });
  if (isPostgres(trx)) query.forUpdate();
  const row = await query.first(ROOM_COLUMNS);
  return row ? toRoom(row) : undefined;
}

export interface PurgeRow {
  roomId: string;
  startedAt: string;
  startedBy: string | null;
  purgedAt: string | null;
  purgedBy: string | null;
  certificate: string | null;
  certificateSha256: string | null;
}

export const findPurge = (db: Db, roomId: string): Promise<PurgeRow | undefined> => db('roomPurges').where({ roomId }).first();

export const certificateOf = (row: PurgeRow | undefined): DeletionCertificate | null => (row?.certificate ? (JSON.parse(row.certificate) as DeletionCertificate) : null);

/** Records found objects not recorded yet; an object recorded before (by an earlier attempt) keeps its first record. */
export async function recordFoundObjects(db: Db, roomId: string, objects: Array<FoundObject & { state: 'present' | 'absent' }>): Promise<void> {
  for (let i = 0; i < objects.length; i += 200) {
    const rows = objects.slice(i, i + 200).map((o) => ({ roomId, objectKey: o.key, kind: o.kind, subjectId: o.subjectId, size: o.size, sha256: o.sha256, state: o.state, deletedAt: null }));
    await db('roomPurgeObjects').insert(rows).onConflict(['roomId', 'objectKey']).ignore();
  }
}

export async function recordedKeys(db: Db, roomId: string): Promise<Set<string>> {
  const rows: Array<{ objectKey: string }> = await db('roomPurgeObjects').where({ roomId }).select('objectKey');
  return new Set(rows.map((r) => r.objectKey));
}

/** Objects recorded as present and not deleted yet: what is left to delete. */
export const undeletedKeys = async (db: Db, roomId: string): Promise<string[]> =>
  (await db('roomPurgeObjects').where({ roomId, state: 'present' }).whereNull('deletedAt').orderBy('objectKey').select('objectKey')).map((r: { objectKey: string }) => r.objectKey);

export async function markDeleted(db: Db, roomId: string, keys: string[], at: string): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) await db('roomPurgeObjects').where({ roomId }).whereIn('objectKey', keys.slice(i, i + 500)).whereNull('deletedAt').update({ deletedAt: at });
}

export async function certifiedObjects(db: Db, roomId: string): Promise<CertifiedObject[]> {
  const rows: Array<{ objectKey: string; kind: string; subjectId: string | null; size: number | string | null; sha256: string | null; state: string }> = await db('roomPurgeObjects')
    .where({ roomId })
    .orderBy('objectKey')
    .select('objectKey', 'kind', 'subjectId', 'size', 'sha256', 'state');
  return rows.map((r) => ({
    key: r.objectKey,
    kind: r.kind,
    subjectId: r.subjectId,
    size: r.size === null ? null : Number(r.size),
    sha256: r.sha256,
    state: r.state === 'present' ? 'deleted' : 'absent',
  }));
}

/** Archives of the room a process is writing now (server/archives): their object may land in the store at any moment. */
export async function archivesBeingBuilt(db: Db, roomId: string): Promise<number> {
  const row = await db('archives').where({ roomId, status: 'building' }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
