import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA } from '../ranks.js';
import {
  cellText,
  FIRST_PARTY_COLUMN,
  FOLDER_ID_COLUMN,
  formulaSafe,
  ID_ROW,
  MATRIX_MARKER,
  MATRIX_SHEET,
  README_SHEET,
  WHOLE_ROOM,
  type GrantTerms,
} from './matrix-layout.js';

/** What the matrix shows: the room's parties (columns), folders in index order (rows), and each party's grants per folder. */
export interface MatrixContent {
  roomId: string;
  /** How the room is named on the sheet (its code name, or its name when it has none). */
  roomLabel: string;
  /** The version of the room's grants the sheet shows (grants-version.ts): an import of it checks it still holds. */
  version: string;
  exportedAt: string;
  parties: Array<{ id: string; name: string }>;
  folders: Array<{ id: string; name: string; index: string; depth: number }>;
  /** A party's grants on a folder (null: on the whole room). */
  grantsOf(partyId: string, folderId: string | null): GrantTerms[];
}

/** Excel's own limit on an indent; a deeper folder is shown at this depth. */
const MAX_INDENT = 15;

/**
 * The matrix as an XLSX workbook (matrix-layout.ts), written as it is read: exceljs's streaming
 * writer commits each row, without shared strings (a table of every text would be held until the
 * end), so what the workbook costs in memory is the room's tree and grants, read before it starts.
 * Names are text cells, formula-safe; ids live in a hidden column and a hidden row, and the sheet is
 * protected (without a password: it guards against slips, not people) so that only grant cells take
 * typing.
 */
export function writeMatrixWorkbook(content: MatrixContent): Readable {
  const output = new PassThrough();
  writeWorkbook(content, output).catch((err: unknown) => output.destroy(err instanceof Error ? err : new Error(String(err))));
  return output;
}

async function writeWorkbook(content: MatrixContent, output: PassThrough): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet(MATRIX_SHEET, { views: [{ state: 'frozen', xSplit: FOLDER_ID_COLUMN, ySplit: ID_ROW }] });
  const partyColumns = content.parties.length;
  sheet.columns = [
    { width: 10 },
    { width: 48 },
    { width: 38, hidden: true },
    ...content.parties.map(() => ({ width: 34 })),
  ];

  const header = sheet.addRow(['Index', 'Folder', 'Folder id', ...content.parties.map((p) => formulaSafe(p.name))]);
  header.font = { bold: true };
  header.commit();
  const ids = sheet.addRow([MATRIX_MARKER, content.roomId, content.version, ...content.parties.map((p) => p.id)]);
  ids.hidden = true;
  ids.commit();

  const addFolderRow = (index: string, name: string, folderId: string | null, depth: number) => {
    const row = sheet.addRow([index, formulaSafe(name), folderId ?? WHOLE_ROOM, ...content.parties.map((p) => cellText(content.grantsOf(p.id, folderId)) || null)]);
    if (depth > 0) row.getCell(2).alignment = { indent: Math.min(depth, MAX_INDENT) };
    if (folderId === null) row.font = { bold: true };
    for (let i = 0; i < partyColumns; i++) row.getCell(FIRST_PARTY_COLUMN + i).protection = { locked: false };
    row.commit();
  };

  addFolderRow('', 'Whole room', null, 0);
  let written = 0;
  for (const folder of content.folders) {
    addFolderRow(folder.index, folder.name, folder.id, folder.depth);
    // Let the reader keep up: the rows of a large room wait in the output, not all in memory at once.
    if (++written % 200 === 0 && output.writableNeedDrain && !output.destroyed) await new Promise((resolve) => output.once('drain', resolve).once('close', resolve));
    if (output.destroyed) return;
  }
  await sheet.protect('', { selectLockedCells: true, selectUnlockedCells: true, formatColumns: true, formatRows: true });
  sheet.commit();

  const readme = workbook.addWorksheet(README_SHEET);
  readme.getColumn(1).width = 120;
  for (const line of readmeLines(content)) readme.addRow([line]).commit();
  readme.commit();
  await workbook.commit();
}

function readmeLines(content: MatrixContent): string[] {
  return [
    formulaSafe(`Permission matrix of ${content.roomLabel}, exported ${content.exportedAt}.`),
    '',
    `Each cell of the "${MATRIX_SHEET}" sheet holds the grants of the column's party on the row's folder and every folder below it,`,
    'as level/classification/personal data, optionally /expiry: e.g. download/confidential/none or view/standard/pseudonymised/2027-03-31T00:00:00Z.',
    `Levels: ${LEVELS.join(', ')}. Classifications (the highest the grant covers): ${CLASSIFICATIONS.join(', ')}. Personal data: ${PERSONAL_DATA.join(', ')}.`,
    'Several grants of one party on one folder share a cell, separated by ; (e.g. download/standard/none; view/highly_confidential/none).',
    'An empty cell: no grant. The "Whole room" row holds grants on the whole room.',
    '',
    'Only the grant cells are imported. Folders and parties are known by ids in a hidden column and row, so a folder or party renamed',
    'or moved in Gatehouse since this export keeps its cells. A row or column taken out of the sheet leaves its grants as they are:',
    'empty a cell to take grants away. New folders and parties are added in Gatehouse, then exported again.',
    '',
    'Import the edited file with a dry run first: it lists every change and what each party would gain or lose.',
    'If the room\'s grants change after this export, the import is refused, so nothing changed meanwhile is undone silently: export again.',
  ];
}
