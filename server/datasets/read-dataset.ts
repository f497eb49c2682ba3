import type { Readable } from 'node:stream';
import { csvSheet, headTextEncoding } from './csv-sheet.js';
import { NotADatasetError, type DatasetEvent, type DatasetFormat } from './dataset-types.js';
import { xlsxSheets } from './xlsx-sheets.js';

/**
 * Reading a stored CSV or XLSX file as a dataset: once at upload, into its description
 * (describe-dataset.ts) and the row store every delivery reads (row-store.ts); again only to build the
 * row store of a version stored before there were any, and in classifying and subject look-ups. The file is streamed, never held: memory stays flat whatever its size (a
 * 135 MB, 1,000,000-row CSV reads in ~50 MB more than at rest, a 200,000-row XLSX in ~55 MB;
 * see test/unit/datasets/read-dataset.test.ts).
 *
 * The table rules, the same for both formats:
 * - the header is a sheet's first row holding something; its names are trimmed, and blank or
 *   repeated ones made unique (`Column 3`, `Name (2)`), since columns are addressed by name;
 * - rows holding nothing (every cell blank) are skipped; a sheet holding nothing is left out;
 * - every row has exactly as many cells as the header names, missing ones '';
 * - a row holding a value to the right of the header is refused (`ragged_row`), not widened: the
 *   deal team classifies columns by name as holding personal data or not, and a value shifted into
 *   an unnamed column (an unquoted comma, a note typed beside the table) would be delivered under
 *   no classification at all. The message names the row, so it can be fixed at the source.
 */

export interface DatasetLimits {
  /**
   * Columns a sheet may have: 1,000 (Excel allows 16,384). Every column needs a role from the deal
   * team before delivery, and rows are held one at a time but whole; a wider sheet is a system
   * export rather than a dataset.
   */
  maxColumns: number;
  /** Characters a cell may hold: 32,767, Excel's own limit, so no spreadsheet holds more. */
  maxCellCharacters: number;
  /** Worksheets a workbook may have: 100. Each is a table the deal team classifies column by column. */
  maxSheets: number;
  /**
   * Bytes an XLSX's zip entries may unpack to, all together: 4 GiB. Excel's largest sheet
   * (1,048,576 rows) of 20 columns unpacks to about 1.5 GB. Nothing unpacked is kept, so this bounds
   * the time spent on a zip bomb; the ratio below stops most far sooner.
   */
  maxInflatedBytes: number;
  /**
   * Bytes xl/sharedStrings.xml may unpack to: 256 MiB. Sheets refer to its texts by number, so they
   * are held for the whole read (about their UTF-8 size, plus 4 bytes each): the one part of a
   * workbook held in memory. Enough for a million rows of several unique text columns.
   */
  maxSharedStringsBytes: number;
  /**
   * How many times its compressed size an XLSX may unpack to, once past `compressionRatioAllowanceBytes`:
   * 100. Spreadsheet XML compresses about 7 times (a 200,000-row exceljs workbook), 12–16 times
   * when every row is alike (empty styled cells, one repeated text); only filler reaches deflate's
   * ~1,000, i.e. a zip bomb, which is then refused after ~64 MiB of work instead of 4 GiB.
   */
  maxCompressionRatio: number;
  /** Unpacked bytes allowed at any ratio: 64 MiB, so that a small workbook of empty styled cells is never refused. */
  compressionRatioAllowanceBytes: number;
  /** Entries an XLSX's zip may hold: 10,000 (a workbook of 100 sheets with their drawings and images has a few hundred). */
  maxZipEntries: number;
}

export const DEFAULT_DATASET_LIMITS: Readonly<DatasetLimits> = Object.freeze({
  maxColumns: 1_000,
  maxCellCharacters: 32_767,
  maxSheets: 100,
  maxInflatedBytes: 4 * 2 ** 30,
  maxSharedStringsBytes: 256 * 2 ** 20,
  maxCompressionRatio: 100,
  compressionRatioAllowanceBytes: 64 * 2 ** 20,
  maxZipEntries: 10_000,
});

/** What a format's reader finds: sheets, and their rows numbered as the file counts them, before the table rules. */
export type SheetContent = { kind: 'sheet'; name: string } | { kind: 'row'; number: number; cells: string[] };

const LOCAL_FILE_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * The dataset format of an upload from its first bytes (`SNIFF_BYTES` of them, as sniffType reads):
 * a zip archive is an XLSX when its entries are a workbook's (`xl/…`), or when it is named as one
 * and its head shows no other kind of document (the reader then says what is wrong with it); an OLE
 * container named .xlsx or .xlsm is an XLSX too, so that a password-protected one is refused
 * as `encrypted` rather than kept as a plain file unexplained; text named .csv or .tsv is a CSV.
 * Text here is what the CSV reader reads (UTF-8, UTF-16 with a BOM, Windows-1252), which is more
 * than sniffType's UTF-8 test, and the answer is needed synchronously, so sniffType is not called.
 */
