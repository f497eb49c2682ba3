import type { Db } from '../db.js';

/** The PDF a stored version is stamped as, or why it cannot be. One row per version. */
export interface RenditionRow {
  versionId: string;
  status: 'ready' | 'unstampable';
  /** The index format it was made in: a row of an older format is made again before use. */
  format: number;
  source: 'original' | 'repaired' | 'decrypted' | 'converted' | null;
  reason: string | null;
  message: string | null;
  objectKey: string | null;
  size: number | null;
  sha256: string | null;
  indexKey: string | null;
  /** Incremental updates the upload held, none of which any delivery carries. */
  earlierRevisions: number | null;
  /** JSON list of the kinds of content left out of deliveries (attachments, thumbnails…). */
  removed: string | null;
  /** JSON list of {size, sha256}: the upload cut after each earlier revision, for tracing such a cut. */
  revisionPrefixes: string | null;
  createdAt: string;
}

export const insertRendition = (db: Db, row: RenditionRow) => db('stampRenditions').insert(row);

export async function findRendition(db: Db, versionId: string): Promise<RenditionRow | undefined> {
  const row = await db('stampRenditions').where({ versionId }).first();
  return row ? { ...row, size: row.size === null ? null : Number(row.size), format: Number(row.format) } : undefined;
}

/** Replaces a row made in an older format; false when another request replaced it first. */
export async function replaceOutdatedRendition(db: Db, row: RenditionRow, outdatedFormat: number): Promise<boolean> {
  const { versionId, ...rest } = row;
  return (await db('stampRenditions').where({ versionId, format: outdatedFormat }).update(rest)) > 0;
}
