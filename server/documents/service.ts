import { queueTextExtraction, textStatusOf, type TextStatus } from '../search/text-jobs.js';
import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import type { Db } from '../db.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { asSubject } from '../policy/ability.js';
import { assertRoomContentOpen, findVisibleRoom, hiddenContentRefusal, type RoomRow } from '../policy/room-gate.js';
import { explainRefusal } from '../policy/explain-access.js';
import { recordAllowed, recordRefusal } from '../ledger/record.js';
import { noteDocumentsPublished } from '../mail/notifications.js';
import { conflict, denied, forbidden, type HttpError, invalidRequest, notFound } from '../errors.js';
import { fetchPage, type Page, type Paging } from '../http/paging.js';
import { parseInput } from '../http/validate.js';
import type { StoredFile } from '../uploads/multipart-upload.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import { DOCUMENT_TYPES } from '../uploads/sniff-type.js';
import { classificationRank, LEVELS, personalDataRank, type Level } from '../ranks.js';
import { discardRendition, prepareRendition, type PreparedRendition } from '../pdf-intake/intake.js';
import { insertRendition } from '../pdf-intake/rendition-repository.js';
import { describeUpload } from '../datasets/service.js';
import { insertDescription, type DescriptionRow } from '../datasets/repository.js';
import { CreateDocumentFieldsSchema, NewVersionFieldsSchema, type CreateDocumentFields } from './schema.js';
import { deliveryNotesOf, findVisibleDocument, likePattern, visibleDocuments, type DeliveryNotes, type DocumentRow, type DocumentStatus, type DocumentView, type VersionRow } from './repository.js';
import { documentIndexesFor } from './caller-indexes.js';
import { lockRoomOrder } from '../folders/sibling-order.js';
import { assertRoomContentKept, assertRoomTakesContent } from '../purge/purged-content.js';

/** Who published or withdrew a document, when, and why: the deal team's record. */
export interface DocumentLifecycle {
  publishedAt: string | null;
  publishedBy: string | null;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
  withdrawnReason: string | null;
}

export type DocumentListItem = DocumentView & { index: string; access: Level | null; deliveryNotes?: DeliveryNotes; lifecycle?: DocumentLifecycle; text?: { status: TextStatus; reason: string | null } };

/**
 * Everyone reads whether a document's text is searchable yet (textStatus).
 * Staff are told what stamped deliveries leave out of a stored file (an earlier revision, an
 * attachment): an "update" that hid text was discarded, and the deal team should know. They also
 * read who published or withdrew a document and why. External users see their deliveries, not how
 * they were made, and only published documents, with nothing of their history.
 */
async function withDetails(ctx: ServiceContext, listed: DocumentListItem[]): Promise<DocumentListItem[]> {
  if (!listed.length) return listed;
  const texts = await textStatusOf(ctx.db, listed.map((d) => d.id));
  const items = listed.map((d) => ({ ...d, text: texts.get(d.id) }));
  if (ctx.actor.role === 'external') return items;
  const notes = await deliveryNotesOf(ctx.db, items.map((d) => d.currentVersionId));
  return items.map((d) => ({
    ...d,
    lifecycle: { publishedAt: d.publishedAt, publishedBy: d.publishedBy, withdrawnAt: d.withdrawnAt, withdrawnBy: d.withdrawnBy, withdrawnReason: d.withdrawnReason },
    ...(notes.has(d.currentVersionId) ? { deliveryNotes: notes.get(d.currentVersionId) } : {}),
  }));
}

/** The caller's highest level on the document, from the same ability that guards the content. */
export const accessLevelOf = (ctx: ServiceContext, doc: DocumentView): Level | null =>
  [...LEVELS].reverse().find((level) => ctx.ability.can(level, asSubject('Document', doc))) ?? null;

const titleFromFileName = (fileName: string) => fileName.replace(/\.[^.]{1,10}$/, '').trim().slice(0, 500) || 'Untitled';

async function receiveDocumentFile(ctx: ServiceContext, upload: IncomingUpload) {
  const { fields, file } = await upload.toStore({ store: ctx.store, maxBytes: ctx.config.maxUploadBytes, keyPrefix: 'versions', acceptedTypes: DOCUMENT_TYPES });
  if (!file) throw invalidRequest('The file is missing.', { file: 'required' });
  return { fields, file };
}

const versionRow = (documentId: string, version: number, file: StoredFile, ctx: Pick<ServiceContext, 'actor' | 'at'>): VersionRow => ({
  id: randomUUID(),
  documentId,
  version,
  objectKey: file.objectKey,
  size: file.size,
  sha256: file.sha256,
  mimeType: file.mimeType,
  fileName: file.fileName,
  createdBy: ctx.actor.id,
  createdAt: ctx.at,
});

