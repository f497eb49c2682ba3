import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { NotADatasetError } from './dataset-types.js';
import type { DatasetLimits, SheetContent } from './read-dataset.js';
import { sizeText, zipEntries, type ZipBudget } from './zip-entries.js';

/**
 * The worksheets of an XLSX workbook, in the workbook's order, row by row, each cell as the text
 * the workbook shows for it.
 *
 * Why not exceljs's streaming WorkbookReader: it decodes each inflated chunk of XML on its own, so
 * a character whose UTF-8 bytes straddle two chunks turns into U+FFFD (8 of 20,000 rows of
 * "José Müller … ☃" came back damaged in a 20,000-row workbook), and it spools every worksheet
 * that comes before sharedStrings.xml in the zip (as Excel, LibreOffice and exceljs itself all
 * write them) to a temporary file that a read stopped halfway leaves behind until the process
 * exits. Here the workbook is read twice instead, both times as a stream: first everything but
 * the sheets (content types, workbook, relationships, styles, shared strings), then the sheets,
 * parsed with saxes (the XML parser exceljs uses) from text decoded across chunk boundaries.
 *
 * Cells: shared and inline text (rich text joined, phonetic guides left out, `_x000D_` escapes
 * decoded); numbers as their shortest text (`String(n)`); numbers formatted as dates as ISO dates
 * (`2024-03-01`, or `2024-03-01T10:30:00` with a time, no zone: Excel's times have none); booleans
 * `TRUE`/`FALSE`; errors as their text (`#DIV/0!`); formulas only by the result the file caches,
 * never the formula (one without a cached result is empty). A hyperlink's cell holds its text.
 * Durations (`[h]:mm`) keep their number: they are not dates.
 */
export async function* xlsxSheets(open: () => Promise<Readable>, limits: DatasetLimits): AsyncGenerator<SheetContent> {
  const workbook = await readWorkbook(open, limits);
  // One more read of the file for each time the zip holds a sheet before one the workbook lists
  // earlier: every writer puts them in order, so this is one read.
  for (const run of runsInZipOrder(workbook.sheets)) yield* readSheets(open, run, workbook, limits);
}

interface WorksheetPart {
  name: string;
  /** The part's path in the zip, lower-cased: OOXML part names are case-insensitive. */
  path: string;
  zipIndex: number;
}

interface Workbook {
  sheets: WorksheetPart[];
  sharedStrings: SharedStrings;
  /** Per cell style (`s`), whether its number format shows a date. */
  dateStyles: boolean[];
  date1904: boolean;
}

const unreadable = (message: string) => new NotADatasetError('unreadable', message);
const macroEnabled = () => new NotADatasetError('macro_enabled', 'The workbook holds macros: save it as a plain workbook (.xlsx) and upload it again.');

const budgetOf = (limits: DatasetLimits): ZipBudget => ({
  maxEntries: limits.maxZipEntries,
  maxInflatedBytes: limits.maxInflatedBytes,
  maxCompressionRatio: limits.maxCompressionRatio,
  ratioAllowanceBytes: limits.compressionRatioAllowanceBytes,
});

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** The stream an encrypted OOXML file keeps the workbook in, named in the container's directory (UTF-16). */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');
const WORKSHEET_RELATIONSHIP = /\/worksheet$/;
const MACROSHEET_RELATIONSHIP = /\/xl(intl)?macrosheet$/i;

