import { createHash, randomUUID } from 'node:crypto';
import { HttpError, invalidRequest } from '../errors.js';
import type { GrantRow } from './repository.js';
import type { MatrixSheet, SheetCell } from './matrix-workbook-reader.js';
import {
  canonicalTime,
  cellAddress,
  cellText,
  FIRST_PARTY_COLUMN,
  FOLDER_ID_COLUMN,
  grantText,
  ID_ROW,
  MARKER_COLUMN,
  MATRIX_MARKER,
  ROOM_ID_COLUMN,
  ROOM_ROW,
  VERSION_COLUMN,
  WHOLE_ROOM,
  parseCell,
  type GrantTerms,
} from './matrix-layout.js';

/** The room as the matrix shows it: parties, folders in the deal team's index order, and every grant. */
export interface MatrixState {
  parties: Array<{ id: string; name: string }>;
  folders: Array<{ id: string; name: string; parentId: string | null; index: string; depth: number }>;
  grants: GrantRow[];
  /** grantsVersion(grants): what an export carries, and an import must find unchanged. */
  version: string;
}

/**
 * A fingerprint of a room's grants: any grant created, deleted or changed (a delete and a create
 * alike, even of the same terms: the ids differ) gives another version. Folders and parties are not
 * part of it: the matrix goes by their ids, so renaming or moving them changes nothing an import does.
 */
