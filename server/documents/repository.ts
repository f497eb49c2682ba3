import type { Knex } from 'knex';
import type { Db } from '../db.js';
import type { AppAbility } from '../policy/ability.js';
import { accessibleBy } from '../policy/accessible-by.js';

export interface DocumentRow {
  id: string;
  roomId: string;
  folderId: string;
  entityId: string;
  title: string;
  classificationRank: number;
  personalDataRank: number;
  /** `dataset`: a CSV or XLSX kept as a table and delivered per recipient (server/datasets); fixed at creation. */
  kind: 'document' | 'dataset';
  position: number;
  currentVersionId: string;
  version: number;
  /** Staged disclosure (docs/access-rule.md, rule 6): only a published document is anyone's outside the deal team. */
  status: DocumentStatus;
  publishedAt: string | null;
  publishedBy: string | null;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
  createdBy: string;
  createdAt: string;
}

export type DocumentStatus = 'draft' | 'published' | 'withdrawn';

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

/** Documents joined with their current version, unfiltered: for what no caller reads (intake, maintenance). */
export const documentsWithVersion = (db: Db): Knex.QueryBuilder =>
  db('documents').join('documentVersions as v', 'v.id', 'documents.currentVersionId').select(DOCUMENT_COLUMNS);

/** Who reads: the database and an ability, whose Document rules filter the rows in SQL. */
type Reader = { db: Db; ability: AppAbility };

/** The documents (with their current version) the reader may view; add the room, folder or search. */
export const visibleDocuments = (reader: Reader): Knex.QueryBuilder =>
  documentsWithVersion(reader.db).where(accessibleBy(reader.ability, 'view', 'Document'));

/** One document, if the reader may view it. */
export const findVisibleDocument = (reader: Reader, documentId: string): Promise<DocumentView | undefined> =>
  visibleDocuments(reader).where('documents.id', documentId).first();

/** Bare document rows the reader may view (no version join): for numbering and views-as. */
export const visibleDocumentRows = (reader: Reader): Knex.QueryBuilder =>
  reader.db('documents').where(accessibleBy(reader.ability, 'view', 'Document'));

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

/** What staff are told of a version's stamped deliveries: what they leave out of the stored file. */
export interface DeliveryNotes {
  status: 'ready' | 'unstampable';
  earlierRevisions: number;
  removed: string[];
  message: string | null;
}

/** Delivery notes of the given versions, from their renditions (a version without one has none yet). */
export async function deliveryNotesOf(db: Db, versionIds: string[]): Promise<Map<string, DeliveryNotes>> {
  const rows: Array<{ versionId: string; status: DeliveryNotes['status']; earlierRevisions: number | null; removed: string | null; message: string | null }> = versionIds.length
    ? await db('stampRenditions').whereIn('versionId', versionIds).select('versionId', 'status', 'earlierRevisions', 'removed', 'message')
    : [];
  return new Map(
    rows.map((r) => [r.versionId, { status: r.status, earlierRevisions: Number(r.earlierRevisions ?? 0), removed: r.removed ? (JSON.parse(r.removed) as string[]) : [], message: r.message }]),
  );
}