async function readWorkbook(open: () => Promise<Readable>, limits: DatasetLimits): Promise<Workbook> {
  const source = await open();
  try {
    const chunks = await withHead(source, CFB_SIGNATURE.length);
    if (chunks.head.subarray(0, CFB_SIGNATURE.length).equals(CFB_SIGNATURE)) throw await whyOfficeContainer(chunks);

    const zipOrder = new Map<string, number>();
    let workbookSheets: Array<{ name: string; relationshipId: string }> | null = null;
    let relationships: Relationship[] = [];
    let dateStyles: boolean[] = [];
    let sharedStrings = new SharedStrings();
    let date1904 = false;
    for await (const entry of zipEntries(chunks, budgetOf(limits))) {
      const path = partPath(entry.name);
      zipOrder.set(path, zipOrder.size);
      if (/(^|\/)vbaproject\.bin$/.test(path) || path.startsWith('xl/macrosheets/')) throw macroEnabled();
      if (path === '[content_types].xml') {
        if (/macroEnabled/i.test(await textOf(entry.content, 2 ** 20, 'list of content types'))) throw macroEnabled();
      } else if (path === 'xl/workbook.xml') {
        ({ sheets: workbookSheets, date1904 } = await readWorkbookPart(entry.content, limits));
      } else if (path === 'xl/_rels/workbook.xml.rels') {
        relationships = await readRelationships(entry.content, limits);
      } else if (path === 'xl/styles.xml') {
        dateStyles = await readDateStyles(entry.content, limits);
      } else if (path === 'xl/sharedstrings.xml') {
        sharedStrings = await readSharedStrings(capped(entry.content, limits.maxSharedStringsBytes, 'shared text'), limits);
      }
    }
    if (!workbookSheets) {
      throw unreadable(zipOrder.has('xl/workbook.bin') ? 'The workbook is a binary workbook (.xlsb): save it as .xlsx and upload it again.' : 'The file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml).');
    }
    const sheets: WorksheetPart[] = [];
    for (const sheet of workbookSheets) {
      const relationship = relationships.find((r) => r.id === sheet.relationshipId);
      if (!relationship) throw unreadable(`The workbook's sheet "${sheet.name}" points to no part of the file.`);
      if (MACROSHEET_RELATIONSHIP.test(relationship.type)) throw macroEnabled();
      // Chart sheets and dialog sheets hold no table.
      if (!WORKSHEET_RELATIONSHIP.test(relationship.type)) continue;
      const zipIndex = zipOrder.get(relationship.target);
      if (zipIndex === undefined) throw unreadable(`The workbook's sheet "${sheet.name}" is missing from the file.`);
      sheets.push({ name: sheet.name, path: relationship.target, zipIndex });
    }
    if (sheets.length > limits.maxSheets) {
      throw new NotADatasetError('too_many_sheets', `The workbook has ${sheets.length} sheets; a dataset has at most ${limits.maxSheets}. Split it into several files.`);
    }
    return { sheets, sharedStrings, dateStyles, date1904 };
  } finally {
    source.destroy();
  }
}

/** Runs of sheets, in the workbook's order, whose parts also follow one another in the zip. */
function runsInZipOrder(sheets: WorksheetPart[]): WorksheetPart[][] {
  const runs: WorksheetPart[][] = [];
  for (const sheet of sheets) {
    const run = runs.at(-1);
    if (run && sheet.zipIndex > run.at(-1)!.zipIndex) run.push(sheet);
    else runs.push([sheet]);
  }
  return runs;
}

async function* readSheets(open: () => Promise<Readable>, run: WorksheetPart[], workbook: Workbook, limits: DatasetLimits): AsyncGenerator<SheetContent> {
  const source = await open();
  try {
    let next = 0;
    for await (const entry of zipEntries(source, budgetOf(limits))) {
      if (partPath(entry.name) !== run[next].path) continue;
      yield { kind: 'sheet', name: run[next].name };
      yield* sheetRows(entry.content, workbook, limits);
      if (++next === run.length) return;
    }
    throw unreadable(`The workbook's sheet "${run[next].name}" is missing from the file.`);
  } finally {
    source.destroy();
  }
}

async function* sheetRows(content: AsyncIterable<Buffer>, workbook: Workbook, limits: DatasetLimits): AsyncGenerator<SheetContent> {
  const ready: SheetContent[] = [];
  let row: { number: number; cells: string[] } | null = null;
  let cell: { ref: string; column: number; type: string; style: number; value: string; inline: string } | null = null;
  let capture: 'value' | 'inline' | null = null;
  let inInline = false;
  let phonetic = 0;
  let lastRow = 0;
  let nextColumn = 0;
  const maxCapture = limits.maxCellCharacters * ESCAPE_EXPANSION;

  const handlers: XmlHandlers = {
    open(name, attributes) {
      switch (name) {
        case 'row':
          lastRow = attributes.r ? positiveInteger(attributes.r, 'row number') : lastRow + 1;
          row = { number: lastRow, cells: [] };
          nextColumn = 0;
          break;
        case 'c':
          if (!row) break;
          cell = {
            ref: attributes.r ?? `${columnName(nextColumn)}${row.number}`,
            column: attributes.r ? columnOf(attributes.r) : nextColumn,
            type: attributes.t ?? 'n',
            style: attributes.s ? positiveInteger(attributes.s, 'cell style', 0) : 0,
            value: '',
            inline: '',
          };
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
      if (cell[capture].length > maxCapture) throw cellTooLarge(cell.ref, limits);
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
          if (row && cell) {
            const text = cellText(cell, workbook);
            if (text !== '') {
              // A row is held whole until it is read: a value far out to the right is refused before it is stored.
              if (cell.column >= limits.maxColumns) throw tooManyColumns(cell.ref, limits);
              row.cells[cell.column] = text;
            }
            nextColumn = cell.column + 1;
          }
          cell = null;
          break;
        case 'row':
          if (row) ready.push({ kind: 'row', number: row.number, cells: Array.from(row.cells, (c) => c ?? '') });
          row = null;
          break;
      }
    },
  };
  for await (const _ of parseXml(content, handlers, 'sheet', limits)) {
    yield* ready;
    ready.length = 0;
  }
  yield* ready;
}

