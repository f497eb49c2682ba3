import { isPostgres, type Db } from '../db.js';

export interface DownloadRow {
  id: string;
  roomId: string;
  documentId: string;
  versionId: string;
  userId: string;
  orgId: string;
  kind: 'view' | 'download' | 'original';
  at: string;
  ip: string | null;
  userAgent: string | null;
  sha256: string | null;
  size: number | null;
  ndaIds: string | null;
  /** PDF deliveries: SHA-256 of the rendition's base sent first, of the tail after it, its size, and the stamp text (JSON). */
  baseSha256?: string | null;
  tailSha256?: string | null;
  tailSize?: number | null;
  stampFields?: string | null;
}

export const insertDownload = (db: Db, row: DownloadRow) => db('downloads').insert(row);

/** The columns of a document the access rule reads, as committed now. */
export interface DocumentRuleRow {
  id: string;
  roomId: string;
  folderId: string;
  entityId: string;
  classificationRank: number;
  personalDataRank: number;
  kind: string;
  status: string;
}

/**
 * The document as it stands inside a delivery's transaction, held against a concurrent delete,
 * withdrawal or move until it commits: PostgreSQL shares the row lock (a delete or update waits);
 * SQLite's write transactions run one at a time anyway. Undefined when the document is gone.
 */
export function lockedDocumentRow(trx: Db, documentId: string): Promise<DocumentRuleRow | undefined> {
  const q = trx('documents').where({ id: documentId }).first('id', 'roomId', 'folderId', 'entityId', 'classificationRank', 'personalDataRank', 'kind', 'status');
  if (isPostgres(trx)) q.forShare();
  return q;
}
