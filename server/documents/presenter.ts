import { classificationOf, personalDataOf } from '../ranks.js';
import type { DocumentListItem } from './service.js';
import type { VersionRow } from './repository.js';
import type { VersionHistoryItem } from './lifecycle.js';

export const presentDocument = (d: DocumentListItem) => ({
  id: d.id,
  roomId: d.roomId,
  title: d.title,
  folderId: d.folderId,
  index: d.index,
  entityId: d.entityId,
  classification: classificationOf(d.classificationRank),
  personalData: personalDataOf(d.personalDataRank),
  // `dataset`: a table delivered per recipient (GET …/dataset, …/rows, content as CSV or XLSX).
  kind: d.kind ?? 'document',
  mimeType: d.mimeType,
  // A dataset's stored file holds every entity's rows: its size would tell a bidder how many rows the
  // others have. It is a fact of the original, which outside the deal team no one has of a dataset.
  size: d.kind === 'dataset' && d.access !== 'original' ? null : Number(d.size),
  version: Number(d.version),
  versionId: d.currentVersionId,
  access: d.access,
  status: d.status,
  // Search: whether the words of its pages are in the room's index yet (pending, indexed, none, failed).
  textStatus: d.text?.status ?? 'none',
  createdAt: d.createdAt,
  // The deal team's record of the lifecycle: outsiders only ever see published documents.
  ...(d.lifecycle ? d.lifecycle : {}),
  // Why its text could not be indexed: the deal team's to act on (a new version, a clearer scan).
  ...(d.lifecycle && d.text?.reason ? { textReason: d.text.reason } : {}),
  // Staff only (the service adds it for them): what stamped deliveries of this version leave out.
  ...(d.deliveryNotes ? { deliveryNotes: d.deliveryNotes } : {}),
});

/** The answer to an upload: what was stored, so the client can check the digest it computed. */
export const presentStoredVersion = (documentId: string, v: VersionRow) => ({
  id: documentId,
  versionId: v.id,
  version: Number(v.version),
  sha256: v.sha256,
  size: Number(v.size),
  mimeType: v.mimeType,
});

/** A version in the deal team's history: what was stored, by whom, and which parties received it. */
export const presentVersion = (v: VersionHistoryItem) => ({
  versionId: v.id,
  version: Number(v.version),
  sha256: v.sha256,
  size: Number(v.size),
  mimeType: v.mimeType,
  fileName: v.fileName,
  createdAt: v.createdAt,
  createdBy: v.createdBy,
  createdByName: v.createdByName,
  receivedBy: v.receivedBy,
});