export function detectDatasetFormat(head: Buffer, fileName: string): DatasetFormat | null {
  if (head.length === 0) return null;
  if (head.subarray(0, 4).equals(LOCAL_FILE_HEADER)) {
    const names = zipEntryNamesIn(head);
    if (names.some((name) => name.startsWith('xl/'))) return 'xlsx';
    if (names.some((name) => /^(word|ppt)\/|^mimetype$/.test(name))) return null;
    return /\.xls[xmb]$/i.test(fileName) ? 'xlsx' : null;
  }
  if (head.subarray(0, CFB_SIGNATURE.length).equals(CFB_SIGNATURE)) return /\.xls[xm]$/i.test(fileName) ? 'xlsx' : null;
  if (/\.(csv|tsv)$/i.test(fileName) && headTextEncoding(head)) return 'csv';
  return null;
}

/** The names of the zip entries whose local headers lie in `head` (a chance match in compressed data gives a name that matches nothing). */
function zipEntryNamesIn(head: Buffer): string[] {
  const names: string[] = [];
  for (let at = head.indexOf(LOCAL_FILE_HEADER); at !== -1 && at + 30 <= head.length; at = head.indexOf(LOCAL_FILE_HEADER, at + 4)) {
    const end = at + 30 + head.readUInt16LE(at + 26);
    if (end <= head.length) names.push(head.toString('utf8', at + 30, end));
  }
  return names;
}

/**
 * The dataset's sheets and rows, read from a fresh stream of the stored file each time `open` is
 * called (twice for a CSV, twice or more for an XLSX: see csv-sheet.ts and xlsx-sheets.ts).
 * Every stream opened is destroyed when the iteration ends, however it ends: a `break` or
 * `return` in `for await` closes the file.
 *
 * Throws NotADatasetError for a file that is not a dataset, possibly after rows have been
 * yielded (a problem found on row 900,000 is found there); a failed read of the stored file throws
 * that stream's own error: the file may be fine.
 */
export async function* readDataset(open: () => Promise<Readable>, format: DatasetFormat, limits: Partial<DatasetLimits> = {}): AsyncGenerator<DatasetEvent> {
  const bounds: DatasetLimits = { ...DEFAULT_DATASET_LIMITS, ...limits };
  yield* asTables(format === 'csv' ? csvSheet(open, bounds) : xlsxSheets(open, bounds), bounds);
}

async function* asTables(contents: AsyncIterable<SheetContent>, limits: DatasetLimits): AsyncGenerator<DatasetEvent> {
  let sheets = 0;
  let name = '';
  let header: string[] | null = null;
  let index = 0;
  for await (const content of contents) {
    if (content.kind === 'sheet') {
      name = content.name;
      header = null;
      index = 0;
      continue;
    }
    const { number, cells } = content;
    const width = filledWidth(cells);
    if (width === 0) continue;
    if (width > limits.maxColumns) {
      throw new NotADatasetError('too_many_columns', `Row ${number} of sheet "${name}" has ${width.toLocaleString('en')} columns; a dataset has at most ${limits.maxColumns.toLocaleString('en')}.`);
    }
    for (let column = 0; column < width; column++) {
      if (cells[column].length > limits.maxCellCharacters) {
        throw new NotADatasetError('cell_too_large', `Row ${number}, column ${column + 1} of sheet "${name}" holds ${cells[column].length.toLocaleString('en')} characters; a cell holds at most ${limits.maxCellCharacters.toLocaleString('en')}.`);
      }
    }
    if (!header) {
      header = uniqueColumnNames(cells.slice(0, width));
      yield { kind: 'sheet', sheet: sheets++, name, header };
      continue;
    }
    if (width > header.length) {
      throw new NotADatasetError(
        'ragged_row',
        `Row ${number} of sheet "${name}" has a value in column ${width}, to the right of the ${header.length} columns its header names. Give that column a name in the header, or remove the value (an unquoted comma splits a value in two).`,
      );
    }
    const row = cells.length === header.length ? cells : Array.from({ length: header.length }, (_, i) => cells[i] ?? '');
    yield { kind: 'row', row: { sheet: sheets - 1, index: index++, cells: row } };
  }
  if (sheets === 0) throw new NotADatasetError('no_header', 'The file holds no table: none of its rows holds anything.');
}

/** The number of cells up to the last one holding something other than spaces. */
function filledWidth(cells: string[]): number {
  let width = cells.length;
  while (width > 0 && cells[width - 1].trim() === '') width--;
  return width;
}

/**
 * Header names, trimmed, made unique: a name given twice gets ` (2)`, ` (3)`, …; a blank one is
 * `Column N` after its position. Given names are settled first, so a generated one never renames
 * a name the file gives.
 */
function uniqueColumnNames(cells: string[]): string[] {
  const trimmed = cells.map((cell) => cell.trim());
  const names: string[] = new Array(cells.length);
  const taken = new Set<string>();
  const claim = (column: number, base: string) => {
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
    taken.add(name);
    names[column] = name;
  };
  trimmed.forEach((name, column) => name && claim(column, name));
  trimmed.forEach((name, column) => name || claim(column, `Column ${column + 1}`));
  return names;
}
