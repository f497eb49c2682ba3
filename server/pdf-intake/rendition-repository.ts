import type { Db } from '../db.js';

/** The PDF a stored version is stamped as, or why it cannot be. One row per version. */
export interface RenditionRow {
  versionId: string;
  status: 'ready' | 'unstampable';
  source: 'original' | 'repaired' | 'decrypted' | 'converted' | null;
  reason: string | null;
  message: string | null;
  objectKey: string | null;
  size: number | null;
  sha256: string | null;
  indexKey: string | null;
  createdAt: string;
}

export const insertRendition = (db: Db, row: RenditionRow) => db('stampRenditions').insert(row);

export async function findRendition(db: Db, versionId: string): Promise<RenditionRow | undefined> {
  const row = await db('stampRenditions').where({ versionId }).first();
  return row ? { ...row, size: row.size === null ? null : Number(row.size) } : undefined;
}
