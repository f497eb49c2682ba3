import { randomBytes } from 'node:crypto';
import type { Db } from '../db.js';
import type { DatasetClassification, DatasetDescription } from './dataset-types.js';

export interface DescriptionRow {
  versionId: string;
  status: 'ready' | 'not_dataset';
  format: string | null;
  description: string | null;
  reason: string | null;
  message: string | null;
  createdAt: string;
}

export const insertDescription = (db: Db, row: DescriptionRow) => db('datasetDescriptions').insert(row);

export async function findDescription(db: Db, versionId: string): Promise<DescriptionRow | undefined> {
  return db('datasetDescriptions').where({ versionId }).first();
}

export const descriptionOf = (row: DescriptionRow): DatasetDescription => JSON.parse(row.description!) as DatasetDescription;

/** The deal team's classification; every column `none` and no subject or entity column until they say. */
export async function findClassification(db: Db, documentId: string): Promise<DatasetClassification> {
  const row = await db('datasetClassifications').where({ documentId }).first('classification');
  return row ? (JSON.parse(row.classification) as DatasetClassification) : { columns: [], subjectColumn: null, entityColumn: null, entityMap: {} };
}

/**
 * The room's dataset secret: made on first use, kept in the database and never sent anywhere.
 * Two processes making it at once both insert; the primary key keeps the first, and both read it.
 */
export async function roomDatasetSecret(db: Db, roomId: string): Promise<Buffer> {
  const found = await db('roomDatasetKeys').where({ roomId }).first('secret');
  if (found) return Buffer.from(found.secret, 'base64');
  await db('roomDatasetKeys').insert({ roomId, secret: randomBytes(32).toString('base64') }).onConflict('roomId').ignore();
  const row = await db('roomDatasetKeys').where({ roomId }).first('secret');
  return Buffer.from(row.secret, 'base64');
}

export interface DatasetDeliveryRow {
  downloadId: string;
  roomId: string;
  documentId: string;
  versionId: string;
  partyId: string | null;
  form: 'identified' | 'pseudonymised' | 'none';
  /** `rows`: a page of the grid viewer. */
  format: 'csv' | 'xlsx' | 'rows';
  /** JSON array of entity ids; null: every row. */
  entityIds: string | null;
  /** JSON of the DatasetClassification the delivery was made under, with the sheet it carried. */
  classification: string;
}