/**
 * Uploads a document. The file streams to the store first (multipart may put the fields after it);
 * if the fields then fail validation, the stored object is removed again.
 */
export async function createDocument(ctx: ServiceContext, roomId: string, upload: IncomingUpload): Promise<DocumentView> {
  const room = await findVisibleRoom(ctx, roomId, 'document.create');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'document.create', roomId, subjectId: roomId, reason: 'managers only' });
  const { fields, file } = await receiveDocumentFile(ctx, upload);
  let intake: DocumentIntake | null = null;
  try {
    const input = parseInput(CreateDocumentFieldsSchema, fields);
    if (!(await ctx.db('folders').where({ id: input.folderId, roomId }).first('id'))) {
      throw invalidRequest('Unknown folder.', { folderId: 'no such folder in this room' });
    }
    if (!(await ctx.db('roomEntities').where({ roomId, entityId: input.entityId }).first('entityId'))) {
      throw invalidRequest("The entity is not one of the room's targets.", { entityId: "not one of the room's target entities" });
    }
    intake = await intakeStoredFile(ctx, file);
    // Staged disclosure: the room says whether an upload starts as a draft (the default) or published.
    const status = room.uploadsStartAs === 'published' ? 'published' : 'draft';
    const doc = await ctx.db.transaction((trx) => insertDocument(trx, ctx, roomId, input, intake!, status));
    return { ...doc, objectKey: file.objectKey, size: file.size, sha256: file.sha256, mimeType: file.mimeType, fileName: file.fileName };
  } catch (err) {
    await ctx.store.delete(file.objectKey).catch(() => undefined);
    await discardRendition(ctx.store, intake?.rendition ?? null);
    throw err;
  }
}

/** A stored file read as a new document's first version: what the row will say and what was derived from the file. */
export interface DocumentIntake {
  documentId: string;
  file: StoredFile;
  version: VersionRow;
  kind: DocumentRow['kind'];
  dataset: DescriptionRow | null;
  /** Objects derived from the file (the stamping base and index): the caller discards them if the document is not created. */
  rendition: PreparedRendition | null;
}

/**
 * The intake of an upload already in the store, outside any transaction (it may take seconds): a CSV
 * or XLSX table is a dataset, kept native and read per delivery; otherwise the file is parsed (or
 * converted) once here, so every stamped download only appends a small tail. A ZIP import
 * (server/imports) runs every file through this, as one upload each.
 */
export async function intakeStoredFile(ctx: ServiceContext, file: StoredFile): Promise<DocumentIntake> {
  const documentId = randomUUID();
  const version = versionRow(documentId, 1, file, ctx);
  const dataset = await describeUpload(ctx.store, file, version.id, ctx.at);
  const kind = dataset?.status === 'ready' ? 'dataset' : 'document';
  const rendition = kind === 'document' ? await prepareRendition(ctx.store, file, { budget: ctx.config.intake }) : null;
  return { documentId, file, version, kind, dataset, rendition };
}

/**
 * Writes a document whose intake is done, in the caller's transaction: its row (last in its folder),
 * its first version, rendition and dataset description, and the ledger's `document.create`.
 * The folder and entity must have been checked to belong to the room.
 */
export async function insertDocument(
  trx: Db,
  ctx: ServiceContext,
  roomId: string,
  input: CreateDocumentFields,
  intake: DocumentIntake,
  status: 'draft' | 'published',
  details: Record<string, unknown> = {},
): Promise<DocumentRow> {
  const { documentId, file, version, kind, dataset, rendition } = intake;
  const published = status === 'published';
  await lockRoomOrder(trx, roomId);
  await assertRoomTakesContent(trx, roomId, { action: 'document.create', subjectType: 'Room', subjectId: roomId });
  const max = await trx('documents').where({ folderId: input.folderId }).max({ m: 'position' }).first();
  const row: DocumentRow = {
    id: documentId,
    roomId,
    folderId: input.folderId,
    entityId: input.entityId,
    title: input.title ?? titleFromFileName(file.fileName),
    classificationRank: classificationRank(input.classification),
    personalDataRank: personalDataRank(input.personalData),
    kind,
    position: Number(max?.m ?? 0) + 1,
    currentVersionId: version.id,
    version: 1,
    status,
    publishedAt: published ? version.createdAt : null,
    publishedBy: published ? ctx.actor.id : null,
    withdrawnAt: null,
    withdrawnBy: null,
    withdrawnReason: null,
    createdBy: ctx.actor.id,
    createdAt: version.createdAt,
  };
  await trx('documents').insert(row);
  await trx('documentVersions').insert(version);
  await queueTextExtraction(trx, { documentId, roomId, versionId: version.id }, version.createdAt);
  if (rendition) await insertRendition(trx, { versionId: version.id, ...withoutDerivedKeys(rendition) });
  if (dataset) await insertDescription(trx, dataset);
  await recordAllowed(trx, ctx, {
    action: 'document.create',
    subjectType: 'Document',
    subjectId: documentId,
    roomId,
    details: { title: row.title, folderId: row.folderId, entityId: row.entityId, classification: input.classification, personalData: input.personalData, kind, status: row.status, versionId: version.id, sha256: file.sha256, size: file.size, mimeType: file.mimeType, ...(dataset?.status === 'not_dataset' ? { notADataset: dataset.reason } : {}), ...details },
  });
  // A draft is news to no one yet: the digests consider it when it is published.
  if (published) await noteDocumentsPublished(trx, roomId, [documentId], version.createdAt);
  return row;
}

