import type { SheetPlan } from './delivery-plan.js';
import { generalised } from './personal-data.js';
import { cellStart, storedCell, type RowBlock } from './row-store.js';
import { MAX_DISTINCT_VALUES } from './value-columns.js';
import { CellMemo, PSEUDONYM_BYTES, StoredRowsWriter, type StoredRowsOptions } from './stored-rows-writer.js';
import { toXlsxCellValue, xmlText } from './write-xlsx.js';

/**
 * Sheet rows written from the row store (row-store.ts), for a party's copy (party-copy.ts): the same
 * rows as write-xlsx.ts writes from delivery sheets (dataRowXml: numbers where the text is a canonical
 * number, text otherwise, `<c/>` for an empty one), made as XML straight from the store's bytes. A cell that is plain text in the
 * store (most of them) is copied with XML's escaping done byte by byte; only a cell that may be a number,
 * was escaped for CSV, or is transformed (pseudonym, generalisation) is read as text, once per distinct
 * value.
 */

/** What a cell's text becomes: a number cell or a text cell, and its value as XML. */
interface CellValue {
  numeric: boolean;
  xml: Buffer;
}

const ascii = (text: string) => Buffer.from(text, 'latin1');
const NUMBER_OPEN = ascii('<c><v>');
const TEXT_OPEN = ascii('<c t="str"><v>');
const CELL_CLOSE = ascii('</v></c>');
const EMPTY_CELL = ascii('<c/>');
const ROW_OPEN = ascii('<row>');
const ROW_CLOSE = ascii('</row>');

