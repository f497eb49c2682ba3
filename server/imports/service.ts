import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { HttpError, invalidRequest } from '../errors.js';
import { parseInput } from '../http/validate.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import type { StoredFile } from '../uploads/multipart-upload.js';
import { discardRendition } from '../pdf-intake/intake.js';
import { insertDocument, intakeStoredFile, type DocumentIntake } from '../documents/service.js';
import type { DocumentRow } from '../documents/repository.js';
import { lockRoomOrder } from '../folders/sibling-order.js';
import { folderIndexesOfRoom, type FolderRow } from '../folders/repository.js';
import { ImportFieldsSchema } from './schema.js';
import { ImportSpool } from './spool.js';
import { importLimitsOf, openZip, planImport, refuseEntry, refuseFile, type ImportPlan } from './zip-plan.js';
import { storeEntry } from './store-entry.js';

export interface ImportResult {
  folders: Array<FolderRow & { index: string }>;
  documents: Array<{ row: DocumentRow; file: StoredFile; entry: string; index: string }>;
  skipped: ImportPlan['skipped'];
}

/**
 * `POST /api/rooms/:roomId/imports`: a ZIP of folders and files becomes folders below `folderId`
 * and documents in them, every one a draft whatever the room's uploadsStartAs (a bulk load is
 * reviewed before anyone outside the deal team has it). Each file goes through the intake of an
 * upload of its own (type sniffing, dataset detection, the stamping rendition).
 *
 * All or nothing: the archive is judged whole before any file is unpacked (zip-plan.ts), every
 * file is unpacked and taken in before any row is written, and the rows are written in one
 * transaction. On any refusal or failure the objects stored so far are removed; the ZIP itself
 * waits in a private directory under the data dir's tmp, removed whatever happens.
 */
export async function importZip(ctx: ServiceContext, roomId: string, upload: IncomingUpload): Promise<ImportResult> {
  const room = await findVisibleRoom(ctx, roomId, 'document.import');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'document.import', roomId, subjectId: roomId, reason: 'managers only' });
  const limits = importLimitsOf(ctx.config);
  const spool = await ImportSpool.create(ctx.config.dataDir);
  const taken: DocumentIntake[] = [];
  const stored: string[] = [];
  try {
    const { fields, file } = await upload
      .toStore({ store: spool, maxBytes: ctx.config.maxUploadBytes, keyPrefix: 'imports', acceptedTypes: ZIP_TYPES })
      .catch((err: unknown) => {
        if (err instanceof HttpError && err.code === 'unsupported_type') throw refuseFile('not a ZIP archive', 415);
        throw err;
      });
    if (!file) throw invalidRequest('The ZIP file is missing.', { file: 'required' });
    const input = parseInput(ImportFieldsSchema, fields);
    if (!(await ctx.db('folders').where({ id: input.folderId, roomId }).first('id'))) {
      throw invalidRequest('Unknown folder.', { folderId: 'no such folder in this room' });
    }
    if (!(await ctx.db('roomEntities').where({ roomId, entityId: input.entityId }).first('entityId'))) {
      throw invalidRequest("The entity is not one of the room's targets.", { entityId: "not one of the room's target entities" });
    }

    const zip = await openZip(spool.pathOf(file.objectKey));
    let plan: ImportPlan;
    try {
      plan = await planImport(zip, limits);
      for (const entry of plan.files) {
        const version = await storeEntry(zip, entry, ctx.store);
        stored.push(version.objectKey);
        try {
          taken.push(await intakeStoredFile(ctx, version));
        } catch (err) {
          // The intake's own refusal (an unreadable or password-protected PDF…), said of this entry.
          if (err instanceof HttpError && [400, 413, 415, 422].includes(err.status)) throw refuseEntry(entry.entryName, err.message, err.status as 422, err.code);
          throw err;
        }
      }
    } finally {
      zip.close();
    }
    if (plan.files.length === 0 && plan.folders.length === 0) throw refuseFile('it holds no files or folders');

    const importId = randomUUID();
    const written = await ctx.db.transaction(async (trx) => {
      await lockRoomOrder(trx, roomId);
      const idOf = new Map<string | null, string>([[null, input.folderId]]);
      const nextPosition = new Map<string, number>();
      const top = await trx('folders').where({ roomId, parentId: input.folderId }).max({ m: 'position' }).first();
      nextPosition.set(input.folderId, Number(top?.m ?? 0) + 1);
      const folders: FolderRow[] = [];
      for (const f of plan.folders) {
        const parentId = idOf.get(f.parent)!;
        const position = nextPosition.get(parentId) ?? 1;
        nextPosition.set(parentId, position + 1);
        const row: FolderRow = { id: randomUUID(), roomId, parentId, name: f.name, position, createdAt: ctx.at };
        await trx('folders').insert(row);
        await recordAllowed(trx, ctx, { action: 'folder.create', subjectType: 'Folder', subjectId: row.id, roomId, details: { name: row.name, parentId, importId } });
        idOf.set(f.path.toLowerCase(), row.id);
        folders.push(row);
      }
      const documents: Array<{ row: DocumentRow; file: StoredFile; entry: string }> = [];
      for (const [i, entry] of plan.files.entries()) {
        const intake = taken[i];
        const fields = { folderId: idOf.get(entry.folder)!, entityId: input.entityId, classification: input.classification, personalData: input.personalData };
        const row = await insertDocument(trx, ctx, roomId, fields, intake, 'draft', { importId, entry: entry.entryName });
        documents.push({ row, file: intake.file, entry: entry.entryName });
      }
      await recordAllowed(trx, ctx, {
        action: 'document.import',
        subjectType: 'Folder',
        subjectId: input.folderId,
        roomId,
        details: { importId, folders: folders.length, documents: documents.length, skipped: plan.skipped.length, zipSha256: file.sha256, zipSize: file.size, fileName: file.fileName },
      });
      return { folders, documents };
    });
    const indexes = await folderIndexesOfRoom(ctx.db, roomId);
    return {
      folders: written.folders.map((f) => ({ ...f, index: indexes.get(f.id)! })),
      documents: written.documents.map((d) => ({ ...d, index: `${indexes.get(d.row.folderId)}.${d.row.position}` })),
      skipped: plan.skipped,
    };
  } catch (err) {
    await Promise.all(stored.map((key) => ctx.store.delete(key).catch(() => undefined)));
    for (const intake of taken) await discardRendition(ctx.store, intake.rendition).catch(() => undefined);
    throw err;
  } finally {
    await spool.close().catch(() => undefined);
  }
}

/** The upload must be a ZIP archive itself: an Office file is one too, but its parts are not documents. */
const ZIP_TYPES = new Set(['application/zip']);