const withoutDerivedKeys = ({ derivedKeys: _keys, ...row }: PreparedRendition) => row;

export async function addVersion(ctx: ServiceContext, documentId: string, upload: IncomingUpload): Promise<VersionRow> {
  // Hidden → the 404 of a missing id; visible but not the caller's to manage (counsel, a member) → 403.
  const doc = await findVisibleDocument(ctx, documentId);
  if (!doc) throw denied({ action: 'document.version.create', subjectType: 'Document', subjectId: documentId, reason: 'document not visible to caller' });
  assertAllowed(ctx, 'edit', 'Document', doc, { event: 'document.version.create', subjectId: documentId, roomId: doc.roomId, reason: 'managers only' });
  const { fields, file } = await receiveDocumentFile(ctx, upload);
  let rendition: PreparedRendition | null = null;
  try {
    parseInput(NewVersionFieldsSchema, fields);
    const versionId = randomUUID();
    // A dataset stays a dataset: its deliveries, classification and traces are of a table.
    let dataset: DescriptionRow | null = null;
    if (doc.kind === 'dataset') {
      dataset = await describeUpload(ctx.store, file, versionId, ctx.at);
      if (dataset?.status !== 'ready') throw invalidRequest('A new version of a dataset must be a CSV or XLSX table.', { file: dataset?.message ?? 'not a CSV or XLSX table' });
    } else {
      rendition = await prepareRendition(ctx.store, file, { budget: ctx.config.intake });
    }
    return await ctx.db.transaction(async (trx) => {
      await assertRoomTakesContent(trx, doc.roomId, { action: 'document.version.create', subjectType: 'Document', subjectId: documentId });
      const current = await trx('documents').where({ id: documentId }).first('version');
      const version = { ...versionRow(documentId, Number(current.version) + 1, file, ctx), id: versionId };
      await trx('documentVersions').insert(version);
      if (rendition) await insertRendition(trx, { versionId: version.id, ...withoutDerivedKeys(rendition) });
      if (dataset) await insertDescription(trx, dataset);
      // Conditional on the version read: two uploads at once cannot both become version n+1.
      const updated = await trx('documents').where({ id: documentId, version: current.version }).update({ version: version.version, currentVersionId: version.id });
      if (updated !== 1) throw conflict('conflict', 'Another version was uploaded at the same time; try again.');
      await queueTextExtraction(trx, { documentId, roomId: doc.roomId, versionId: version.id }, version.createdAt);
      await recordAllowed(trx, ctx, { action: 'document.version.create', subjectType: 'Document', subjectId: documentId, roomId: doc.roomId, details: { versionId: version.id, version: version.version, sha256: file.sha256, size: file.size, mimeType: file.mimeType } });
      // A new version of a published document is published at once (API.md); of a draft, it stays a draft.
      if (doc.status === 'published') await noteDocumentsPublished(trx, doc.roomId, [documentId], version.createdAt);
      return version;
    });
  } catch (err) {
    await ctx.store.delete(file.objectKey).catch(() => undefined);
    await discardRendition(ctx.store, rendition);
    if (/unique|duplicate/i.test(String((err as Error).message))) throw conflict('conflict', 'Another version was uploaded at the same time; try again.');
    throw err;
  }
}