/** `_xHHHH_` escapes (and `_x005F_` for a literal underscore) can make a text up to 7 times longer in the file. */
const ESCAPE_EXPANSION = 7;

const cellTooLarge = (ref: string, limits: DatasetLimits) =>
  new NotADatasetError('cell_too_large', `Cell ${ref} holds more than ${limits.maxCellCharacters.toLocaleString('en')} characters, more than a spreadsheet cell can.`);
const tooManyColumns = (ref: string, limits: DatasetLimits) =>
  new NotADatasetError('too_many_columns', `Cell ${ref} holds a value beyond column ${columnName(limits.maxColumns - 1)}: a dataset has at most ${limits.maxColumns.toLocaleString('en')} columns.`);

function cellText(cell: { ref: string; type: string; style: number; value: string; inline: string }, workbook: Workbook): string {
  const value = cell.value;
  switch (cell.type) {
    case 's': {
      if (value.trim() === '') return '';
      const text = workbook.sharedStrings.get(Number(value));
      if (text === undefined) throw unreadable(`Cell ${cell.ref} refers to shared text number ${value}, which the workbook does not hold.`);
      return text;
    }
    case 'inlineStr':
      return decodeEscapes(cell.inline || value);
    case 'str':
      return decodeEscapes(value);
    case 'b':
      return value === '' ? '' : Number(value) ? 'TRUE' : 'FALSE';
    case 'e':
      return value;
    case 'd':
      return isoDateText(value);
    default: {
      if (value.trim() === '') return '';
      const number = Number(value);
      if (!Number.isFinite(number)) return value;
      return (workbook.dateStyles[cell.style] && dateOfSerial(number, workbook.date1904)) || String(number);
    }
  }
}

/** Excel's serial day number as an ISO date (and time, when it has one); null outside years 1900–9999. */
function dateOfSerial(serial: number, date1904: boolean): string | null {
  if (serial < 0 || serial >= 2958466) return null;
  // The 1900 system counts a 29 February 1900 that never was: days before it are one off.
  const days = date1904 ? serial + 1462 : serial < 61 ? serial + 1 : serial;
  const iso = new Date(Math.round((days - 25569) * 86_400_000)).toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}

/** A cell of type `d` (ISO 8601 text, written by some programs): a midnight is left as the date alone. */
function isoDateText(value: string): string {
  const midnight = /^(\d{4}-\d{2}-\d{2})T00:00(:00(\.0+)?)?Z?$/.exec(value);
  return midnight ? midnight[1] : value;
}

