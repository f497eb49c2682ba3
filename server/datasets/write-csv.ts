import { Readable } from 'node:stream';
import type { DeliverySheet } from './delivery-sheet.js';

/**
 * A plain number in the form a CSV writes one: an optional minus, digits, an optional fraction and
 * exponent. A spreadsheet reads it as a number constant, which computes nothing, so it is delivered as
 * stored. A leading `+` is not part of it on purpose: `+44` is how a telephone country code or a
 * formula begins, not how a stored number is written, and Excel would still parse `+44` as an
 * expression (showing 44), so it is escaped like every other cell starting with `+`.
 */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * The first characters that make Excel, LibreOffice or Google Sheets evaluate a CSV cell as a formula
 * (OWASP "CSV Injection"): `=`, `+`, `-`, `@`, and tab or carriage return, which some spreadsheets
 * skip before looking for one of the others.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The first characters of a value that may need the text-prefix: a formula start, or `'` (see needsTextPrefix). */
const MAY_NEED_PREFIX = new Set([..."=+-@\t\r'"].map((c) => c.charCodeAt(0)));

/** The text-prefix a spreadsheet shows as text instead of evaluating what follows. */
const TEXT_PREFIX = "'";

function startsLikeFormula(value: string): boolean {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value);
}

/**
 * Whether a stored value is delivered with a `'` in front. A value that would run as a formula gets
 * one. So does a value that already begins with `'` followed (after any further apostrophes) by such a
 * formula start: delivered as it is, `'=1` would be read back by `unescapeCsvCell` as the escape of
 * `=1`, and a trace could not tell the two stored values apart. Prefixing one more `'` keeps the
 * escaping a bijection, while every other value beginning with `'` (`'tis`, `'-12`) is left exactly as
 * stored.
 */
function needsTextPrefix(value: string): boolean {
  // Most cells begin with none of these: answered without a regular expression.
  if (!MAY_NEED_PREFIX.has(value.charCodeAt(0))) return false;
  return startsLikeFormula(value.replace(/^'+/, ''));
}

/** The cell as a CSV delivery holds it: a formula-like value prefixed with `'` (see needsTextPrefix), any other as stored. */
export function escapeCsvCell(value: string): string {
  return needsTextPrefix(value) ? TEXT_PREFIX + value : value;
}

/**
 * The stored value of a cell of a CSV delivery: the inverse of `escapeCsvCell`, so a trace of a leaked
 * file compares the values that were stored, not their escaped forms. A `'` is removed only where
 * `escapeCsvCell` would have put one.
 */
export function unescapeCsvCell(cell: string): string {
  return cell.startsWith(TEXT_PREFIX) && needsTextPrefix(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * Characters that make a field quoted (RFC 4180): the delimiter, the quote, and a line end — a lone
 * CR or LF too, which a reader takes for the end of the record (csv-stringify, with a record delimiter
 * given, quoted only a whole CRLF).
 */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * A value as a field of a CSV delivery: escaped (escapeCsvCell), then quoted, its quotes doubled,
 * where RFC 4180 needs it. The row store
 * keeps its cells in this form (row-store.ts).
 */
export function csvField(value: string): string {
  const escaped = escapeCsvCell(value);
  return NEEDS_QUOTES.test(escaped) ? `"${escaped.replaceAll('"', '""')}"` : escaped;
}

/** Records written into one chunk of the download. */
const RECORDS_PER_CHUNK = 1024;

/** A record: its fields (csvField) joined by commas, CRLF after it (RFC 4180). */
const csvRecord = (cells: string[]) => `${cells.map(csvField).join(',')}\r\n`;

/**
 * The delivery's bytes, a batch of records at a time: a byte order mark (without it Excel reads the
 * file in the system's legacy code page and garbles `é€Ł张`), then the header and rows of the first
 * sheet only. CSV has no sheets, and the caller asks for exactly one sheet when the format is CSV, so
 * a further sheet is a caller's mistake that must not be folded into the same table under the wrong
 * header. Leaving the loop returns the sheets' iterator, letting its producer release whatever it holds.
 */
async function* csvChunks(sheets: AsyncIterable<DeliverySheet>): AsyncGenerator<Buffer> {
  for await (const sheet of sheets) {
    const width = sheet.header.length;
    yield Buffer.from(`\ufeff${csvRecord(sheet.header)}`, 'utf8');
    let records = '';
    let count = 0;
    for await (const row of sheet.rows) {
      // A short row is padded so every record has the header's number of fields (RFC 4180): readers
      // such as csv-parse refuse a ragged file by default. A longer one keeps its cells: no value is dropped.
      records += csvRecord(row.length < width ? [...row, ...Array<string>(width - row.length).fill('')] : row);
      if (++count === RECORDS_PER_CHUNK) {
        yield Buffer.from(records, 'utf8');
        records = '';
        count = 0;
      }
    }
    if (count > 0) yield Buffer.from(records, 'utf8');
    return;
  }
  throw new Error('A CSV delivery needs one sheet; none was given.');
}

/**
 * The delivery as a CSV file: UTF-8 with a byte order mark, comma-separated, CRLF line ends, RFC 4180
 * quoting. Rows are pulled only as the returned stream is read, a batch at a time, so a slow download
 * holds a batch or two, not the dataset. An error of the rows destroys the returned stream with that error.
 */
export function writeCsvDelivery(sheets: AsyncIterable<DeliverySheet>): Readable {
  return Readable.from(csvChunks(sheets), { objectMode: false });
}
