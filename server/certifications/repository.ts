import type { Db } from '../db.js';

export type CertificationStatus = 'requested' | 'certified';
export type CertificationReason = 'nda_terminated' | 'nda_expired' | 'room_closed';

export interface CertificationRow {
  id: string;
  roomId: string;
  partyId: string;
  status: CertificationStatus;
  reason: CertificationReason;
  requestedAt: string;
  requestedBy: string | null;
  statement: string | null;
  certifiedBy: string | null;
  certifiedAt: string | null;
  reminders: number;
  lastRemindedAt: string | null;
}

/** Inserts a request; a second open one for the party is silently not inserted (the partial unique index). */
export const insertCertification = (db: Db, row: CertificationRow) => db('certifications').insert(row).onConflict().ignore();

export const findOpenCertification = (db: Db, partyId: string): Promise<CertificationRow | undefined> =>
  db('certifications').where({ partyId, status: 'requested' }).first();

/** The party's most recent request, whatever its status. */
export const lastCertification = (db: Db, partyId: string): Promise<CertificationRow | undefined> =>
  db('certifications').where({ partyId }).orderBy([{ column: 'requestedAt', order: 'desc' }, { column: 'id', order: 'desc' }]).first();

export const findCertification = (db: Db, roomId: string, id: string): Promise<CertificationRow | undefined> => db('certifications').where({ roomId, id }).first();

/** The room's requests, newest first; `partyId` narrows them to one party's. */
export function roomCertifications(db: Db, roomId: string, partyId: string | null): Promise<CertificationRow[]> {
  const q = db('certifications').where({ roomId });
  if (partyId) q.where({ partyId });
  return q.orderBy([{ column: 'requestedAt', order: 'desc' }, { column: 'id', order: 'desc' }]).select();
}

/**
 * Records the certification if it is still requested: the conditional update lets exactly one of
 * two members certifying at once win; the other finds it certified.
 */
export async function markCertified(db: Db, id: string, by: { userId: string; statement: string; at: string }): Promise<boolean> {
  const n = await db('certifications').where({ id, status: 'requested' }).update({ status: 'certified', statement: by.statement, certifiedBy: by.userId, certifiedAt: by.at });
  return n === 1;
}