export function grantsVersion(grants: GrantRow[]): string {
  const lines = grants
    .map((g) => [g.id, g.partyId, g.folderId ?? '', g.levelRank, g.maxClassificationRank, g.maxPersonalDataRank, g.expiresAt === null ? '' : canonicalTime(g.expiresAt)].join('\t'))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** One cell whose grants the import changes: who, where, and the cell as it reads now and after. */
export interface MatrixChange {
  /** `created`: the cell had no grant; `deleted`: it has none after; `changed`: both. */
  kind: 'created' | 'deleted' | 'changed';
  /** The cell of the imported sheet, e.g. `E7`. */
  cell: string;
  partyId: string;
  partyName: string;
  /** null: the whole room. */
  folderId: string | null;
  folderIndex: string | null;
  folderName: string | null;
  before: string | null;
  after: string | null;
  /** The grants created and deleted, each as a cell writes it (a change is a delete and a create). */
  created: string[];
  deleted: string[];
}

export interface PlannedGrant extends GrantTerms {
  id: string;
  partyId: string;
  folderId: string | null;
}

export interface MatrixPlan {
  changes: MatrixChange[];
  creates: PlannedGrant[];
  deletes: GrantRow[];
}

/** A bad cell: the sheet, the cell's address and what is wrong, in the words of a person fixing it. */
export interface CellProblem {
  sheet: string;
  cell: string;
  message: string;
}

/** At most this many bad cells are listed: a sheet wrong throughout needs the first few to be understood. */
const MAX_PROBLEMS_LISTED = 500;

const notAMatrix = () =>
  invalidRequest('The file is not a permission matrix exported by Gatehouse.', {
    file: 'not a permission matrix: export one with GET /api/rooms/:roomId/grants.xlsx, edit its grant cells and import that file',
  });

export const badCells = (problems: CellProblem[]) =>
  invalidRequest(
    `${problems.length} cell${problems.length === 1 ? '' : 's'} of the matrix cannot be imported; nothing was changed.`,
    { cells: problems.slice(0, MAX_PROBLEMS_LISTED), ...(problems.length > MAX_PROBLEMS_LISTED ? { more: problems.length - MAX_PROBLEMS_LISTED } : {}) },
  );

/**
 * What importing `sheet` would do to the room `state` describes: every bad cell refused (400, each
 * named), a file exported before the room's grants last changed refused (409), and otherwise the
 * grants to delete and create, cell by cell. Only the cells the sheet holds for a known party and a
 * known folder are compared: a party or folder the sheet leaves out keeps its grants. Within a cell,
 * grants that stay alike are left alone (no churn of ids in the ledger); the others are deleted and
 * created. Pure: the caller reads the state, in the transaction that applies the plan.
 */
export function planMatrixImport(sheet: MatrixSheet, state: MatrixState, roomId: string): MatrixPlan {
  const at = (row: number, column: number): SheetCell | undefined => sheet.rows.get(row)?.get(column);
  const textAt = (row: number, column: number) => at(row, column)?.text.trim() ?? '';
  const problems: CellProblem[] = [];
  const fail = (row: number, column: number, message: string) => problems.push({ sheet: sheet.name, cell: cellAddress(row, column), message });
  const stop = (row: number, column: number, message: string) => {
    fail(row, column, message);
    return badCells(problems);
  };

  if (textAt(ID_ROW, MARKER_COLUMN) !== MATRIX_MARKER) throw notAMatrix();
  if (textAt(ID_ROW, ROOM_ID_COLUMN) !== roomId) throw stop(ID_ROW, ROOM_ID_COLUMN, 'this matrix was exported from another room: export this room\'s own');
  const version = textAt(ID_ROW, VERSION_COLUMN);
  if (!version) throw stop(ID_ROW, VERSION_COLUMN, 'the version of the grants the file was exported with is missing: export the matrix again');
  if (version !== state.version) {
    throw new HttpError(409, 'conflict', "The room's grants have changed since this file was exported; importing it would undo those changes. Export the matrix again and make the edits there.", {
      file: 'exported before the last change to the room\'s grants',
    });
  }

  // Formulas are refused wherever they are: a matrix holds values, and a value a formula computes
  // (from another cell, another sheet or another file) is not what the person importing typed.
  const formulaCells = new Set<string>();
  for (const [row, cells] of sheet.rows) {
    for (const [column, cell] of cells) {
      if (!cell.formula) continue;
      formulaCells.add(cellAddress(row, column));
      fail(row, column, 'a formula: type the value itself (the import never computes a formula)');
    }
  }

  const partyById = new Map(state.parties.map((p) => [p.id, p]));
  const folderById = new Map(state.folders.map((f) => [f.id, f]));

  // Columns: the party each names in the hidden id row; 'none' where the column names no party.
  const lastColumn = Math.max(0, ...[...sheet.rows.values()].flatMap((cells) => [...cells.keys()]));
  const columnParty = new Map<number, { id: string; name: string } | 'none' | 'unknown'>();
  const partyColumn = new Map<string, number>();
  for (let column = FIRST_PARTY_COLUMN; column <= lastColumn; column++) {
    const id = textAt(ID_ROW, column);
    if (!id) {
      columnParty.set(column, 'none');
      continue;
    }
    const party = partyById.get(id);
    if (!party) {
      if (!formulaCells.has(cellAddress(ID_ROW, column))) fail(ID_ROW, column, `unknown party "${clip(id)}": no party of this room has this id (row 2 holds the party ids the export wrote)`);
      columnParty.set(column, 'unknown');
    } else if (partyColumn.has(id)) {
      fail(ID_ROW, column, `the party ${party.name} has a column already (${cellAddress(ID_ROW, partyColumn.get(id)!)}): one column per party`);
      columnParty.set(column, 'unknown');
    } else {
      partyColumn.set(id, column);
      columnParty.set(column, party);
    }
  }

  const changes: MatrixChange[] = [];
  const creates: PlannedGrant[] = [];
  const deletes: GrantRow[] = [];
  const current = new Map<string, GrantRow[]>();
  for (const g of state.grants) {
    const key = pairKey(g.partyId, g.folderId);
    current.set(key, [...(current.get(key) ?? []), g]);
  }
  const folderRowOf = new Map<string, number>();

  const rowNumbers = [...sheet.rows.keys()].filter((r) => r >= ROOM_ROW).sort((a, b) => a - b);
  for (const row of rowNumbers) {
    const cells = sheet.rows.get(row)!;
    const folderCell = textAt(row, FOLDER_ID_COLUMN);
    let folder: MatrixState['folders'][number] | null | undefined;
    let rowUsable = true;
    if (folderCell === WHOLE_ROOM) folder = null;
    else if (folderCell) folder = folderById.get(folderCell);
    if (folderCell && folder === undefined) {
      if (!formulaCells.has(cellAddress(row, FOLDER_ID_COLUMN))) fail(row, FOLDER_ID_COLUMN, `unknown folder "${clip(folderCell)}": no folder of this room has this id (column C holds the folder ids the export wrote)`);
      rowUsable = false;
    } else if (folderCell) {
      const seen = folderRowOf.get(folderCell);
      if (seen !== undefined) {
        fail(row, FOLDER_ID_COLUMN, `the ${folder ? `folder ${folder.index} ${folder.name}` : 'whole room'} has a row already (row ${seen}): one row per folder`);
        rowUsable = false;
      } else folderRowOf.set(folderCell, row);
    }

    for (const [column, cell] of [...cells].sort((a, b) => a[0] - b[0])) {
      if (column < FIRST_PARTY_COLUMN || cell.formula) continue;
      const party = columnParty.get(column);
      const text = cell.text.trim();
      if (text === '' && cell.kind === 'text') continue;
      if (party === 'unknown') continue;
      if (party === 'none' || party === undefined) {
        fail(row, column, 'a value in a column without a party: only the columns the export wrote take grants (add a party in Gatehouse and export again)');
        continue;
      }
      if (!folderCell) {
        fail(row, column, 'grants on a row without a folder: only the rows the export wrote take grants (add a folder in Gatehouse and export again)');
        continue;
      }
      if (cell.kind !== 'text') {
        fail(row, column, `${cell.kind === 'error' ? 'an error value' : `a ${cell.kind}`} ("${clip(text)}"), not grants: write level/classification/personal data[/expiry] as text`);
        continue;
      }
      const parsed = parseCell(text);
      if ('error' in parsed) fail(row, column, parsed.error);
    }
    if (!rowUsable || !folderCell) continue;

    // The cells of every party column the sheet has, empty ones too: an emptied cell deletes.
    for (const [partyId, column] of partyColumn) {
      const cell = at(row, column);
      if (cell?.formula || (cell && cell.kind !== 'text')) continue;
      const parsed = parseCell(cell?.text.trim() ?? '');
      if ('error' in parsed) continue;
      const folderId = folder ? folder.id : null;
      const now = current.get(pairKey(partyId, folderId)) ?? [];
      const diff = diffCell(now, parsed.grants);
      if (diff.deleted.length === 0 && diff.created.length === 0) continue;
      const before = cellText(now) || null;
      const after = cellText(parsed.grants) || null;
      changes.push({
        kind: before === null ? 'created' : after === null ? 'deleted' : 'changed',
        cell: cellAddress(row, column),
        partyId,
        partyName: partyById.get(partyId)!.name,
        folderId,
        folderIndex: folder ? folder.index : null,
        folderName: folder ? folder.name : null,
        before,
        after,
        created: diff.created.map(grantText),
        deleted: diff.deleted.map(grantText),
      });
      deletes.push(...diff.deleted);
      creates.push(...diff.created.map((terms) => ({ ...terms, id: randomUUID(), partyId, folderId })));
    }
  }

  if (problems.length > 0) throw badCells(problems.sort(byPlace));
  return { changes, creates, deletes };
}

const pairKey = (partyId: string, folderId: string | null) => `${partyId}\u0000${folderId ?? ''}`;

const clip = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** Problems in reading order: row by row, left to right. */
function byPlace(a: CellProblem, b: CellProblem): number {
  const [, colA, rowA] = /^([A-Z]+)(\d+)$/.exec(a.cell)!;
  const [, colB, rowB] = /^([A-Z]+)(\d+)$/.exec(b.cell)!;
  return Number(rowA) - Number(rowB) || colA.length - colB.length || (colA < colB ? -1 : colA > colB ? 1 : 0);
}

/** The grants of a cell to delete and to create: alike terms pair off (as many times as they occur), the rest change. */
function diffCell(now: GrantRow[], wanted: GrantTerms[]): { deleted: GrantRow[]; created: GrantTerms[] } {
  const remaining = new Map<string, number>();
  for (const w of wanted) remaining.set(grantText(w), (remaining.get(grantText(w)) ?? 0) + 1);
  const deleted: GrantRow[] = [];
  for (const g of [...now].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))) {
    const key = grantText(g);
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    else deleted.push(g);
  }
  const created: GrantTerms[] = [];
  for (const w of wanted) {
    const key = grantText(w);
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      created.push(w);
      remaining.set(key, left - 1);
    }
  }
  return { deleted, created };
}
