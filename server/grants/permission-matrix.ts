import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ServiceContext } from '../service-context.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { HttpError, invalidRequest } from '../errors.js';
import { isPostgres } from '../db.js';
import { classificationOf, levelOf, personalDataOf } from '../ranks.js';
import { visibleFolders } from '../folders/repository.js';
import { compareIndexes, computeFolderIndexes } from '../folders/folder-index.js';
import { visibleParties } from '../parties/repository.js';
import { visibleGrants, type GrantRow } from './repository.js';
import { grantsVersion, planMatrixImport, badCells, type MatrixChange, type MatrixState } from './matrix-plan.js';
import { matrixExposure, type MatrixExposure } from './matrix-exposure.js';
import { writeMatrixWorkbook } from './matrix-workbook-writer.js';
import { MatrixFileError, readMatrixSheet, type MatrixReadLimits } from './matrix-workbook-reader.js';

/** A matrix of 2,000 folders and 20 parties, every cell filled, is about 250 KB: ten megabytes is room to spare. */
export const MAX_MATRIX_BYTES = 10 * 2 ** 20;

/**
 * What an import reads at most. A room of 20,000 folders and 500 parties fits; the cell cap keeps
 * what is held of a sheet (about a hundred bytes a cell) to tens of megabytes. The workbook of 2,000
 * folders and 20 parties, every cell filled and each with an expiry, unpacks to under 5 MB: 32 MB
 * is room to spare, and bounds the text held (shared strings) and the time spent on a zip bomb.
 */
export const MATRIX_READ_LIMITS: MatrixReadLimits = {
  maxRows: 20_003,
  maxColumns: 503,
  maxCells: 250_000,
  maxCellCharacters: 4_000,
  maxInflatedBytes: 32 * 2 ** 20,
};

type Reader = Pick<ServiceContext, 'db' | 'ability'>;

/** The room as the matrix shows it, read through the caller's ability (staff: all of it). */
async function readMatrixState(reader: Reader, roomId: string): Promise<MatrixState> {
  const parties = (await visibleParties(reader, 'read', roomId))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
    .map((p) => ({ id: p.id, name: p.name }));
  const rows = await visibleFolders(reader, roomId);
  const indexes = computeFolderIndexes(rows);
  const folders = rows
    .map((f) => ({ id: f.id, name: f.name, parentId: f.parentId, index: indexes.get(f.id)!, depth: indexes.get(f.id)!.split('.').length - 1 }))
    .sort((a, b) => compareIndexes(a.index, b.index));
  const grants = await visibleGrants(reader, 'read', roomId);
  return { parties, folders, grants, version: grantsVersion(grants) };
}

/** The matrix is the deal team's: its staff read it (as GET …/grants), its managers change it. */
async function matrixRoom(ctx: ServiceContext, roomId: string, event: string, action: 'oversee' | 'edit'): Promise<RoomRow> {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, action, 'Room', room, { event, roomId, subjectId: roomId, reason: action === 'edit' ? 'managers only' : 'room staff only' });
  return room;
}

/**
 * The room's permission matrix as an XLSX workbook (matrix-layout.ts): a row per folder in the
 * deal team's index order and one for the whole room, a column per party, a cell of grants where
 * they meet. The export is on the record: it names every party and what it holds.
 */
export async function exportPermissionMatrix(ctx: ServiceContext, roomId: string): Promise<{ fileName: string; body: Readable }> {
  const room = await matrixRoom(ctx, roomId, 'grant.export', 'oversee');
  const state = await readMatrixState(ctx, roomId);
  await recordAllowed(ctx.db, ctx, {
    action: 'grant.export',
    subjectType: 'Room',
    subjectId: roomId,
    roomId,
    details: { version: state.version, grants: state.grants.length, parties: state.parties.length, folders: state.folders.length },
  });
  const byCell = new Map<string, GrantRow[]>();
  for (const g of state.grants) {
    const key = `${g.partyId}\u0000${g.folderId ?? ''}`;
    byCell.set(key, [...(byCell.get(key) ?? []), g]);
  }
  const roomLabel = room.codeName ?? room.name;
  const body = writeMatrixWorkbook({
    roomId,
    roomLabel,
    version: state.version,
    exportedAt: ctx.at,
    parties: state.parties,
    folders: state.folders,
    grantsOf: (partyId, folderId) => byCell.get(`${partyId}\u0000${folderId ?? ''}`) ?? [],
  });
  return { fileName: `${roomLabel} permissions ${ctx.at.slice(0, 10)}.xlsx`, body };
}

export interface MatrixImportReport {
  dryRun: boolean;
  /** Grants created and deleted, in all. */
  created: number;
  deleted: number;
  changes: MatrixChange[];
  exposure: MatrixExposure[];
}

