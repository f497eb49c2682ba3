import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { DeliverySheet } from './delivery-sheet.js';

/** The visible stamp of an XLSX delivery: lines naming the room, the recipient and the download (composed by the caller). */
export interface XlsxStamp {
  lines: string[];
}

/** The first sheet, which shows the stamp; a data sheet of that name is renamed. */
export const STAMP_SHEET_NAME = 'Gatehouse';

/** Excel's limits: a sheet name of at most 31 characters, a header or footer of at most 255. */
const MAX_SHEET_NAME_LENGTH = 31;
const MAX_HEADER_FOOTER_LENGTH = 255;

/** Excel keeps 15 significant digits of a number: one with more would be shown and saved altered. */
const MAX_SIGNIFICANT_DIGITS = 15;

/** Characters Excel refuses in a sheet name. */
const FORBIDDEN_IN_SHEET_NAME = /[[\]:*?/\\\u0000-\u001f\u007f]/g;

/** Names Excel keeps for itself ("History", of change tracking) or Gatehouse keeps for the stamp, compared case-insensitively as Excel does. */
const RESERVED_SHEET_NAMES = ['history', STAMP_SHEET_NAME.toLowerCase()];

/** The first `maxLength` UTF-16 units of `text`, never splitting a surrogate pair (an emoji cut in half is not valid text). */
function truncateText(text: string, maxLength: number): string {
  let result = '';
  for (const codePoint of text) {
    if (result.length + codePoint.length > maxLength) break;
    result += codePoint;
  }
  return result;
}

/** Apostrophes (Excel's quoting of sheet references) and spaces at either end, which Excel refuses or drops. */
function trimSheetName(name: string): string {
  return name.replace(/^['\s]+|['\s]+$/g, '');
}

/**
 * A valid Excel sheet name for a data sheet called `name` (Excel refuses a workbook with an invalid
 * one, or "repairs" it on opening): forbidden characters become `_`, no apostrophe at either end, at
 * most 31 characters, not a reserved name, and unique among `taken` (the lower-cased names already
 * used, as Excel compares them; the name returned is added to it). A clash gets a counter, ` (2)`,
 * ` (3)`…, fitted within the 31 characters.
 */
export function toExcelSheetName(name: string, taken: Set<string>): string {
  const base = trimSheetName(truncateText(trimSheetName(name.replace(FORBIDDEN_IN_SHEET_NAME, '_')), MAX_SHEET_NAME_LENGTH)) || 'Sheet';
  const isFree = (candidate: string) => !taken.has(candidate.toLowerCase()) && !RESERVED_SHEET_NAMES.includes(candidate.toLowerCase());
  let candidate = base;
  for (let counter = 2; !isFree(candidate); counter++) {
    const suffix = ` (${counter})`;
    candidate = truncateText(base, MAX_SHEET_NAME_LENGTH - suffix.length) + suffix;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}

/**
 * The significant digits of a canonical number's text (`-0.00120` has none of its zeros counted,
 * `1.5e+21` two): what Excel would have to keep for the value to stay as stored.
 */
function significantDigits(canonical: string): number {
  const mantissa = canonical.replace(/^-/, '').replace(/e.*$/, '').replace('.', '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
}

/**
 * What a cell of a data sheet holds: a number when the text is exactly how JavaScript writes that
 * number (`String(Number(s)) === s`) and Excel can hold all its digits, so the recipient can compute
 * with it and reading it back gives the same text; otherwise the text itself, as a string cell. Every
 * value must stay exactly as stored (the delivery is traced by its rows, and a recipient must see what
 * the seller uploaded), so `007` stays text (as a number it would be 7), an ISO date stays its text (as
 * a date it would be a serial number shown in the reader's locale and time zone), `1.50` and `1e3` stay
 * text (their form would change). A text beginning with `=` is a string cell: exceljs writes a formula
 * only for a `{ formula }` value, never from a string, and Excel does not evaluate a string cell.
 * An empty text is no cell at all, which reads back as empty.
 * What XLSX cannot carry exactly: XML 1.0 has no control characters but tab and line ends, so exceljs
 * leaves the others out, and an XML reader turns a carriage return into a line feed; Excel's own
 * `_x000D_` escape is neither written nor read by exceljs. Such a value is exact only in a CSV delivery.
 */
export function toXlsxCellValue(text: string): string | number | null {
  if (text === '') return null;
  const number = Number(text);
  if (Number.isFinite(number) && String(number) === text && significantDigits(text) <= MAX_SIGNIFICANT_DIGITS) return number;
  return text;
}

/**
 * `text` as header or footer content: `&` starts a formatting code there (`&P` page number, `&"Arial"`
 * font…), so a literal one is written `&&`; line breaks and tabs become spaces, since the stamp is one
 * line and a line break would push the header into the page.
 */
function headerFooterText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/&/g, '&&');
}

/** `line` escaped and cut to at most `maxLength` characters (an ellipsis marking the cut), never leaving half of an `&&`. */
function fitHeaderFooterLine(line: string, maxLength: number): string {
  if (maxLength <= 0) return '';
  const escaped = headerFooterText(line);
  if (escaped.length <= maxLength) return escaped;
  let result = '';
  for (const codePoint of line.replace(/[\r\n\t]+/g, ' ')) {
    const piece = codePoint === '&' ? '&&' : codePoint;
    if (result.length + piece.length > maxLength - 1) break;
    result += piece;
  }
  return `${result}…`;
}

/**
 * The stamp as header or footer content, centred (`&C`), within Excel's 255 characters. When the lines
 * are too long together, the longest give way first: every line is cut to the same width, the widest
 * that fits, so a short line (the download id, the recipient) stays whole while a long project or
 * organisation name is shortened.
 */