/** The XLSX cell of a text (write-xlsx.ts toXlsxCellValue), or null for no cell. */
function cellValueOf(text: string): CellValue | null {
  const value = toXlsxCellValue(text);
  if (value === null) return null;
  return typeof value === 'number' ? { numeric: true, xml: ascii(text) } : { numeric: false, xml: Buffer.from(xmlText(value), 'utf8') };
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Whether a stored cell's bytes are a number as JavaScript writes it without an exponent, with at most
 * 15 significant digits (toXlsxCellValue's numbers, but for `1e+21` and the like): a minus, digits
 * without a leading zero, a fraction not ending in 0, not `-0`, and, below 1, fewer than six zeros after
 * the point (JavaScript writes 0.0000001 as 1e-7). Such a decimal is the one double's shortest form.
 */
export function plainNumber(lines: Buffer, start: number, end: number): boolean {
  let i = start;
  if (lines[i] === 0x2d) i++;
  const intStart = i;
  while (i < end && isDigit(lines[i]!)) i++;
  const intEnd = i;
  if (intEnd === intStart || (lines[intStart] === 0x30 && intEnd - intStart > 1) || intEnd - intStart > 21) return false;
  let fracStart = end;
  if (i < end) {
    if (lines[i] !== 0x2e) return false;
    fracStart = ++i;
    while (i < end && isDigit(lines[i]!)) i++;
    if (i !== end || fracStart === end || lines[end - 1] === 0x30) return false;
  }
  const zeroInteger = intEnd - intStart === 1 && lines[intStart] === 0x30;
  if (zeroInteger && fracStart === end) return start === intStart; // 0, not -0
  // Significant digits: from the first non-zero digit to the last non-zero one, the point not counted.
  let first = intStart;
  while (first < end && (lines[first] === 0x30 || lines[first] === 0x2e)) first++;
  if (zeroInteger && first - fracStart >= 6) return false;
  let last = end - 1;
  while (last > first && (lines[last] === 0x30 || lines[last] === 0x2e)) last--;
  let digits = last - first + 1;
  if (first < fracStart - 1 && last >= fracStart) digits--; // the point between them
  return digits <= 15;
}

/** Whether a stored cell's bytes hold an exponent after a digit (`1e+21`): such a cell is decided from its text. */
function hasExponent(lines: Buffer, start: number, end: number): boolean {
  if (!isDigit(lines[start]!) && lines[start] !== 0x2d) return false;
  for (let i = start + 1; i < end; i++) if (lines[i] === 0x65 || lines[i] === 0x45) return true;
  return false;
}

const ENTITY: Record<number, Buffer> = { 0x22: ascii('&quot;'), 0x26: ascii('&amp;'), 0x27: ascii('&apos;'), 0x3c: ascii('&lt;'), 0x3e: ascii('&gt;') };

/**
 * Writes one block's delivered rows as `<row>` elements without cell references (write-xlsx.ts
 * dataRowXml): a row's XML is the same wherever a download puts it, so a party's copy keeps it made
 * and compressed once (party-copy.ts). An empty cell is `<c/>`, keeping the cells after it in place.
 */
export class XlsxBlockWriter extends StoredRowsWriter {
  private readonly values = new CellMemo<CellValue | null>();
  private readonly generalisations = new Map<number, CellMemo<CellValue | null>>();

  constructor(plan: SheetPlan, options: StoredRowsOptions) {
    super(plan, options);
    for (const c of plan.columns) if (c.treatment === 'generalised') this.generalisations.set(c.at, new CellMemo());
  }

  /** The opening of a cell and its value. */
  private cellOpen(numeric: boolean): void {
    const open = numeric ? NUMBER_OPEN : TEXT_OPEN;
    this.copy(open, 0, open.length);
  }

  private emptyCell(): void {
    this.copy(EMPTY_CELL, 0, EMPTY_CELL.length);
  }

  private putValue(value: CellValue | null): void {
    if (!value) return this.emptyCell();
    this.cellOpen(value.numeric);
    this.copy(value.xml, 0, value.xml.length);
    this.copy(CELL_CLOSE, 0, CELL_CLOSE.length);
  }

  /** Text from the store's bytes as XML: `& < > " '` escaped, what XML cannot hold (write-xlsx.ts NOT_IN_XML) left out. */
  private putText(lines: Buffer, start: number, end: number): void {
    this.room((end - start) * 6);
    const out = this.out;
    let o = this.at;
    for (let i = start; i < end; i++) {
      const c = lines[i]!;
      if (c >= 0x3f && c !== 0x7f && c !== 0xef) out[o++] = c;
      else if (c === 0xef) {
        // U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters.
        if (i + 2 < end && lines[i + 1] === 0xbf && (lines[i + 2] === 0xbe || lines[i + 2] === 0xbf)) i += 2;
        else out[o++] = c;
      } else if (ENTITY[c]) {
        const entity = ENTITY[c]!;
        for (let k = 0; k < entity.length; k++) out[o++] = entity[k]!;
      } else if (c >= 0x20 ? c !== 0x7f : c === 0x09 || c === 0x0a || c === 0x0d) out[o++] = c;
    }
    this.at = o;
  }

  private asStored(b: RowBlock, r: number, at: number): void {
    const start = cellStart(b, r, at);
    const end = b.ends[r * b.columns + at]!;
    if (start === end) return this.emptyCell();
    const first = b.lines[start]!;
    if (plainNumber(b.lines, start, end)) {
      this.cellOpen(true);
      this.copy(b.lines, start, end);
      this.copy(CELL_CLOSE, 0, CELL_CLOSE.length);
      return;
    }
    // A field quoted or prefixed for CSV, or one with an exponent, is decided from its text.
    if (first === 0x22 || first === 0x27 || hasExponent(b.lines, start, end)) {
      let value = this.values.find(b.lines, start, end);
      if (value === undefined) {
        value = cellValueOf(storedCell(b, r, at));
        this.values.add(b.lines, start, end, value);
      }
      return this.putValue(value);
    }
    this.cellOpen(false);
    this.putText(b.lines, start, end);
    this.copy(CELL_CLOSE, 0, CELL_CLOSE.length);
  }

  /** Each generalised column's cells, by the stored value's number (valueId); arrays of their full size, which V8 keeps as arrays. */
  private readonly generalisedById: Array<Array<CellValue | null | undefined> | undefined> = [];

  private generalise(b: RowBlock, r: number, at: number, type: SheetPlan['columns'][number]['type']): void {
    const id = this.valueId(b, r, at);
    if (id !== 0) {
      let cells = this.generalisedById[at];
      if (!cells) this.generalisedById[at] = cells = new Array<CellValue | null | undefined>(MAX_DISTINCT_VALUES + 1).fill(undefined);
      let cell = cells[id];
      if (cell === undefined) cells[id] = cell = cellValueOf(generalised(this.valueOf(at, id), type));
      return this.putValue(cell);
    }
    const memo = this.generalisations.get(at)!;
    const start = cellStart(b, r, at);
    const end = b.ends[r * b.columns + at]!;
    let value = memo.find(b.lines, start, end);
    if (value === undefined) {
      value = cellValueOf(generalised(storedCell(b, r, at), type));
      memo.add(b.lines, start, end, value);
    }
    this.putValue(value);
  }

  /** The block's delivered rows as XML, in the delivery's order (where each ends: rowEnds); null when none is the recipient's. */
  write(b: RowBlock): { xml: Buffer; rows: Int32Array } | null {
    const rows = this.deliveredRows(b);
    if (!rows) return null;
    const columns = this.plan.columns;
    this.begin(rows.length * (16 + columns.length * (24 + PSEUDONYM_BYTES)) + Math.ceil((b.ends[b.rows * b.columns - 1]! * rows.length) / b.rows));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      this.copy(ROW_OPEN, 0, ROW_OPEN.length);
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c]!;
        if (column.treatment === 'as_stored') this.asStored(b, r, column.at);
        else if (column.treatment === 'pseudonymised') {
          const mac = this.pseudonymAt(b, r, column.at);
          if (mac >= 0) {
            this.cellOpen(false);
            this.putMac(this.macSource, mac);
            this.copy(CELL_CLOSE, 0, CELL_CLOSE.length);
          } else this.emptyCell();
        }
        else this.generalise(b, r, column.at, column.type);
      }
      this.copy(ROW_CLOSE, 0, ROW_CLOSE.length);
      this.rowEnds[i] = this.at;
    }
    return { xml: this.out.subarray(0, this.at), rows };
  }
}
