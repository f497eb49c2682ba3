import type { Db } from '../db.js';
import { denied, HttpError, type Refusal } from '../errors.js';
import { findPurgeRoom, lockPurgeRoom } from './repository.js';

type ContentRefusal = Omit<Refusal, 'reason' | 'roomId'>;

// Stryker disable next-line StringLiteral: wording
const PURGED_MESSAGE = "This room's files were deleted when the room was purged; its record (documents, NDAs, ledger, deletion certificate) stays.";

/** 410: the thing exists and the caller may see it, but its bytes are gone for good. */
export const purgedError = () => new HttpError(410, 'purged', PURGED_MESSAGE);

/**
 * Refuses a request for the room's stored content (a file, a dataset's rows, a ZIP) once its purge
 * has begun: the objects are being deleted or gone, and what is half deleted is never served. Called
 * after the access check, so only a caller who may see the content learns that it was purged; the
 * refusal is on the ledger like any other.
 */
export async function assertRoomContentKept(db: Db, roomId: string, refusal: ContentRefusal): Promise<void> {
  const room = await findPurgeRoom(db, roomId);
  if (room?.purgeStartedAt) throw denied({ ...refusal, roomId, reason: 'room purged' }, purgedError());
}

/**
 * Refuses new content (a document, a version, an NDA) for a room whose purge has begun. Call it in
 * the transaction that writes the content's rows: it locks the room row as the purge's start does,
 * so either the content commits first and the purge finds it, or the purge has started and the
 * upload is refused (and its stored object removed by the caller's clean-up).
 */
export async function assertRoomTakesContent(trx: Db, roomId: string, refusal: ContentRefusal): Promise<void> {
  const room = await lockPurgeRoom(trx, roomId);
  if (room?.purgeStartedAt) throw denied({ ...refusal, roomId, reason: 'room purged' }, purgedError());
}
