import { queueTextExtraction } from '../search/text-jobs.js';
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { ServiceContext } from '../service-context.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { StoredFile } from '../uploads/multipart-upload.js';
import type { DocumentView } from '../documents/repository.js';
import type { RoomRow } from '../policy/room-gate.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { datasetScopeFor } from '../policy/dataset-scope.js';
import { recordAllowed } from '../ledger/record.js';
import { conflict, denied, forbidden, invalidRequest } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { newDownloadId } from '../watermark/download-id.js';
import { insertDownload } from '../downloads/repository.js';
import { assertStillDeliverable } from '../downloads/service.js';
import { personalDataRank, type Level } from '../ranks.js';
import { NotADatasetError, type ColumnRef, type DatasetClassification, type DatasetDescription, type DatasetFormat } from './dataset-types.js';
import { readDataset } from './read-dataset.js';
import { describer } from './describe-dataset.js';
import { openRowStore, readRowStore, rowStoreEvents, rowStoreKeyOf, writeRowStore, type RowStoreEntry } from './row-store.js';
import { csvFromPartyCopy, DELIVERY_BUFFER_BYTES, partyCopy, xlsxFromPartyCopy } from './party-copy.js';
import { deliverySheets } from './delivery-sheet.js';
import { planDelivery, type DeliveryScope, type SheetPlan } from './delivery-plan.js';
import { ORDER_GROUP_ROWS, orderKeyOf, viewOrderKeyOf } from './fingerprint.js';
import { descriptionOf, findClassification, findDescription, roomDatasetSecret, type DatasetDeliveryRow, type DescriptionRow } from './repository.js';
import { ClassifyDatasetSchema } from './schema.js';
import { unclassifiedColumns } from './unclassified-columns.js';
import { columnsRepeatingDirect } from './repeated-columns.js';
import { assertRoomContentKept } from '../purge/purged-content.js';