/**
 * Imports an edited matrix: every cell checked (400 naming each bad one), the file checked against
 * the room's grants as they are (409 when they changed since its export), then the difference shown
 * (a dry run, the default) or applied.
 *
 * Applied in one transaction that reads the grants again and takes the plan only if they are still
 * the version the file was exported with: the grants table is locked for it on PostgreSQL (SQLite's
 * transactions hold the write lock from their start), so no grant created or deleted at the same
 * moment is lost or undone. A change is a delete and a create; each is recorded in the ledger as the
 * grants service records it (grant.delete, grant.create), with one grant.import event for the file.
 */
export async function importPermissionMatrix(ctx: ServiceContext, roomId: string, upload: IncomingUpload, options: { dryRun: boolean }): Promise<MatrixImportReport> {
  await matrixRoom(ctx, roomId, 'grant.import', 'edit');
  const file = await receiveMatrixFile(upload, Math.min(MAX_MATRIX_BYTES, ctx.config.maxUploadBytes));
  const sheet = await readSheetOf(file.data);
  const state = await readMatrixState(ctx, roomId);
  const plan = planMatrixImport(sheet, state, roomId);
  // Worked out before the transaction (it judges every member of every party twice): the plan the
  // transaction applies is the same, since it applies only to the same version of the grants.
  const exposure = await matrixExposure(ctx.db, roomId, ctx.at, state, plan);
  const report = (p: typeof plan, dryRun: boolean): MatrixImportReport => ({ dryRun, created: p.creates.length, deleted: p.deletes.length, changes: p.changes, exposure });
  if (options.dryRun) return report(plan, true);

  return ctx.db.transaction(async (trx) => {
    // Grant writes of other requests wait for this one (and this one for any under way), so the
    // version read next stays true until the commit.
    if (isPostgres(trx)) await trx.raw('lock table grants in share row exclusive mode');
    const now = await readMatrixState({ db: trx, ability: ctx.ability }, roomId);
    const applied = planMatrixImport(sheet, now, roomId);
    for (const g of applied.deletes) {
      if ((await trx('grants').where({ id: g.id, roomId }).delete()) !== 1) throw new HttpError(409, 'conflict', 'A grant changed while the matrix was imported; nothing was changed. Export the matrix again.');
    }
    if (applied.creates.length > 0) {
      const rows = applied.creates.map((g) => ({
        id: g.id,
        roomId,
        partyId: g.partyId,
        folderId: g.folderId,
        levelRank: g.levelRank,
        maxClassificationRank: g.maxClassificationRank,
        maxPersonalDataRank: g.maxPersonalDataRank,
        expiresAt: g.expiresAt,
        createdBy: ctx.actor.id,
        createdAt: ctx.at,
      }));
      // Batches keep each statement far below SQLite's and PostgreSQL's limits on bound parameters.
      for (let i = 0; i < rows.length; i += 500) await trx('grants').insert(rows.slice(i, i + 500));
    }
    // The ledger's events last: its lock (PostgreSQL) is held from the first append to the commit.
    for (const g of applied.deletes) {
      await recordAllowed(trx, ctx, {
        action: 'grant.delete',
        subjectType: 'Grant',
        subjectId: g.id,
        roomId,
        details: { partyId: g.partyId, folderId: g.folderId, levelRank: g.levelRank, via: 'permission matrix' },
      });
    }
    for (const g of applied.creates) {
      await recordAllowed(trx, ctx, {
        action: 'grant.create',
        subjectType: 'Grant',
        subjectId: g.id,
        roomId,
        details: {
          partyId: g.partyId,
          folderId: g.folderId,
          level: levelOf(g.levelRank),
          maxClassification: classificationOf(g.maxClassificationRank),
          maxPersonalData: personalDataOf(g.maxPersonalDataRank),
          expiresAt: g.expiresAt,
          via: 'permission matrix',
        },
      });
    }
    await recordAllowed(trx, ctx, {
      action: 'grant.import',
      subjectType: 'Room',
      subjectId: roomId,
      roomId,
      details: {
        sha256: createHash('sha256').update(file.data).digest('hex'),
        size: file.data.length,
        version: now.version,
        cells: applied.changes.length,
        created: applied.creates.length,
        deleted: applied.deletes.length,
      },
    });
    return report(applied, false);
  });
}

async function receiveMatrixFile(upload: IncomingUpload, maxBytes: number) {
  try {
    return await upload.inMemory(maxBytes);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) {
      const limit = `${+(maxBytes / 2 ** 20).toFixed(1)} MB`;
      throw new HttpError(413, 'too_large', `The file is over the ${limit} a permission matrix may be.`, { file: `at most ${limit}` });
    }
    throw err;
  }
}

/** The matrix sheet of the file; a file that is not a readable XLSX, or past a cap, is refused naming the file or the cell. */
async function readSheetOf(data: Buffer) {
  try {
    return await readMatrixSheet(data, MATRIX_READ_LIMITS);
  } catch (err) {
    if (!(err instanceof MatrixFileError)) throw err;
    if (err.cell) throw badCells([{ sheet: err.cell.sheet, cell: err.cell.address, message: err.message }]);
    throw invalidRequest(`The file cannot be read as a permission matrix: ${err.message}.`, { file: err.message });
  }
}
