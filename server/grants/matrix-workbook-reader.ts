import { posix } from 'node:path';
import { SaxesParser } from 'saxes';
import { zipEntries, type ZipBudget } from '../datasets/zip-entries.js';
import { NotADatasetError } from '../datasets/dataset-types.js';
import { cellAddress, MATRIX_SHEET } from './matrix-layout.js';

/**
 * Reading an edited permission matrix: an XLSX from anyone with a spreadsheet program, so hostile
 * input. Why not exceljs's reader: it models every cell of every sheet in memory (some 230 bytes a
 * cell), so a small file of a million empty-but-present cells costs hundreds of megabytes before a
 * cap could look at it, and it hands a formula's cached result where the import must see that there
 * is a formula. Here the file is read as a stream of XML (the zip reader of datasets/, under a budget
 * of inflated bytes and of compression ratio), only the matrix sheet is parsed, and every cap is
 * checked as a cell is met: the work and the memory are bounded by the caps, whatever the file says.
 */

/** A cell as the sheet holds it: its text, what kind of value that is, and whether a formula computes it. */
export interface SheetCell {
  text: string;
  /** `text`: typed or pasted text; `number`, `boolean`, `date`, `error`: anything else a cell can be. */
  kind: 'text' | 'number' | 'boolean' | 'date' | 'error';
  formula: boolean;
}

export interface MatrixSheet {
  name: string;
  /** The cells holding something (or a formula), by row number, then column number (both from 1). */
  rows: Map<number, Map<number, SheetCell>>;
}

export interface MatrixReadLimits {
  /** Rows: a room's folders, the header and the whole-room row. */
  maxRows: number;
  /** Columns: the room's parties and the three of the folders. */
  maxColumns: number;
  /** Cells holding something, all together. */
  maxCells: number;
  /** Characters in one cell: a cell of every grant a party may hold on a folder is far shorter. */
  maxCellCharacters: number;
  /** Bytes the workbook's parts may unpack to, in all (each of the two reads). */
  maxInflatedBytes: number;
}

/** Why the file is not a matrix that can be read; `cell` names the cell when one is at fault. */
export class MatrixFileError extends Error {
  constructor(
    message: string,
    readonly cell?: { sheet: string; address: string },
  ) {
    super(message);
  }
}

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const WORKSHEET_RELATIONSHIP = /\/worksheet$/;

/**
 * The matrix sheet of an XLSX workbook: the sheet named `Permissions` (whatever its case), or the
 * first worksheet when none is. Other sheets are never parsed.
 */
export async function readMatrixSheet(data: Buffer, limits: MatrixReadLimits): Promise<MatrixSheet> {
  if (data.subarray(0, CFB_SIGNATURE.length).equals(CFB_SIGNATURE)) {
    throw new MatrixFileError('it is an old-style Excel file (.xls) or a password-protected workbook: save it as an XLSX workbook without a password');
  }
  try {
    const workbook = await readWorkbookParts(data, limits);
    return { name: workbook.sheet.name, rows: await readSheet(data, workbook, limits) };
  } catch (err) {
    if (err instanceof NotADatasetError) throw new MatrixFileError(err.message.charAt(0).toLowerCase() + err.message.slice(1).replace(/\.$/, ''));
    throw err;
  }
}

const budgetOf = (limits: MatrixReadLimits): ZipBudget => ({
  maxEntries: 1_000,
  maxInflatedBytes: limits.maxInflatedBytes,
  // Spreadsheet XML deflates 7 to 16 times; only filler reaches deflate's ~1,000 (a zip bomb).
  maxCompressionRatio: 100,
  ratioAllowanceBytes: 4 * 2 ** 20,
});

async function* chunksOf(data: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
}

interface WorkbookParts {
  sheet: { name: string; path: string };
  sharedStrings: string[];
}