/** The upload types read as datasets, by their sniffed MIME type. */
export const DATASET_FORMATS: Record<string, DatasetFormat> = {
  'text/csv': 'csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

export const DATASET_MIME_TYPES: Record<DatasetFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

const openObject = (store: ObjectStore, key: string) => () => store.get(key);

/**
 * At upload: a CSV or XLSX file is read once into its description. What cannot be read as a table
 * (encrypted, macro-enabled, binary, too wide…) is kept as a plain file, with the reason recorded
 * for the deal team; anything else is not a dataset at all (null).
 */
export async function describeUpload(store: ObjectStore, file: StoredFile, versionId: string, at: string): Promise<DescriptionRow | null> {
  // Excel keeps a workbook saved with a password in an OLE container: named as a workbook, it is read
  // as one, so that the deal team is told it is encrypted (read-dataset.ts) rather than nothing.
  const format = DATASET_FORMATS[file.mimeType] ?? (file.mimeType === 'application/x-cfb' && /\.xls[xm]$/i.test(file.fileName) ? 'xlsx' : undefined);
  if (!format) return null;
  try {
    // One read of the file: its description, and its rows as every delivery will read them (row-store.ts).
    const describing = describer(format);
    await writeRowStore(store, rowStoreKeyOf(file.objectKey), readDataset(openObject(store, file.objectKey), format), (event) => describing.add(event));
    const { description } = describing;
    return { versionId, status: 'ready', format, description: JSON.stringify(description), reason: null, message: null, createdAt: at };
  } catch (err) {
    if (!(err instanceof NotADatasetError)) throw err;
    return { versionId, status: 'not_dataset', format, description: null, reason: err.reason, message: err.message, createdAt: at };
  }
}

/**
 * A dataset the caller may see, with its description; 409 for a document that is not one. Why a CSV or
 * XLSX file was kept as a plain file (a document, not a dataset) is told to the deal team (`explain`),
 * who can fix it at the source; to anyone else the file's make-up is none of their business.
 */
async function readyDescription(ctx: ServiceContext, doc: DocumentView, explain = false): Promise<DatasetDescription> {
  const row = await findDescription(ctx.db, doc.currentVersionId);
  if (explain && row?.status === 'not_dataset') throw conflict('not_a_dataset', `This file is kept as a plain file, not a dataset: ${row.message ?? row.reason}`);
  if (doc.kind !== 'dataset' || !row || row.status !== 'ready') throw conflict('not_a_dataset', 'This document is not a dataset (a CSV or XLSX table).');
  return descriptionOf(row);
}

/** The description with the deal team's classification folded into each column. */
export async function getDataset(ctx: ServiceContext, doc: DocumentView) {
  assertAllowed(ctx, 'oversee', 'Room', { id: doc.roomId }, { event: 'dataset.read', roomId: doc.roomId, subjectId: doc.id, reason: 'the deal team only' });
  const description = await readyDescription(ctx, doc, true);
  const classification = await findClassification(ctx.db, doc.id);
  await recordAllowed(ctx.db, ctx, { action: 'dataset.read', subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, details: { versionId: doc.currentVersionId } });
  return presentDataset(description, classification);
}

function presentDataset(description: DatasetDescription, classification: DatasetClassification) {
  const sheetName = (name: string | undefined) => name ?? description.sheets[0]?.name;
  return {
    format: description.format,
    sheets: description.sheets.map((s) => ({
      name: s.name,
      rows: s.rows,
      columns: s.columns.map((c) => ({ name: c.name, type: c.type, role: classification.columns.find((x) => sheetName(x.sheet) === s.name && x.name === c.name)?.role ?? 'none' })),
    })),
    subjectColumn: classification.subjectColumn ? { sheet: sheetName(classification.subjectColumn.sheet), name: classification.subjectColumn.name } : null,
    entityColumn: classification.entityColumn ? { sheet: sheetName(classification.entityColumn.sheet), name: classification.entityColumn.name } : null,
    entityMap: classification.entityMap,
  };
}

/**
 * The deal team classifies a dataset: column roles, the subject column (a person: it must be `direct`),
 * the entity column and its map (every entity one of the room's targets). Each column named must exist.
 * The entities the map names become facts of the access rule in the same transaction.
 */
export async function classifyDataset(ctx: ServiceContext, doc: DocumentView, body: unknown) {
  assertAllowed(ctx, 'edit', 'Document', doc, { event: 'dataset.classify', roomId: doc.roomId, subjectId: doc.id, reason: 'managers only' });
  const input = parseInput(ClassifyDatasetSchema, body);
  // A classification is checked against the stored rows, which a purge deleted.
  await assertRoomContentKept(ctx.db, doc.roomId, { action: 'dataset.classify', subjectType: 'Document', subjectId: doc.id });
  const description = await readyDescription(ctx, doc, true);
  const sheetIndex = (name: string | undefined) => (name === undefined ? 0 : description.sheets.findIndex((s) => s.name === name));
  const exists = (ref: { sheet?: string; name: string }) => {
    const s = sheetIndex(ref.sheet);
    return s >= 0 && description.sheets[s]!.columns.some((c) => c.name === ref.name);
  };
  const problems: Record<string, string> = {};
  input.columns.forEach((c, i) => {
    if (!exists(c)) problems[`columns.${i}.name`] = c.sheet !== undefined && sheetIndex(c.sheet) < 0 ? `no sheet named ${c.sheet}` : `no column named ${c.name}`;
  });
  const seen = new Set<string>();
  input.columns.forEach((c, i) => {
    const key = `${sheetIndex(c.sheet)}\0${c.name}`;
    if (seen.has(key)) problems[`columns.${i}.name`] = 'named twice';
    seen.add(key);
  });
  const classification: DatasetClassification = {
    columns: input.columns.filter((c) => c.role !== 'none').map((c) => ({ ...(c.sheet !== undefined ? { sheet: c.sheet } : {}), name: c.name, role: c.role })),
    subjectColumn: input.subjectColumn ?? null,
    entityColumn: input.entityColumn ?? null,
    entityMap: input.entityMap ?? {},
    seen: description.sheets.map((s) => ({ sheet: s.name, columns: s.columns.map((c) => c.name) })),
  };
  const sameColumn = (a: { sheet?: string; name: string }, b: { sheet?: string; name: string }) => sheetIndex(a.sheet) === sheetIndex(b.sheet) && a.name === b.name;
  if (classification.subjectColumn) {
    if (!exists(classification.subjectColumn)) problems.subjectColumn = `no column named ${classification.subjectColumn.name}`;
    else if (!classification.columns.some((c) => c.role === 'direct' && sameColumn(c, classification.subjectColumn!))) {
      problems.subjectColumn = 'the subject column names a person: give it the role direct';
    }
  }
  if (classification.entityColumn && !exists(classification.entityColumn)) problems.entityColumn = `no column named ${classification.entityColumn.name}`;
  if (Object.keys(classification.entityMap).length > 0 && !classification.entityColumn) problems.entityMap = 'an entity map needs an entityColumn';
  const targets = new Set((await ctx.db('roomEntities').where({ roomId: doc.roomId }).select('entityId')).map((r: { entityId: string }) => r.entityId));
  for (const [value, entityId] of Object.entries(classification.entityMap)) {
    if (!targets.has(entityId)) problems[`entityMap.${value.slice(0, 100)}`] = "not one of the room's target entities";
  }
  if (Object.keys(problems).length > 0) throw invalidRequest('The classification does not fit this dataset.', problems);
  // Kept by their sheet's name, not its place: a new version that reorders the sheets must not hand
  // one sheet's roles, or its entity column, to another (a renamed sheet loses them: delivery-plan.ts).
  const onSheet = <T extends ColumnRef>(ref: T): T => ({ ...ref, sheet: description.sheets[sheetIndex(ref.sheet)]!.name });
  classification.columns = classification.columns.map(onSheet);
  classification.subjectColumn = classification.subjectColumn && onSheet(classification.subjectColumn);
  classification.entityColumn = classification.entityColumn && onSheet(classification.entityColumn);
  for (const r of await columnsRepeatingDirect(readDataset(openObject(ctx.store, doc.objectKey), description.format), description, classification)) {
    const at = input.columns.findIndex((c) => description.sheets[sheetIndex(c.sheet)]?.name === r.sheet && c.name === r.name);
    const field = at >= 0 ? `columns.${at}.role` : 'columns';
    const problem = `${r.name} repeats the direct column ${r.direct} in ${r.rows.toLocaleString('en')} rows: as stored beside its pseudonym, it would undo it; give ${r.name} the role direct`;
    problems[field] = problems[field] ? `${problems[field]}; ${problem}` : problem;
  }
  if (Object.keys(problems).length > 0) throw invalidRequest('The classification does not fit this dataset.', problems);

  const entityIds = [...new Set(Object.values(classification.entityMap))].sort();
  await ctx.db.transaction(async (trx) => {
    const row = { documentId: doc.id, classification: JSON.stringify(classification), updatedBy: ctx.actor.id, updatedAt: ctx.at };
    await trx('datasetClassifications').insert(row).onConflict('documentId').merge();
    await trx('datasetEntities').where({ documentId: doc.id }).delete();
    if (entityIds.length > 0) await trx('datasetEntities').insert(entityIds.map((entityId) => ({ documentId: doc.id, roomId: doc.roomId, entityId })));
    // What a dataset gives the index depends on its classification (only columns without personal data).
    await queueTextExtraction(trx, { documentId: doc.id, roomId: doc.roomId, versionId: doc.currentVersionId }, ctx.at);
    await recordAllowed(trx, ctx, {
      action: 'dataset.classify',
      subjectType: 'Document',
      subjectId: doc.id,
      roomId: doc.roomId,
      details: {
        direct: classification.columns.filter((c) => c.role === 'direct').map((c) => c.name),
        quasi: classification.columns.filter((c) => c.role === 'quasi').map((c) => c.name),
        subjectColumn: classification.subjectColumn?.name ?? null,
        entityColumn: classification.entityColumn?.name ?? null,
        entityIds,
      },
    });
  });
  return presentDataset(description, classification);
}

/** What the caller may have of the dataset at `level`: decided by the policy, refused when nothing. */
function scopeOf(ctx: ServiceContext, doc: DocumentView, level: Level, event: string): DeliveryScope {
  const scope = datasetScopeFor(ctx.facts, doc, level);
  if (!scope) {
    throw denied({ action: event, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: `no grant gives the dataset at level ${level}` },
      forbidden('forbidden', 'Your access does not include this dataset.'));
  }
  return { ...scope, coversDocumentEntity: scope.entityIds === null || scope.entityIds.includes(doc.entityId) };
}

/**
 * A dataset with columns the deal team has not classified (none yet, or new in this version) may hold
 * personal data in a column that would go out as stored: to a recipient whose grant allows less
 * personal data than the document declares, it goes out only once they have classified them.
 */
function assertClassifiedFor(doc: DocumentView, description: DatasetDescription, classification: DatasetClassification, scope: DeliveryScope, event: string) {
  if (doc.personalDataRank <= personalDataRank(scope.form)) return;
  const unclassified = unclassifiedColumns(description, classification);
  if (unclassified.length === 0) return;
  throw denied({ action: event, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: `${unclassified.length} columns not classified yet` },
    forbidden('forbidden', 'This dataset is not ready for your access yet: the deal team has still to say which of its columns hold personal data.'));
}

/**
 * The sheets of the recipient (planDelivery's forRecipient), and the one asked for by name (their
 * first by default). A sheet that is not theirs is answered as one the file does not have, so its
 * name cannot be found by asking. No sheet at all is theirs only while the deal team has still to
 * classify a new version (the entity column's sheet renamed): not ready, as for unclassified columns.
 */
function recipientSheets(doc: DocumentView, plans: SheetPlan[], name: string | undefined, event: string): { sheets: SheetPlan[]; asked: SheetPlan } {
  const sheets = plans.filter((p) => p.forRecipient);
  if (sheets.length === 0) {
    throw denied({ action: event, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, reason: 'no sheet is the recipient\'s until the deal team classifies this version' },
      forbidden('forbidden', 'This dataset is not ready for your access yet: the deal team has still to say which of its rows are whose.'));
  }
  const asked = name === undefined ? sheets[0] : sheets.find((p) => p.name === name);
  if (!asked) throw invalidRequest('No such sheet.', { sheet: `no sheet named ${name}` });
  return { sheets, asked };
}

/** The NDAs that cover the recipient for the entities whose rows they get: on the record with the delivery. */
function coveringNdaIds(ctx: ServiceContext, doc: DocumentView, scope: DeliveryScope): string[] {
  const coverage = ctx.facts.memberships.find((m) => m.roomId === doc.roomId)?.coverage;
  if (!coverage || scope.entityIds === null) return [];
  return [...new Set(scope.entityIds.flatMap((e) => coverage.get(e) ?? []))].sort();
}

/**
 * Records one delivery of a dataset before a byte of it leaves: the download (with the NDAs covering
 * the recipient's rows), what it holds (form, row scope, the classification it was made under:
 * tracing and the subject question answer from this), and the ledger event. Returns its download id.
 */
async function recordDatasetDelivery(
  ctx: ServiceContext,
  doc: DocumentView,
  scope: DeliveryScope,
  what: { kind: 'view' | 'download'; format: DatasetDeliveryRow['format']; snapshot: object; details: (downloadId: string) => Record<string, unknown> },
): Promise<string> {
  const downloadId = newDownloadId();
  await ctx.db.transaction(async (trx) => {
    await assertStillDeliverable(trx, ctx, doc, what.kind);
    await insertDownload(trx, {
      id: downloadId, roomId: doc.roomId, documentId: doc.id, versionId: doc.currentVersionId, userId: ctx.actor.id, orgId: ctx.actor.orgId, kind: what.kind,
      at: ctx.at, ip: ctx.client.ip, userAgent: ctx.client.userAgent, sha256: null, size: null, ndaIds: JSON.stringify(coveringNdaIds(ctx, doc, scope)),
    });
    const record: DatasetDeliveryRow = {
      downloadId, roomId: doc.roomId, documentId: doc.id, versionId: doc.currentVersionId, partyId: scope.partyId, form: scope.form, format: what.format,
      entityIds: scope.entityIds === null ? null : JSON.stringify(scope.entityIds),
      classification: JSON.stringify(what.snapshot),
    };
    await trx('datasetDeliveries').insert(record);
    await recordAllowed(trx, ctx, { action: `document.${what.kind}`, subjectType: 'Document', subjectId: doc.id, roomId: doc.roomId, details: what.details(downloadId) });
  });
  return downloadId;
}

export interface DatasetDelivery {
  downloadId: string;
  format: DatasetFormat;
  mimeType: string;
  body: Readable;
}

/**
 * One recipient's copy of a dataset (docs/http-api.md, "Datasets"): their rows and columns, in an
 * order that only this download has (fingerprint.ts), as CSV or XLSX (with the visible stamp). The
 * delivery is recorded before a byte leaves; its SHA-256 and size are added once the last byte has.
 */
export async function deliverDataset(
  ctx: ServiceContext,
  room: RoomRow,
  doc: DocumentView,
  kind: 'view' | 'download',
  opts: { format?: DatasetFormat; sheet?: string },
): Promise<DatasetDelivery> {
  const description = await readyDescription(ctx, doc);
  const format = opts.format ?? description.format;
  const scope = scopeOf(ctx, doc, kind, `document.${kind}`);
  const classification = await findClassification(ctx.db, doc.id);
  assertClassifiedFor(doc, description, classification, scope, `document.${kind}`);
  const secret = await roomDatasetSecret(ctx.db, doc.roomId);
  const { sheets: recipients, asked } = recipientSheets(doc, planDelivery(description, classification, scope, secret, { versionKey: doc.objectKey }), opts.sheet, `document.${kind}`);
  // A CSV holds one sheet: the one asked for, the first by default.
  const delivered = format === 'csv' ? [asked] : recipients;

  const ndaIds = coveringNdaIds(ctx, doc, scope);
  const downloadId = await recordDatasetDelivery(ctx, doc, scope, {
    kind,
    format,
    snapshot: { ...classification, sheets: delivered.map((p) => p.sheet), coversDocumentEntity: scope.coversDocumentEntity, orderGroupRows: ORDER_GROUP_ROWS },
    details: (id) => ({ downloadId: id, versionId: doc.currentVersionId, documentSha256: doc.sha256, dataset: { form: scope.form, format, entityIds: scope.entityIds, sheets: delivered.map((p) => p.name) }, ndaIds }),
  });

  const orderKey = orderKeyOf(secret, downloadId);
  const orgName = (await ctx.db('orgs').where({ id: ctx.actor.orgId }).first('name'))?.name ?? '';
  // Both sent from the party's copy of the version (party-copy.ts), made from its row store (row-store.ts)
  // by the party's first download of this plan; the runs of rows in this download's order.
  const rowsOptions = (plan: SheetPlan) => ({ orderKey: null, roomSecret: secret, partyId: scope.partyId ?? '', versionKey: doc.objectKey, sheetRows: description.sheets[plan.sheet]!.rows });
  const versionStillStored = async () => (await ctx.db('documentVersions').where({ objectKey: doc.objectKey }).first('id')) !== undefined;
  const copy = partyCopy(ctx.store, doc.objectKey, format, delivered, rowsOptions, () => rowStoreOf(ctx.store, doc.objectKey, description.format), versionStillStored);
  const body =
    format === 'csv'
      ? csvFromPartyCopy(copy, asked, orderKey)
      : xlsxFromPartyCopy(copy, delivered, orderKey, {
          lines: [
            `${room.codeName ?? room.name} — confidential, delivered by Gatehouse`,
            `For ${ctx.actor.name} (${orgName}) ${ctx.actor.email}`,
            `${ctx.at.slice(0, 16).replace('T', ' ')} UTC · download ${downloadId}`,
          ],
        });
  return { downloadId, format, mimeType: DATASET_MIME_TYPES[format], body: hashedOnTheWay(ctx.db, downloadId, body) };
}

/**
 * The entries of a version's row store, opened (and built first, for a version stored before row
 * stores were) when the delivery's first bytes are asked for: a failure is the download's, as a
 * failed read of the stored file was.
 */
async function* rowStoreOf(store: ObjectStore, objectKey: string, format: DatasetFormat): AsyncGenerator<RowStoreEntry> {
  yield* readRowStore(await openRowStore(store, objectKey, format));
}

/** Passes the delivery through, and records its SHA-256 and size on the download once it is whole. */
function hashedOnTheWay(db: Knex, downloadId: string, body: Readable): Readable {
  const hash = createHash('sha256');
  let size = 0;
  const out = new PassThrough({ highWaterMark: DELIVERY_BUFFER_BYTES });
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  body.on('end', () => {
    db('downloads').where({ id: downloadId }).update({ sha256: hash.digest('hex'), size }).catch(() => undefined);
  });
  body.on('error', (err) => out.destroy(err));
  out.on('close', () => body.destroy());
  body.pipe(out);
  return out;
}

/**
 * A page of the dataset as the caller would download it, for the grid viewer: a slice of the caller's
 * rows in the caller's own order of this version (fingerprint.ts, viewOrderKeyOf), so that pages fit
 * together and a grid scraped page by page is traced to its viewer like a download. Recorded as a
 * view, like a page of a document shown inline, with the window and the order it was cut from.
 */
export async function readRows(ctx: ServiceContext, doc: DocumentView, query: { sheet?: string; offset: number; limit: number }) {
  const description = await readyDescription(ctx, doc);
  const scope = scopeOf(ctx, doc, 'view', 'document.view');
  const classification = await findClassification(ctx.db, doc.id);
  assertClassifiedFor(doc, description, classification, scope, 'document.view');
  const secret = await roomDatasetSecret(ctx.db, doc.roomId);
  const { sheets: recipients, asked: plan } = recipientSheets(doc, planDelivery(description, classification, scope, secret, { versionKey: doc.objectKey }), query.sheet, 'document.view');
  const sheetIndex = plan.sheet;
  const rows: string[][] = [];
  let total = 0;
  // A recipient's pages in their own order of the version (fingerprint.ts): a grid scraped page by
  // page is theirs. The deal team, who hold the stored file, page it as stored.
  const orderKey = scope.partyId === null ? null : viewOrderKeyOf(secret, ctx.actor.id, doc.currentVersionId);
  for await (const sheet of deliverySheets(rowStoreEvents(rowStoreOf(ctx.store, doc.objectKey, description.format)), [plan], orderKey)) {
    for await (const cells of sheet.rows) {
      if (total >= query.offset && rows.length < query.limit) rows.push(cells);
      total++;
    }
  }
  await recordDatasetDelivery(ctx, doc, scope, {
    kind: 'view',
    format: 'rows',
    snapshot: { ...classification, sheets: [sheetIndex], coversDocumentEntity: scope.coversDocumentEntity, offset: query.offset, limit: query.limit, ...(orderKey && { order: 'view' }) },
    details: (id) => ({ downloadId: id, versionId: doc.currentVersionId, dataset: { form: scope.form, rows: { sheet: plan.name, offset: query.offset, count: rows.length }, entityIds: scope.entityIds } }),
  });
  // Beside the contract's three fields: the sheets there are, and what was done to this copy.
  return {
    columns: plan.header,
    rows,
    total,
    sheets: recipients.map((s) => s.name),
    form: scope.form,
    treatments: Object.fromEntries(plan.header.map((name, i) => [name, plan.treatments[i]!])),
    leftOut: scope.form === 'none' ? description.sheets[sheetIndex]!.columns.length - plan.header.length : 0,
  };
}