function decodeEscapes(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

function columnOf(ref: string): number {
  const letters = /^\$?([A-Za-z]{1,3})\$?\d*$/.exec(ref);
  if (!letters) throw unreadable(`A cell of the workbook has the address "${ref.slice(0, 20)}", which is not one.`);
  let column = 0;
  for (const letter of letters[1].toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  return column - 1;
}

function columnName(column: number): string {
  let name = '';
  for (let n = column + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function positiveInteger(text: string, what: string, min = 1): number {
  const number = Number(text);
  if (!Number.isSafeInteger(number) || number < min) throw unreadable(`The workbook has a ${what} "${text.slice(0, 20)}", which is not one.`);
  return number;
}

/** A zip entry's name as a part name: no leading slash, lower-cased (part names are case-insensitive). */
const partPath = (name: string) => name.replace(/^\//, '').toLowerCase();

// ---------------------------------------------------------------------------------------------
// The parts read before the sheets.

async function readWorkbookPart(content: AsyncIterable<Buffer>, limits: DatasetLimits) {
  const sheets: Array<{ name: string; relationshipId: string }> = [];
  let date1904 = false;
  await drain(
    parseXml(content, {
      open(name, attributes) {
        if (name === 'workbookPr') date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
        if (name !== 'sheet') return;
        // The relationship id is `r:id`, whatever prefix the file binds to the relationships namespace.
        const relationshipId = Object.entries(attributes).find(([key]) => /^[^:]+:id$/.test(key))?.[1];
        if (!attributes.name || !relationshipId) throw unreadable('The workbook lists a sheet without a name or a part.');
        sheets.push({ name: attributes.name, relationshipId });
      },
    }, 'list of sheets', limits),
  );
  return { sheets, date1904 };
}

interface Relationship {
  id: string;
  type: string;
  /** The part's path, as `partPath` gives it. */
  target: string;
}

async function readRelationships(content: AsyncIterable<Buffer>, limits: DatasetLimits): Promise<Relationship[]> {
  const relationships: Relationship[] = [];
  await drain(
    parseXml(content, {
      open(name, attributes) {
        if (name !== 'Relationship' || attributes.TargetMode === 'External' || !attributes.Id || !attributes.Target) return;
        // Targets are relative to xl/ (the workbook's folder) unless they start at the root.
        const target = attributes.Target.startsWith('/') ? attributes.Target : posix.join('xl', attributes.Target);
        relationships.push({ id: attributes.Id, type: attributes.Type ?? '', target: partPath(posix.normalize(target)) });
      },
    }, 'relationships', limits),
  );
  return relationships;
}

/** Excel's built-in number formats that show dates or times (ECMA-376 §18.8.30, with the East Asian ones). */
const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

async function readDateStyles(content: AsyncIterable<Buffer>, limits: DatasetLimits): Promise<boolean[]> {
  const formats = new Map<number, string>();
  const cellFormats: number[] = [];
  let inFormats = false;
  let inCellFormats = false;
  await drain(
    parseXml(content, {
      open(name, attributes) {
        if (name === 'numFmts') inFormats = true;
        else if (name === 'cellXfs') inCellFormats = true;
        else if (name === 'numFmt' && inFormats) formats.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
        else if (name === 'xf' && inCellFormats) cellFormats.push(Number(attributes.numFmtId ?? 0));
      },
      close(name) {
        if (name === 'numFmts') inFormats = false;
        else if (name === 'cellXfs') inCellFormats = false;
      },
    }, 'styles', limits),
  );
  return cellFormats.map((id) => {
    const code = formats.get(id);
    return code === undefined ? BUILT_IN_DATE_FORMATS.has(id) : showsDate(code);
  });
}

/** Whether a number format code shows a date or time of day: a y, m, d, h or s outside quotes, escapes and [brackets]; elapsed time ([h]) is a duration. */
function showsDate(code: string): boolean {
  if (/\[(h+|m+|s+)\]/i.test(code)) return false;
  const bare = code.replace(/"[^"]*"/g, '').replace(/\\.|_.|\*./g, '').replace(/\[[^\]]*\]/g, '');
  return !/^general$/i.test(bare.trim()) && /[ymdhs]/i.test(bare);
}

async function readSharedStrings(content: AsyncIterable<Buffer>, limits: DatasetLimits): Promise<SharedStrings> {
  const strings = new SharedStrings();
  let text: string | null = null;
  let inText = false;
  let phonetic = 0;
  const maxCapture = limits.maxCellCharacters * ESCAPE_EXPANSION;
  await drain(
    parseXml(content, {
      open(name) {
        if (name === 'si') text = '';
        else if (name === 't') inText = phonetic === 0 && text !== null;
        else if (name === 'rPh') phonetic++;
      },
      text(value) {
        if (!inText || text === null) return;
        text += value;
        if (text.length > maxCapture) throw sharedTextTooLarge(limits);
      },
      close(name) {
        if (name === 't') inText = false;
        else if (name === 'rPh') phonetic--;
        else if (name === 'si' && text !== null) {
          const decoded = decodeEscapes(text);
          if (decoded.length > limits.maxCellCharacters) throw sharedTextTooLarge(limits);
          strings.add(decoded);
          text = null;
        }
      },
    }, 'shared text', limits),
  );
  return strings;
}

const sharedTextTooLarge = (limits: DatasetLimits) =>
  new NotADatasetError('cell_too_large', `A text of the workbook holds more than ${limits.maxCellCharacters.toLocaleString('en')} characters, more than a spreadsheet cell can.`);

/**
 * The workbook's shared text, which sheets refer to by number, so it is held for the whole read:
 * as UTF-8 in one buffer with an offset per string, about the size of the text itself. A string
 * per entry would cost V8 some 30 bytes each on top, which for many short strings is several
 * times the text.
 */
class SharedStrings {
  private bytes = Buffer.alloc(64 * 1024);
  private used = 0;
  private ends = new Uint32Array(1024);
  private count = 0;

  add(text: string): void {
    const length = Buffer.byteLength(text);
    if (this.used + length > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(text, this.used);
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(this.ends.length * 2);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.count++] = this.used;
  }

  get(index: number): string | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    return this.bytes.toString('utf8', index === 0 ? 0 : this.ends[index - 1], this.ends[index]);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading XML parts.

interface XmlHandlers {
  /** Element names come without their namespace prefix. */
  open(name: string, attributes: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
}

/**
 * Parses an XML part with saxes, calling `handlers` as it goes and yielding after each chunk (so a
 * caller can pass on what the handlers gathered). saxes keeps a whole text or tag in memory until
 * it ends, so the text between two angle brackets is bounded: no cell, attribute or formula a
 * spreadsheet program writes comes near the bound. saxes expands no entity a document declares,
 * so no "billion laughs".
 */
async function* parseXml(content: AsyncIterable<Buffer>, handlers: XmlHandlers, part: string, limits: DatasetLimits): AsyncGenerator<void> {
  const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
  const localName = (name: string) => name.slice(name.indexOf(':') + 1);
  parser.on('opentag', (tag) => handlers.open(localName(tag.name), tag.attributes));
  if (handlers.text) {
    const onText = handlers.text;
    parser.on('text', onText);
    parser.on('cdata', onText);
  }
  if (handlers.close) {
    const onClose = handlers.close;
    parser.on('closetag', (tag) => onClose(localName(tag.name)));
  }
  const maxRun = Math.max(2 ** 20, limits.maxCellCharacters * 10);
  let run = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Only these calls meet malformed XML (saxes) or bytes that are not UTF-8 (TextDecoder); the
  // handlers' refusals pass through, and so does a failed read of the stored file, untouched.
  const feed = (text: string | null) => {
    try {
      if (text === null) parser.write(decoder.decode()).close();
      else parser.write(text);
    } catch (err) {
      if (err instanceof NotADatasetError) throw err;
      throw unreadable(`The workbook's ${part} is not well-formed XML (${(err as Error).message}).`);
    }
  };
  for await (const chunk of content) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (err) {
      throw unreadable(`The workbook's ${part} is not UTF-8 text (${(err as Error).message}).`);
    }
    run = markupRun(text, run);
    if (run > maxRun) throw new NotADatasetError('cell_too_large', `The workbook's ${part} holds a text or tag of more than ${maxRun.toLocaleString('en')} characters, more than any cell.`);
    feed(text);
    yield;
  }
  feed(null);
  yield;
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

async function drain(steps: AsyncGenerator<void>): Promise<void> {
  for await (const _ of steps);
}

/** The whole of a small part as text, refused past `maxBytes`. */
async function textOf(content: AsyncIterable<Buffer>, maxBytes: number, part: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of capped(content, maxBytes, part)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function* capped(content: AsyncIterable<Buffer>, maxBytes: number, part: string): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of content) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw unreadable(`The workbook's ${part} unpacks to more than ${sizeText(maxBytes)}.`);
    yield chunk;
  }
}

// ---------------------------------------------------------------------------------------------
// What comes before the zip.

/** The stream's chunks, with at least `length` bytes of its start (or all of it) to look at first. */
async function withHead(source: Readable, length: number): Promise<AsyncIterable<Buffer> & { head: Buffer }> {
  const iterator: AsyncIterator<Buffer> = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let bytes = 0;
  while (bytes < length) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    bytes += next.value.length;
  }
  const head = Buffer.concat(first);
  return {
    head,
    async *[Symbol.asyncIterator]() {
      if (head.length > 0) yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    },
  };
}

/**
 * An OLE container (Compound File) where a workbook was expected: Excel keeps a password-protected
 * XLSX in one, under a stream named EncryptedPackage; anything else in one is an Excel 97–2003
 * .xls (or another old Office file), which is not read.
 */
async function whyOfficeContainer(chunks: AsyncIterable<Buffer>): Promise<NotADatasetError> {
  let tail = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const window = Buffer.concat([tail, chunk]);
    if (window.includes(ENCRYPTED_PACKAGE)) return new NotADatasetError('encrypted', 'The workbook is protected with a password (encrypted): save it without one and upload it again.');
    tail = window.subarray(Math.max(0, window.length - ENCRYPTED_PACKAGE.length + 1));
  }
  return unreadable('The file is an Excel 97–2003 workbook (.xls) or another old Office file, not an XLSX workbook: save it as .xlsx and upload it again.');
}
