import type { Db } from '../db.js';

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
