import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import type { DeliverySheet } from './delivery-sheet.js';
import { ArchiveAbandoned, deflateRun, ZipWriter, type DeflatedRun } from './zip-writer.js';

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
 * text (their form would change). A text beginning with `=` is a string cell: the writer never writes a
 * formula (`<f>`), and Excel does not evaluate a string cell. An empty text is no cell at all, which
 * reads back as empty.
 * What XLSX cannot carry exactly: XML 1.0 has no control characters but tab and line ends, so the
 * writer leaves the others out (xmlText), and an XML reader turns a carriage return into a line feed;
 * Excel's own `_x000D_` escape is not written (exceljs, which reads deliveries back in the tests, does
 * not read it). Such a value is exact only in a CSV delivery.
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
 * Characters XML 1.0 cannot hold, left out as exceljs leaves them out (C0 controls but tab, line feed
 * and carriage return; DEL), and the two non-characters U+FFFE and U+FFFF.
 */
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g;
const XML_SPECIAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** `text` as XML character data or an attribute value. */
export function xmlText(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text.replace(NOT_IN_XML, '').replace(/[&<>"']/g, (c) => XML_ENTITIES[c]!);
}

/** The letters of a column (0 → A, 26 → AA). */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/** A cell of a row (`r` its number): a number, a text (`t="str"`, as exceljs writes one without shared strings) or, empty, no cell at all. */
export function cellXml(letters: string, r: number, text: string, style: string): string {
  const value = toXlsxCellValue(text);
  if (value === null) return '';
  return typeof value === 'number' ? `<c r="${letters}${r}"${style}><v>${text}</v></c>` : `<c r="${letters}${r}"${style} t="str"><v>${xmlText(value)}</v></c>`;
}

/**
 * A row of a data sheet: its cells without references, an empty one as `<c/>` (ECMA-376 makes both the
 * row's and the cell's `r` optional: each is the one after the one before). A row is then the same XML
 * wherever a download's order puts it, which lets a party's copy keep it compressed (party-copy.ts).
 * Excel, LibreOffice, Google Sheets and openpyxl read such rows; exceljs needs the references.
 */
export function dataRowXml(cells: string[]): string {
  let xml = '<row>';
  for (const text of cells) {
    const value = toXlsxCellValue(text);
    xml += value === null ? '<c/>' : typeof value === 'number' ? `<c><v>${text}</v></c>` : `<c t="str"><v>${xmlText(value)}</v></c>`;
  }
  return `${xml}</row>`;
}

const NAMESPACES =
  'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const PAGE = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>';
/** Style 1 is bold (styles.xml below): the stamp lines and each data sheet's header row. */
const BOLD = ' s="1"';

/** The styles of every delivery, as exceljs writes them: the default font, and the same in bold. */
const STYLES = `${XML_DECLARATION}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/></styleSheet>`;

/** exceljs's copy of Office's default theme (the fonts and colours styles.xml refers to). */
const THEME = createRequire(import.meta.url)('exceljs/lib/xlsx/xml/theme1.js') as string;

/** The sheets' XML is handed to the compressor in pieces of about this many characters. */
const XML_PIECE = 1 << 16;

/**
 * zlib's level for the workbook: 1, its fastest. A sheet's XML is most of a delivery's work, and
 * level 6 (Excel's) spends three times as long on it for a file about 30% smaller.
 */
const DEFLATE_LEVEL = 1;

/**
 * The delivery as an XLSX workbook, written as it is read: the stamp sheet first (`Gatehouse`, the
 * sheet Excel opens on), then one sheet per delivery sheet, with the stamp in the header and footer of
 * every sheet (printed on every page). Each sheet's XML is written here, row by row, straight into the
 * compressor of a streamed zip (zip-writer.ts): no shared strings (a table of every distinct text would
 * grow with the dataset); styles for the bold stamp and header row. A row is pulled only when neither
 * the reader nor the compressor is behind, so memory stays bounded whatever the size of the dataset and
 * the speed of the download. An error of the rows destroys the returned stream with that error; a
 * download abandoned by its reader stops pulling rows.
 */
export function writeXlsxDelivery(sheets: AsyncIterable<DeliverySheet>, stamp: XlsxStamp): Readable {
  return writeXlsxWorkbook(sheetsAsXml(sheets), stamp);
}

/**
 * A data sheet of a workbook being written: its name and header, and its rows (`<row>` elements after
 * the header row, dataRowXml), either as XML handed to `put` piece by piece, waiting for each, or
 * compressed ahead (a party's copy, party-copy.ts).
 */
export type XlsxSheetSource = { name: string; header: string[] } & (
  | { writeRows(put: (xml: Buffer) => Promise<void>): Promise<void> }
  | { deflatedRows(): AsyncIterable<DeflatedRun> }
);

/** The rows of delivery sheets as XML, made here cell by cell from their text. */
async function* sheetsAsXml(sheets: AsyncIterable<DeliverySheet>): AsyncGenerator<XlsxSheetSource> {
  for await (const sheet of sheets) {
    yield {
      name: sheet.name,
      header: sheet.header,
      async writeRows(put) {
        let xml = '';
        for await (const cells of sheet.rows) {
          xml += dataRowXml(cells);
          if (xml.length >= XML_PIECE) {
            await put(Buffer.from(xml, 'utf8'));
            xml = '';
          }
        }
        await put(Buffer.from(xml, 'utf8'));
      },
    };
  }
}

/** The workbook of `sheets` (whose rows are XML already), stamped: see writeXlsxDelivery. */
export function writeXlsxWorkbook(sheets: AsyncIterable<XlsxSheetSource>, stamp: XlsxStamp): Readable {
  // A compressed piece made ahead of the reader (zip-writer.ts makes pieces of up to 256 KiB).
  const output = new PassThrough({ highWaterMark: 1 << 18 });
  writeWorkbook(sheets, stamp, output).catch((err: unknown) => {
    if (err instanceof ArchiveAbandoned) return;
    output.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return output;
}

async function writeWorkbook(sheets: AsyncIterable<XlsxSheetSource>, stamp: XlsxStamp, output: PassThrough): Promise<void> {
  const zip = new ZipWriter(output, DEFLATE_LEVEL);
  const stampText = xmlText(stampHeaderFooter(stamp));
  // Odd and even pages alike: Excel uses the even ones only when told they differ, but a reader or an
  // edit that turns that on must not print pages without the stamp.
  const headerFooter = `<headerFooter><oddHeader>${stampText}</oddHeader><oddFooter>${stampText}</oddFooter><evenHeader>${stampText}</evenHeader><evenFooter>${stampText}</evenFooter></headerFooter>`;
  const names = [STAMP_SHEET_NAME];

  await zip.file(
    'xl/worksheets/sheet1.xml',
    `${XML_DECLARATION}<worksheet ${NAMESPACES}><cols><col min="1" max="1" width="100" customWidth="1"/></cols><sheetData>${stamp.lines
      .map((line, i) => `<row r="${i + 1}">${cellXml('A', i + 1, line, BOLD) || `<c r="A${i + 1}"${BOLD}/>`}</row>`)
      .join('')}</sheetData>${PAGE}${headerFooter}</worksheet>`,
  );

  const taken = new Set<string>([STAMP_SHEET_NAME.toLowerCase()]);
  for await (const sheet of sheets) {
    names.push(toExcelSheetName(sheet.name, taken));
    const letters = sheet.header.map((_, i) => columnLetters(i));
    // Column names are text whatever they look like: a column called `2026` is not a number.
    const header = sheet.header.map((name, i) => (name === '' ? '' : `<c r="${letters[i]}1"${BOLD} t="str"><v>${xmlText(name)}</v></c>`)).join('');
    const opening = Buffer.from(
      `${XML_DECLARATION}<worksheet ${NAMESPACES}><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>` +
        `<sheetData><row r="1">${header}</row>`,
      'utf8',
    );
    const closing = Buffer.from(`</sheetData>${PAGE}${headerFooter}</worksheet>`, 'utf8');
    const part = `xl/worksheets/sheet${names.length}.xml`;
    if ('deflatedRows' in sheet) {
      await zip.deflatedEntry(part, (async function* () {
        yield deflateRun(opening);
        yield* sheet.deflatedRows();
        yield deflateRun(closing);
      })());
      continue;
    }
    await zip.entry(part, async (put) => {
      await put(opening);
      await sheet.writeRows(put);
      await put(closing);
    });
  }

  const sheetList = names.map((name, i) => `<sheet name="${xmlText(name)}" sheetId="${i + 1}" r:id="rId${i + 3}"/>`).join('');
  await zip.file('xl/workbook.xml', `${XML_DECLARATION}<workbook ${NAMESPACES}><bookViews><workbookView activeTab="0"/></bookViews><sheets>${sheetList}</sheets></workbook>`);
  await zip.file(
    'xl/_rels/workbook.xml.rels',
    `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>${names
      .map((_, i) => `<Relationship Id="rId${i + 3}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
      .join('')}</Relationships>`,
  );
  await zip.file('xl/styles.xml', STYLES);
  await zip.file('xl/theme/theme1.xml', THEME);
  await zip.file(
    '_rels/.rels',
    `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  );
  await zip.file(
    '[Content_Types].xml',
    `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${names
      .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
      .join('')}<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
  );
  await zip.finish();
}
