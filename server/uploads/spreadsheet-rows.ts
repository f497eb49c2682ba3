import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { fileTypeFromBuffer } from 'file-type';
import { HttpError } from '../errors.js';
import { SNIFF_BYTES } from './sniff-type.js';
import { assertZipInflatesWithin, UnsafeZipError } from './zip-inflation-limit.js';

/** One row of a spreadsheet that holds something: its number as the spreadsheet shows it (the first is 1), its cells trimmed. */
export interface SpreadsheetRow {
  row: number;
  cells: string[];
}

export interface SpreadsheetLimits {
  /** The most rows holding something, the header included. */
  maxRows: number;
}

/**
 * An XLSX of a few thousand rows unpacks to a few megabytes; more is refused before exceljs, which
 * unpacks and models the whole workbook in memory, sees it (see zip-inflation-limit.ts).
 */
const XLSX_LIMITS = { maxEntries: 1000, maxInflatedBytes: 16 * 2 ** 20 };

/** The file is not what it claims, or damaged: 400 naming `file`, with the reason in the message (clients show the message). */
const unreadable = (reason: string) => new HttpError(400, 'invalid_request', `The file cannot be read: ${reason}.`, { file: reason });
const notASpreadsheet = (reason: string) => new HttpError(415, 'unsupported_type', `The file is not a CSV or XLSX spreadsheet: ${reason}.`, { file: reason });

const isZip = (data: Buffer) => data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && (data[2] === 3 || data[2] === 5) && data[3] === data[2] + 1;

/**
 * The rows of a CSV or XLSX file (an XLSX's first sheet), told apart by their bytes: a zip is an
 * XLSX, text is CSV, anything else is refused. Rows holding nothing are left out but keep their
 * numbers, so a row number is the one the person who wrote the file sees.
 */
export async function readSpreadsheetRows(file: { data: Buffer; fileName: string }, limits: SpreadsheetLimits): Promise<SpreadsheetRow[]> {
  let rows: SpreadsheetRow[];
  if (isZip(file.data)) rows = await readXlsx(file.data);
  else if (/\.xls[xm]$/i.test(file.fileName)) throw unreadable('it is named as an XLSX workbook but is not one (not a zip archive)');
  else rows = await readCsv(file.data);
  if (rows.length > limits.maxRows) throw unreadable(`it has more than ${limits.maxRows - 1} rows below its header; split it into several files`);
  return rows;
}

async function readXlsx(data: Buffer): Promise<SpreadsheetRow[]> {
  try {
    await assertZipInflatesWithin(data, XLSX_LIMITS);
  } catch (err) {
    if (err instanceof UnsafeZipError) throw unreadable(err.message);
    throw err;
  }
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs types its input as an ArrayBuffer (JSZip reads either): a copy of exactly the file's bytes.
    await workbook.xlsx.load(new Uint8Array(data).buffer);
  } catch {
    throw unreadable('it is not a readable XLSX workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw unreadable('the workbook has no worksheet');
  const rows: SpreadsheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, column) => {
      cells[column - 1] = cellText(cell.value).trim();
    });
    const dense = Array.from(cells, (c) => c ?? '');
    if (dense.some((c) => c !== '')) rows.push({ row: rowNumber, cells: dense });
  });
  return rows;
}

/** What a cell shows: rich text joined, a link's text (or its address: an email typed as a mailto link), a formula's result. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('hyperlink' in value) return cellText(value.text as ExcelJS.CellValue) || value.hyperlink.replace(/^mailto:/i, '');
  if ('formula' in value || 'sharedFormula' in value) return cellText(value.result ?? null);
  if ('error' in value) return value.error;
  return '';
}

async function readCsv(data: Buffer): Promise<SpreadsheetRow[]> {
  // A UTF-16 BOM is text whatever else it might be (FF FE also opens an MPEG audio frame).
  const detected = hasUtf16Bom(data) ? undefined : await fileTypeFromBuffer(data.subarray(0, SNIFF_BYTES));
  if (detected?.mime === 'application/x-cfb') throw notASpreadsheet('it is an old-style Excel (.xls) file; save it as XLSX or CSV');
  if (detected) throw notASpreadsheet(`it is a .${detected.ext} file (${detected.mime})`);
  const text = decodeText(data);
  if (text === null) throw notASpreadsheet('it is neither text nor a workbook');
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter: delimiterOf(text), relax_column_count: true, relax_quotes: true, skip_empty_lines: false });
  } catch (err) {
    throw unreadable(`it is not valid CSV (${(err as Error).message.replace(/\.$/, '')})`);
  }
  // Records are rows: a quoted line break stays in its cell, as a spreadsheet program shows it.
  return records.flatMap((record, i) => {
    const cells = record.map((c) => c.trim());
    return cells.some((c) => c !== '') ? [{ row: i + 1, cells }] : [];
  });
}

/**
 * Text in the encodings spreadsheet programs save CSV in: UTF-8 with or without a BOM (the BOM
 * dropped), UTF-16 with its BOM (Excel's "Unicode text"), and Windows-1252 for what is not valid
 * UTF-8 (Excel's "CSV" on western Windows). Null for bytes that are not text at all.
 */
const hasUtf16Bom = (data: Buffer) => (data[0] === 0xff && data[1] === 0xfe) || (data[0] === 0xfe && data[1] === 0xff);

function decodeText(data: Buffer): string | null {
  let text: string;
  if (data[0] === 0xff && data[1] === 0xfe) text = new TextDecoder('utf-16le').decode(data);
  else if (data[0] === 0xfe && data[1] === 0xff) text = new TextDecoder('utf-16be').decode(data);
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    } catch {
      text = new TextDecoder('windows-1252').decode(data);
    }
  }
  // Text has no NUL; binary nearly always does, and stray control characters mark the rest.
  return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? null : text;
}

/** The delimiter of the first line holding something (the header): the most frequent of , ; and tab outside quotes; a comma by default. */
function delimiterOf(text: string): string {
  const header = text.split(/\r\n|\n|\r/).find((line) => line.trim() !== '') ?? '';
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return [...counts].reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}