export async function listDocuments(
  ctx: ServiceContext,
  roomId: string,
  filter: { folderId?: string; q?: string; status?: DocumentStatus },
  paging: Paging,
): Promise<Page<DocumentListItem>> {
  const room = await findVisibleRoom(ctx, roomId, 'document.list');
  assertRoomContentOpen(ctx, room, 'document.list');
  const query = visibleDocuments(ctx).where('documents.roomId', roomId);
  if (filter.folderId) query.where('documents.folderId', filter.folderId);
  if (filter.status) query.where('documents.status', filter.status);
  if (filter.q) query.whereRaw(`lower("documents"."title") like ? escape '\\'`, [likePattern(filter.q)]);
  const page = await fetchPage<DocumentView>(query, paging, { table: 'documents', column: 'created_at', field: 'createdAt' });
  const indexes = await documentIndexesFor(ctx, roomId, page.items);
  await recordAllowed(ctx.db, ctx, { action: 'document.list', subjectType: 'Room', subjectId: roomId, roomId, details: { folderId: filter.folderId, q: filter.q, status: filter.status, count: page.items.length } });
  return {
    nextCursor: page.nextCursor,
    items: await withDetails(ctx, page.items.map((d) => ({ ...d, index: indexes.get(d.id)!, access: accessLevelOf(ctx, d) }))),
  };
}

/**
 * The document at `level` for the caller, or the refusal: hidden and absent are the same 404;
 * a document the caller can see but not take at this level is 403; a content request from an
 * external user whom no NDA covers is 403 nda_required (their own status, the same for every id).
 * A refusal answers after the same work whatever the id: its reasons are worked out after the
 * response (explainRefusalLater).
 */
export async function findDocumentFor(
  ctx: ServiceContext,
  documentId: string,
  level: Level,
  event: string,
  opts: { contentRequest: boolean },
): Promise<DocumentListItem> {
  const doc = await findVisibleDocument(ctx, documentId);
  if (!doc) {
    const refusal = opts.contentRequest ? hiddenContentRefusal(ctx.facts) : { reason: 'document not visible to caller', error: notFound() };
    throw refuseDocument(ctx, event, documentId, null, refusal);
  }
  if (!ctx.ability.can(level, asSubject('Document', doc))) {
    const error = forbidden('forbidden', `Your access to this document does not include ${level === 'view' ? 'viewing' : level === 'download' ? 'downloading' : 'the original'}.`);
    throw refuseDocument(ctx, event, documentId, doc.roomId, { reason: `level ${level} not granted`, error });
  }
  // Asked after the access rule: only a caller who may have the file learns it was purged.
  if (opts.contentRequest) await assertRoomContentKept(ctx.db, doc.roomId, { action: event, subjectType: 'Document', subjectId: documentId });
  const indexes = await documentIndexesFor(ctx, doc.roomId, [doc]);
  return { ...doc, index: indexes.get(doc.id)!, access: accessLevelOf(ctx, doc) };
}

/**
 * Records a refused document request and returns its error. The event says the decision; which
 * conditions failed takes a few more queries (more for a real document than for a made-up id), so
 * it is worked out once the response is sent and recorded as `document.refusal.explained`, linked
 * to the refusal by `details.refusalId`. It joins the room's trail only when the caller can see the room.
 */
function refuseDocument(ctx: ServiceContext, event: string, documentId: string, roomId: string | null, refusal: { reason: string; error: HttpError }): HttpError {
  const refusalId = randomUUID();
  ctx.afterResponse(async () => {
    const explained = await explainRefusal(ctx.db, ctx.facts, ctx.ability, documentId);
    if (!explained) return;
    const roomVisible = ctx.ability.can('read', asSubject('Room', { id: explained.roomId }));
    await recordRefusal(
      ctx.db,
      ctx,
      { action: 'document.refusal.explained', subjectType: 'Refusal', subjectId: refusalId, roomId: roomVisible ? explained.roomId : null, reason: refusal.reason, details: { event, documentId, reasons: explained.reasons } },
      refusal.error.status,
    );
  });
  return denied({ action: event, subjectType: 'Document', subjectId: documentId, roomId, reason: refusal.reason, details: { refusalId } }, refusal.error);
}

/** The room of a document already found for the caller: what a stamp prints (its code name). */
export async function roomOfDocument(ctx: ServiceContext, doc: DocumentView): Promise<RoomRow> {
  return ctx.db('rooms').where({ id: doc.roomId }).first();
}

/** A document's metadata; the read is recorded like every other decision. */
export async function readDocument(ctx: ServiceContext, documentId: string): Promise<DocumentListItem> {
  const doc = await findDocumentFor(ctx, documentId, 'view', 'document.read', { contentRequest: false });
  await recordAllowed(ctx.db, ctx, { action: 'document.read', subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, details: { versionId: doc.currentVersionId } });
  return (await withDetails(ctx, [doc]))[0];
}