/** A zip entry's name as a part name: no leading slash, lower-cased (part names are case-insensitive). */
const partPath = (name: string) => name.replace(/^\//, '').toLowerCase();

async function readWorkbookParts(data: Buffer, limits: MatrixReadLimits): Promise<WorkbookParts> {
  let sheets: Array<{ name: string; relationshipId: string }> | null = null;
  const relationships = new Map<string, { type: string; target: string }>();
  const parts = new Set<string>();
  let sharedStrings: string[] = [];
  for await (const entry of zipEntries(chunksOf(data), budgetOf(limits))) {
    const path = partPath(entry.name);
    parts.add(path);
    if (path === 'xl/workbook.xml') {
      sheets = [];
      const found = sheets;
      await parseXml(entry.content, 'list of sheets', {
        open(name, attributes) {
          if (name !== 'sheet') return;
          // The relationship id is `r:id`, whatever prefix the file binds to the relationships namespace.
          const relationshipId = Object.entries(attributes).find(([key]) => /^[^:]+:id$/.test(key))?.[1];
          if (!attributes.name || !relationshipId) throw new MatrixFileError('the workbook lists a sheet without a name or a part');
          if (found.length < 1_000) found.push({ name: attributes.name, relationshipId });
        },
      });
    } else if (path === 'xl/_rels/workbook.xml.rels') {
      await parseXml(entry.content, 'relationships', {
        open(name, attributes) {
          if (name !== 'Relationship' || attributes.TargetMode === 'External' || !attributes.Id || !attributes.Target) return;
          // Targets are relative to xl/ (the workbook's folder) unless they start at the root.
          const target = attributes.Target.startsWith('/') ? attributes.Target : posix.join('xl', attributes.Target);
          if (relationships.size < 10_000) relationships.set(attributes.Id, { type: attributes.Type ?? '', target: partPath(posix.normalize(target)) });
        },
      });
    } else if (path === 'xl/sharedstrings.xml') {
      sharedStrings = await readSharedStrings(entry.content, limits);
    }
  }
  if (!sheets) throw new MatrixFileError(parts.has('xl/workbook.bin') ? 'it is a binary workbook (.xlsb): save it as an XLSX workbook' : 'it is a zip archive but not an XLSX workbook');
  const worksheets = sheets.flatMap((s) => {
    const relationship = relationships.get(s.relationshipId);
    return relationship && WORKSHEET_RELATIONSHIP.test(relationship.type) ? [{ name: s.name, path: relationship.target }] : [];
  });
  const sheet = worksheets.find((s) => s.name.toLowerCase() === MATRIX_SHEET.toLowerCase()) ?? worksheets[0];
  if (!sheet) throw new MatrixFileError('the workbook has no worksheet');
  if (!parts.has(sheet.path)) throw new MatrixFileError(`the workbook's sheet "${sheet.name}" is missing from the file`);
  return { sheet, sharedStrings };
}

async function readSharedStrings(content: AsyncIterable<Buffer>, limits: MatrixReadLimits): Promise<string[]> {
  const strings: string[] = [];
  let text: string | null = null;
  let inText = false;
  let phonetic = 0;
  await parseXml(content, 'shared text', {
    open(name) {
      if (name === 'si') text = '';
      else if (name === 't') inText = phonetic === 0 && text !== null;
      else if (name === 'rPh') phonetic++;
    },
    text(value) {
      if (!inText || text === null) return;
      text += value;
      if (text.length > limits.maxCellCharacters * ESCAPE_EXPANSION) throw new MatrixFileError(`a text of the workbook holds more than ${limits.maxCellCharacters} characters, more than any cell of a matrix`);
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phonetic--;
      else if (name === 'si' && text !== null) {
        // Each text costs memory whether a cell uses it or not: as many as cells may hold, no more.
        if (strings.length >= limits.maxCells) throw new MatrixFileError(`the workbook holds more than ${limits.maxCells} texts, more than a matrix of ${limits.maxCells} cells`);
        strings.push(decodeEscapes(text));
        text = null;
      }
    },
  });
  return strings;
}

/** `_xHHHH_` escapes (Excel's way to keep control characters in XML) make a text up to 7 times longer in the file. */
const ESCAPE_EXPANSION = 7;

function decodeEscapes(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

async function readSheet(data: Buffer, workbook: WorkbookParts, limits: MatrixReadLimits): Promise<Map<number, Map<number, SheetCell>>> {
  const rows = new Map<number, Map<number, SheetCell>>();
  let cells = 0;
  let rowNumber = 0;
  let nextColumn = 1;
  let inRow = false;
  let cell: { row: number; column: number; type: string; value: string; inline: string; formula: boolean } | null = null;
  let capture: 'value' | 'inline' | null = null;
  let inInline = false;
  let phonetic = 0;
  const maxCapture = limits.maxCellCharacters * ESCAPE_EXPANSION;

  const handlers: XmlHandlers = {
    open(name, attributes) {
      switch (name) {
        case 'row':
          rowNumber = attributes.r ? positiveInteger(attributes.r, 'row number') : rowNumber + 1;
          inRow = true;
          nextColumn = 1;
          break;
        case 'c': {
          if (!inRow) break;
          const at = attributes.r ? addressOf(attributes.r) : { row: rowNumber, column: nextColumn };
          cell = { row: at.row, column: at.column, type: attributes.t ?? 'n', value: '', inline: '', formula: false };
          break;
        }
        case 'f':
          if (cell) cell.formula = true;
          break;
        case 'v':
          if (cell) capture = 'value';
          break;
        case 'is':
          if (cell) inInline = true;
          break;
        case 't':
          if (inInline && phonetic === 0) capture = 'inline';
          break;
        case 'rPh':
          phonetic++;
          break;
      }
    },
    text(text) {
      if (!cell || !capture) return;
      cell[capture] += text;
      if (cell[capture].length > maxCapture) throw new MatrixFileError(`the cell holds more than ${limits.maxCellCharacters} characters`, { sheet: workbook.sheet.name, address: cellAddress(cell.row, cell.column) });
    },
    close(name) {
      switch (name) {
        case 'v':
        case 't':
          capture = null;
          break;
        case 'is':
          inInline = false;
          break;
        case 'rPh':
          phonetic--;
          break;
        case 'c':
          if (cell) {
            const value = valueOf(cell, workbook.sharedStrings, workbook.sheet.name);
            if (value.text !== '' || value.formula) {
              const address = { sheet: workbook.sheet.name, address: cellAddress(cell.row, cell.column) };
              // The caps bound what is kept, so they are checked before a cell is: a value far out
              // to the right or the bottom is refused the moment it is met.
              if (cell.row > limits.maxRows) throw new MatrixFileError(`the sheet holds a value in row ${cell.row}; a matrix has at most ${limits.maxRows} rows`, address);
              if (cell.column > limits.maxColumns) throw new MatrixFileError(`the sheet holds a value in column ${cell.column}; a matrix has at most ${limits.maxColumns} columns`, address);
              if (++cells > limits.maxCells) throw new MatrixFileError(`the sheet holds more than ${limits.maxCells} cells with a value`, address);
              if (value.text.length > limits.maxCellCharacters) throw new MatrixFileError(`the cell holds more than ${limits.maxCellCharacters} characters`, address);
              let row = rows.get(cell.row);
              if (!row) rows.set(cell.row, (row = new Map()));
              row.set(cell.column, value);
            }
            nextColumn = cell.column + 1;
          }
          cell = null;
          break;
        case 'row':
          inRow = false;
          break;
      }
    },
  };

  for await (const entry of zipEntries(chunksOf(data), budgetOf(limits))) {
    if (partPath(entry.name) !== workbook.sheet.path) continue;
    await parseXml(entry.content, `sheet "${workbook.sheet.name}"`, handlers);
    return rows;
  }
  throw new MatrixFileError(`the workbook's sheet "${workbook.sheet.name}" is missing from the file`);
}

/** A cell's text as the sheet shows it (a shared or inline text, a number, a boolean, an error), and what kind it is. */
function valueOf(cell: { row: number; column: number; type: string; value: string; inline: string; formula: boolean }, sharedStrings: string[], sheet: string): SheetCell {
  const { value, formula } = cell;
  switch (cell.type) {
    case 's': {
      if (value.trim() === '') return { text: '', kind: 'text', formula };
      const text = sharedStrings[Number(value)];
      if (text === undefined) throw new MatrixFileError(`the cell refers to shared text number ${value.slice(0, 20)}, which the workbook does not hold`, { sheet, address: cellAddress(cell.row, cell.column) });
      return { text, kind: 'text', formula };
    }
    case 'inlineStr':
      return { text: decodeEscapes(cell.inline || value), kind: 'text', formula };
    case 'str':
      return { text: decodeEscapes(value), kind: 'text', formula };
    case 'b':
      return { text: value === '' ? '' : Number(value) ? 'TRUE' : 'FALSE', kind: 'boolean', formula };
    case 'e':
      return { text: value, kind: 'error', formula };
    case 'd':
      return { text: value, kind: 'date', formula };
    default:
      return { text: value.trim(), kind: 'number', formula };
  }
}

function addressOf(ref: string): { row: number; column: number } {
  const match = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(ref);
  if (!match) throw new MatrixFileError(`a cell of the sheet has the address "${ref.slice(0, 20)}", which is not one`);
  let column = 0;
  for (const letter of match[1].toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  return { row: positiveInteger(match[2], 'row number'), column };
}

function positiveInteger(text: string, what: string): number {
  const number = Number(text);
  if (!Number.isSafeInteger(number) || number < 1) throw new MatrixFileError(`the sheet has a ${what} "${text.slice(0, 20)}", which is not one`);
  return number;
}

interface XmlHandlers {
  /** Element names come without their namespace prefix. */
  open(name: string, attributes: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
}

/** Text or a tag longer than this between two angle brackets is no cell of a matrix: refused before saxes holds it whole. */
const MAX_MARKUP_RUN = 2 ** 20;

/**
 * Parses an XML part with saxes (which expands no entity a document declares: no "billion laughs"),
 * from text decoded across chunk boundaries. saxes holds a whole text or tag until it ends, so the
 * run of characters between two angle brackets is bounded first.
 */
async function parseXml(content: AsyncIterable<Buffer>, part: string, handlers: XmlHandlers): Promise<void> {
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  const localName = (name: string) => name.slice(name.indexOf(':') + 1);
  parser.on('opentag', (tag) => handlers.open(localName(tag.name), tag.attributes));
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  if (handlers.close) {
    const onClose = handlers.close;
    parser.on('closetag', (tag) => onClose(localName(tag.name)));
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const feed = (text: string | null) => {
    try {
      if (text === null) parser.write(decoder.decode()).close();
      else parser.write(text);
    } catch (err) {
      if (err instanceof MatrixFileError) throw err;
      throw new MatrixFileError(`the workbook's ${part} is not well-formed XML`);
    }
  };
  let run = 0;
  for await (const chunk of content) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new MatrixFileError(`the workbook's ${part} is not UTF-8 text`);
    }
    run = markupRun(text, run);
    if (run > MAX_MARKUP_RUN) throw new MatrixFileError(`the workbook's ${part} holds a text or tag longer than any cell of a matrix`);
    feed(text);
  }
  feed(null);
}

/** The length of the text since the last angle bracket, after `text`. */
function markupRun(text: string, run: number): number {
  const lastOpen = text.lastIndexOf('<');
  const lastClose = text.lastIndexOf('>');
  if (lastOpen === -1 && lastClose === -1) return run + text.length;
  const open = text.indexOf('<');
  const close = text.indexOf('>');
  const first = open === -1 ? close : close === -1 ? open : Math.min(open, close);
  return Math.max(run + first, text.length - 1 - Math.max(lastOpen, lastClose));
}
