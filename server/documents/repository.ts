import type { Knex } from 'knex';
import type { Db } from '../db.js';

export interface DocumentRow {
  id: string;
  roomId: string;
  folderId: string;
  entityId: string;
  title: string;
  classificationRank: number;
  personalDataRank: number;
  position: number;
  currentVersionId: string;
  version: number;
  createdBy: string;
  createdAt: string;
}

/** A document with its current version: what every policy check and presenter works on. */
export interface DocumentView extends DocumentRow {
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
  fileName: string | null;
}

export const DOCUMENT_COLUMNS = [
  'documents.*',
  'v.objectKey',
  'v.size',
  'v.sha256',
  'v.mimeType',
  'v.fileName',
];

/** Documents joined with their current version; callers add the policy filter. */
export const documentsWithVersion = (db: Db): Knex.QueryBuilder =>
  db('documents').join('documentVersions as v', 'v.id', 'documents.currentVersionId').select(DOCUMENT_COLUMNS);

export interface VersionRow {
  id: string;
  documentId: string;
  version: number;
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
  fileName: string | null;
  createdBy: string;
  createdAt: string;
}

/** LIKE with the user's text taken literally: % and _ in a search are characters, not wildcards. */
export const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
