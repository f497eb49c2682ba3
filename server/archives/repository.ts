import type { Db } from '../db.js';

export type ArchiveStatus = 'building' | 'ready' | 'failed';

export interface ArchiveRow {
  id: string;
  roomId: string;
  partyId: string | null;
  /** The party id, or ROOM_SCOPE: at most one archive of a scope builds at a time (migration). */
  scope: string;
  status: ArchiveStatus;
  objectKey: string;
  size: number | string | null;
  sha256: string | null;
  documents: number | null;
  filesDone: number;
  filesTotal: number | null;
  sealedSeq: number | string | null;
  keyId: string | null;
  failureReason: string | null;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  attempts: number;
  claimedBy: string | null;
  claimedUntil: string | null;
}

export const ROOM_SCOPE = 'room';

/** Where an archive's ZIP lives: under the room's prefix, so a purge of the room finds it. */
export const archiveObjectKey = (roomId: string, archiveId: string) => `archives/${roomId}/${archiveId}.zip`;

export const findArchive = (db: Db, roomId: string, archiveId: string): Promise<ArchiveRow | undefined> =>
  db('archives').where({ id: archiveId, roomId }).first();

export const listArchivesOfRoom = (db: Db, roomId: string): Promise<ArchiveRow[]> =>
  db('archives').where({ roomId }).orderBy('createdAt', 'desc').orderBy('id').limit(200);

export const findBuildingArchive = (db: Db, roomId: string, scope: string): Promise<ArchiveRow | undefined> =>
  db('archives').where({ roomId, scope, status: 'building' }).first();

const isUniqueViolation = (err: unknown) => /UNIQUE constraint failed|duplicate key value|unique constraint/i.test(String((err as Error)?.message));

/**
 * Inserts the archive as a job waiting to be built, unless one of the same room and scope is
 * building: then that one is returned (`created: false`). The partial unique index decides between
 * two requests at once, inside the caller's transaction.
 */
export async function insertArchiveJob(db: Db, row: Pick<ArchiveRow, 'id' | 'roomId' | 'partyId' | 'scope' | 'requestedBy' | 'createdAt'>): Promise<{ archive: ArchiveRow; created: boolean }> {
  const existing = await findBuildingArchive(db, row.roomId, row.scope);
  if (existing) return { archive: existing, created: false };
  const full = {
    ...row,
    status: 'building' as const,
    objectKey: archiveObjectKey(row.roomId, row.id),
    filesDone: 0,
    updatedAt: row.createdAt,
    attempts: 0,
  };
  try {
    // A savepoint on PostgreSQL, so a refused insert does not abort the caller's transaction.
    await (db.isTransaction ? db.transaction((sp) => sp('archives').insert(full)) : db('archives').insert(full));
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await findBuildingArchive(db, row.roomId, row.scope);
    if (!winner) throw err;
    return { archive: winner, created: false };
  }
  return { archive: (await findArchive(db, row.roomId, row.id))!, created: true };
}

/**
 * Leases the oldest archive waiting to be built (never claimed, or its lease ran out: the process
 * building it died) to `worker`. A conditional UPDATE on the row as read, so two processes never
 * both take one.
 */
export async function claimArchiveJob(db: Db, worker: string, at: string, leaseUntil: string): Promise<ArchiveRow | null> {
  for (let tries = 0; tries < 5; tries++) {
    const next: ArchiveRow | undefined = await db('archives')
      .where({ status: 'building' })
      .where((q) => q.whereNull('claimedUntil').orWhere('claimedUntil', '<', at))
      .orderBy('createdAt')
      .first();
    if (!next) return null;
    const taken = await db('archives')
      .where({ id: next.id, status: 'building' })
      .where((q) => (next.claimedUntil === null ? q.whereNull('claimedUntil') : q.where('claimedUntil', next.claimedUntil)))
      .update({ claimedBy: worker, claimedUntil: leaseUntil, attempts: Number(next.attempts) + 1, filesDone: 0, updatedAt: at });
    if (taken === 1) return { ...next, claimedBy: worker, claimedUntil: leaseUntil, attempts: Number(next.attempts) + 1, filesDone: 0 };
  }
  return null;
}

/** Extends the lease and records progress; false when the job is no longer this worker's. */
export async function renewArchiveLease(db: Db, archiveId: string, worker: string, progress: { filesDone: number; filesTotal: number | null }, at: string, leaseUntil: string): Promise<boolean> {
  const updated = await db('archives')
    .where({ id: archiveId, claimedBy: worker, status: 'building' })
    .update({ claimedUntil: leaseUntil, filesDone: progress.filesDone, filesTotal: progress.filesTotal, updatedAt: at });
  return updated === 1;
}

/** The job's end, only if it is still this worker's: a job retaken by another process is theirs to finish. */
export function finishArchiveJob(db: Db, archiveId: string, worker: string, fields: Partial<ArchiveRow>): Promise<number> {
  return db('archives')
    .where({ id: archiveId, claimedBy: worker, status: 'building' })
    .update({ ...fields, claimedBy: null, claimedUntil: null });
}

/** Gives the job back, to be taken again from `runAfter` (now: at once) by any process. */
export function releaseArchiveJob(db: Db, archiveId: string, worker: string, runAfter: string, at: string): Promise<number> {
  return db('archives').where({ id: archiveId, claimedBy: worker, status: 'building' }).update({ claimedBy: null, claimedUntil: runAfter, updatedAt: at });
}
