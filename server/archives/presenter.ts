import type { ArchiveRow } from './repository.js';

/**
 * An archive as its room's managers and counsel read it. `progress` counts the files written so
 * far (documents and NDAs) against the files planned; `total` is null until the build has planned.
 */
export const presentArchive = (a: ArchiveRow) => ({
  id: a.id,
  roomId: a.roomId,
  partyId: a.partyId,
  status: a.status,
  size: a.size === null ? null : Number(a.size),
  sha256: a.sha256,
  documents: a.documents,
  progress: { done: Number(a.filesDone), total: a.filesTotal === null ? null : Number(a.filesTotal) },
  sealedSeq: a.sealedSeq === null ? null : Number(a.sealedSeq),
  keyId: a.keyId,
  failureReason: a.failureReason,
  requestedBy: a.requestedBy,
  createdAt: a.createdAt,
  completedAt: a.completedAt,
});