export function stampHeaderFooter(stamp: XlsxStamp): string {
  const prefix = '&C';
  const separator = ' · ';
  const lines = stamp.lines.map((line) => line.trim()).filter((line) => line !== '');
  const lengths = lines.map((line) => headerFooterText(line).length);
  const budget = MAX_HEADER_FOOTER_LENGTH - prefix.length - separator.length * Math.max(0, lines.length - 1);
  let width = Math.max(0, ...lengths);
  while (width > 0 && lengths.reduce((sum, length) => sum + Math.min(length, width), 0) > budget) width--;
  return prefix + lines.map((line) => fitHeaderFooterLine(line, width)).join(separator);
}

/**
 * How much of a sheet's XML may wait for the compressor before the writer stops pulling rows: a few
 * thousand rows of a wide sheet, enough that compressing never waits for rows, small enough that any
 * number of concurrent downloads stays within memory.
 */
const MAX_PENDING_XML_BYTES = 1 << 20;

/** The part of a stream's state that says how much it holds (Node's and readable-stream's streams alike). */
interface BufferingStream extends NodeJS.EventEmitter {
  _writableState?: { length: number };
  _readableState?: { length: number };
}

/**
 * The stream in which a sheet's XML waits for the compressor, or null when exceljs is not built as
 * expected. exceljs's streaming writer hands a sheet's XML to archiver through its own buffer, which
 * ignores backpressure (its `write` always returns true and never waits for the stream it pipes into),
 * and the compressor runs on libuv's thread pool, whose results arrive only when the event loop gets a
 * turn, which a loop over rows produced without I/O does not give it. So the XML piles up, unseen,
 * in the pass-through archiver puts behind that buffer (archiver-utils `normalizeInputSource`):
 * 200,000 rows left 100 MB there. The writer watches that stream (exceljs 4.4's
 * `WorksheetWriter.stream.pipes`) and waits for its `drain`. If an upgrade of exceljs moves it, the
 * writer still stops for a slow reader (the output's own backpressure), and the test of a stalled
 * compressor in write-dataset.test.ts fails and says why.
 */
function pendingXmlStream(worksheet: ExcelJS.Worksheet): BufferingStream | null {
  const pipes = (worksheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  const pending = Array.isArray(pipes) ? (pipes[0] as BufferingStream | undefined) : undefined;
  return pending?._writableState && pending._readableState ? pending : null;
}

function pendingXmlBytes(pending: BufferingStream): number {
  return (pending._writableState?.length ?? 0) + (pending._readableState?.length ?? 0);
}

/** Resolves on the first of `events` on any of the emitters, and leaves no listener behind. */
function firstEvent(targets: Array<[NodeJS.EventEmitter, string[]]>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const [emitter, events] of targets) for (const event of events) emitter.off(event, done);
      resolve();
    };
    for (const [emitter, events] of targets) for (const event of events) emitter.on(event, done);
  });
}

/**
 * The delivery as an XLSX workbook, written as it is read: the stamp sheet first (`Gatehouse`, the
 * sheet Excel opens on), then one sheet per delivery sheet, each row committed as it comes, with the
 * stamp in the header and footer of every sheet (printed on every page). No shared strings (a table of
 * every distinct text would grow with the dataset); styles on, for the bold header row. A row is pulled
 * only when neither the reader nor the compressor is behind, so memory stays bounded whatever the size
 * of the dataset and the speed of the download. An error of the rows destroys the returned stream with
 * that error; a download abandoned by its reader stops pulling rows.
 */
export function writeXlsxDelivery(sheets: AsyncIterable<DeliverySheet>, stamp: XlsxStamp): Readable {
  const output = new PassThrough();
  writeWorkbook(sheets, stamp, output).catch((err: unknown) => output.destroy(err instanceof Error ? err : new Error(String(err))));
  return output;
}

async function writeWorkbook(sheets: AsyncIterable<DeliverySheet>, stamp: XlsxStamp, output: PassThrough): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: true });
  const stampText = stampHeaderFooter(stamp);
  // Odd and even pages alike: Excel uses the even ones only when told they differ, but a reader or an
  // edit that turns that on must not print pages without the stamp.
  const headerFooter = { oddHeader: stampText, oddFooter: stampText, evenHeader: stampText, evenFooter: stampText };

  const stampSheet = workbook.addWorksheet(STAMP_SHEET_NAME, { headerFooter });
  stampSheet.getColumn(1).width = 100;
  for (const line of stamp.lines) {
    const row = stampSheet.addRow([line]);
    row.font = { bold: true };
    row.commit();
  }
  stampSheet.commit();

  const taken = new Set<string>([STAMP_SHEET_NAME.toLowerCase()]);
  for await (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(toExcelSheetName(sheet.name, taken), {
      headerFooter,
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    // Column names are text whatever they look like: a column called `2026` is not a number.
    const headerRow = worksheet.addRow(sheet.header.map((name) => (name === '' ? null : name)));
    headerRow.font = { bold: true };
    headerRow.commit();
    const pending = pendingXmlStream(worksheet);
    for await (const cells of sheet.rows) {
      worksheet.addRow(cells.map(toXlsxCellValue)).commit();
      while (!output.destroyed && (output.writableNeedDrain || (pending && pendingXmlBytes(pending) > MAX_PENDING_XML_BYTES))) {
        await firstEvent([
          [output, ['drain', 'close']],
          ...(pending ? [[pending, ['drain']] as [NodeJS.EventEmitter, string[]]] : []),
        ]);
      }
      // Abandoned by its reader: leaving the loops returns the rows' and sheets' iterators.
      if (output.destroyed) return;
    }
    worksheet.commit();
  }
  await workbook.commit();
}
