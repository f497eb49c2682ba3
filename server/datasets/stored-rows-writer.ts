import type { RowScope, SheetPlan } from './delivery-plan.js';
import { BLOCK_ROWS, orderOffsets } from './fingerprint.js';
import { PSEUDONYM_MAC_BYTES } from './personal-data.js';
import { PseudonymHasher } from './pseudonym-hasher.js';
import { BLANK, KNOWN, pseudonymColumn, type PseudonymColumn } from './pseudonym-columns.js';
import { cellStart, storedCell, type RowBlock } from './row-store.js';
import { idOfValue, valueColumn, type ValueColumn } from './value-columns.js';

/**
 * What the writers of a delivery from the row store (csv-from-row-store.ts, xlsx-from-row-store.ts)
 * share: a block's output buffer, which of its rows are the recipient's and in which order
 * (fingerprint.ts), and the pseudonyms of a row's direct cells, read from the party's pseudonym
 * columns (pseudonym-columns.ts) or made and kept there. Cells are read as bytes of the store's lines;
 * a cell becomes a string only to be transformed, once per distinct value (CellMemo).
 */

/**
 * Distinct cells a delivery remembers the treatment of (pseudonym, generalisation, whether the row is
 * the recipient's), by their bytes in the store: dropped whole when full (a table's values come in no
 * order an LRU would exploit). 65,536 holds every birth date of a census, within a few megabytes.
 */
const REMEMBERED_CELLS = 65_536;

/** Finds after which a memory that is seldom right is turned off (CellMemo). */
const MEMO_TRIAL = 4_096;

/**
 * What a delivery has made of cells it has met, found by the cell's bytes in the store without making
 * a string of them (a string per cell of a million rows is most of a delivery's garbage): a 32-bit
 * FNV-1a hash of the bytes, then the bytes compared.
 */
export class CellMemo<V> {
  private buckets = new Map<number, Array<{ bytes: Buffer; value: V }>>();
  private size = 0;
  private hash = 0;
  private finds = 0;
  private hits = 0;
  /**
   * Off once the first MEMO_TRIAL finds found less than a quarter remembered: a column of values met
   * once each (an employee number) gains nothing from a memory and pays for every entry of it.
   */
  private off = false;

  /** Whether this memory is in use (not turned off for a column of values met once each). */
  get remembering(): boolean {
    return !this.off;
  }

  /** The value remembered for the bytes lines[start, end), or undefined; remembers their hash for `add`. */
  find(lines: Buffer, start: number, end: number): V | undefined {
    if (this.off) return undefined;
    if (++this.finds === MEMO_TRIAL && this.hits * 4 < MEMO_TRIAL) {
      this.off = true;
      this.buckets = new Map();
      return undefined;
    }
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ lines[i]!, 0x01000193);
    this.hash = h;
    const bucket = this.buckets.get(h);
    if (!bucket) return undefined;
    const length = end - start;
    for (const entry of bucket) {
      const bytes = entry.bytes;
      if (bytes.length !== length) continue;
      let i = 0;
      while (i < length && bytes[i] === lines[start + i]) i++;
      if (i === length) {
        this.hits++;
        return entry.value;
      }
    }
    return undefined;
  }

  /** Remembers `value` for the bytes `find` was last asked about. */
  add(lines: Buffer, start: number, end: number, value: V): void {
    if (this.off) return;
    if (this.size >= REMEMBERED_CELLS) {
      this.buckets = new Map();
      this.size = 0;
    }
    const entry = { bytes: Buffer.from(lines.subarray(start, end)), value };
    const bucket = this.buckets.get(this.hash);
    if (bucket) bucket.push(entry);
    else this.buckets.set(this.hash, [entry]);
    this.size++;
  }
}

/** The upper-case hex digits of each byte, as two ASCII codes. */
export const HEX = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const digits = b.toString(16).toUpperCase().padStart(2, '0');
  HEX[b * 2] = digits.charCodeAt(0);
  HEX[b * 2 + 1] = digits.charCodeAt(1);
}

/** `P-` and 16 hex digits. */
export const PSEUDONYM_BYTES = 2 + PSEUDONYM_MAC_BYTES * 2;

export interface StoredRowsOptions {
  /** The delivery's order key (fingerprint.ts); null: rows as stored (a party's copy, party-copy.ts, is made so). */
  orderKey: Buffer | null;
  /** The rows the order moves together (fingerprint.ts ORDER_GROUP_ROWS); 1 when omitted. */
  groupRows?: number;
  roomSecret: Buffer;
  /** The recipient's party ('' for none), whose pseudonyms the delivery holds. */
  partyId: string;
  /** The version (its stored file's key) whose pseudonyms a party keeps between deliveries (pseudonym-columns.ts). */
  versionKey: string;
  /** The sheet's stored rows (its description's count). */
  sheetRows: number;
}

/** A block's output, written into a buffer of its own, and the rules for its rows. */
export abstract class StoredRowsWriter {
  protected out = Buffer.alloc(0);
  protected at = 0;
  /** By stored column (arrays, not maps: they are read for every cell). */
  private readonly pseudonymColumns: Array<PseudonymColumn | null> = [];
  /** Per pseudonymised column: the MACs of values met (a name comes back row after row). */
  private readonly macMemos: Array<CellMemo<Buffer | null> | undefined> = [];
  private readonly hasher: PseudonymHasher;
  private readonly inScope = new CellMemo<boolean>();
  /** Whether the rows holding each value of the entity column are the recipient's: 0 not decided yet, 1 yes, 2 no. */
  private readonly inScopeById = new Uint8Array(65_536);
  private readonly valueColumns: Array<{ column: ValueColumn | null; ids: CellMemo<number> } | undefined> = [];

  constructor(
    protected readonly plan: SheetPlan,
    protected readonly options: StoredRowsOptions,
  ) {
    this.hasher = new PseudonymHasher(options.roomSecret, options.partyId);
    for (const c of plan.columns) {
      if (c.treatment === 'pseudonymised') this.pseudonymColumns[c.at] = pseudonymColumn(options.versionKey, options.partyId, plan.sheet, c.at, options.sheetRows);
    }
  }

  /** Where the output of each row of the block ends, in the order written (valid until the next block). */
  readonly rowEnds = new Int32Array(BLOCK_ROWS);

  /** A fresh output buffer of `bytes` for the next block: the previous one may still wait to be sent. */
  protected begin(bytes: number): void {
    this.out = Buffer.allocUnsafe(bytes);
    this.at = 0;
  }

  protected room(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + bytes));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }

  /** Copies bytes[from, to) to the output: byte by byte when short (a native copy costs more than a cell's few bytes). */
  protected copy(bytes: Buffer, from: number, to: number): void {
    this.room(to - from);
    if (to - from > 256) {
      bytes.copy(this.out, this.at, from, to);
      this.at += to - from;
      return;
    }
    const out = this.out;
    let o = this.at;
    for (let i = from; i < to; i++) out[o++] = bytes[i]!;
    this.at = o;
  }

  /** `P-` and the MAC's 16 upper-case hex digits. */
  protected putMac(macs: Buffer, from: number): void {
    this.room(PSEUDONYM_BYTES);
    const out = this.out;
    let o = this.at;
    out[o++] = 0x50; // P
    out[o++] = 0x2d; // -
    for (let i = 0; i < PSEUDONYM_MAC_BYTES; i++) {
      const b = macs[from + i]! * 2;
      out[o++] = HEX[b]!;
      out[o++] = HEX[b + 1]!;
    }
    this.at = o;
  }

  /**
   * The number (plus one) of the value of cell `at` of row r in its column's values (value-columns.ts),
   * read from the column when a delivery has read the row before, else found and noted there; 0 when the
   * column is not kept (too large, or too many distinct values).
   */
  protected valueId(b: RowBlock, r: number, at: number): number {
    let kept = this.valueColumns[at];
    if (!kept) {
      kept = { column: valueColumn(this.options.versionKey, this.plan.sheet, at, this.options.sheetRows), ids: new CellMemo() };
      this.valueColumns[at] = kept;
    }
    const column = kept.column;
    const row = b.block * BLOCK_ROWS + r;
    if (!column || column.givenUp || row >= column.ids.length) return 0;
    const known = column.ids[row]!;
    if (known !== 0) return known;
    const start = cellStart(b, r, at);
    const end = b.ends[r * b.columns + at]!;
    let id = kept.ids.find(b.lines, start, end);
    if (id === undefined) {
      id = idOfValue(column, storedCell(b, r, at));
      kept.ids.add(b.lines, start, end, id);
    }
    if (id !== 0 && !column.givenUp) column.ids[row] = id;
    return column.givenUp ? 0 : id;
  }

  /** The stored value numbered `id` (valueId) of column `at`. */
  protected valueOf(at: number, id: number): string {
    return this.valueColumns[at]!.column!.values[id - 1]!;
  }

  /** Whether a value of the entity column makes its row the recipient's. */
  private entityInScope(value: string): boolean {
    const rows = this.plan.rows as RowScope & { kind: 'entity' };
    const entityId = rows.entityOf.get(value);
    return entityId !== undefined && rows.allowed.has(entityId);
  }

  /** Whether row r of the block is the recipient's. */
  private keeps(b: RowBlock, r: number): boolean {
    const rows = this.plan.rows;
    if (rows.kind !== 'entity') return rows.kind === 'all';
    const id = this.valueId(b, r, rows.column);
    if (id !== 0) {
      let decided = this.inScopeById[id];
      if (decided === 0) this.inScopeById[id] = decided = this.entityInScope(this.valueOf(rows.column, id)) ? 1 : 2;
      return decided === 1;
    }
    const start = cellStart(b, r, rows.column);
    const end = b.ends[r * b.columns + rows.column]!;
    let kept = this.inScope.find(b.lines, start, end);
    if (kept === undefined) {
      kept = this.entityInScope(storedCell(b, r, rows.column));
      this.inScope.add(b.lines, start, end, kept);
    }
    return kept;
  }

  /** The recipient's rows of the block (their offsets in it), in the delivery's order; null when none is theirs. */
  protected deliveredRows(b: RowBlock): Int32Array | null {
    const offsets = new Int32Array(b.rows);
    let kept = 0;
    for (let r = 0; r < b.rows; r++) if (this.keeps(b, r)) offsets[kept++] = r;
    if (kept === 0) return null;
    return this.options.orderKey ? orderOffsets(this.options.orderKey, b.sheet, b.block, offsets.subarray(0, kept), this.options.groupRows) : offsets.subarray(0, kept);
  }

  /** The bytes `pseudonymAt` found a MAC in. */
  protected macSource: Buffer = Buffer.alloc(0);

  /**
   * The pseudonym of cell `at` of row r: its MAC's place in `macSource` (written as `P-` and 16 hex
   * digits by the caller), or -1 for a blank cell (spaces alone are no value: they stay empty, as
   * pseudonymOf says).
   */
  protected pseudonymAt(b: RowBlock, r: number, at: number): number {
    const column = this.pseudonymColumns[at] ?? null;
    const row = b.block * BLOCK_ROWS + r;
    const kept = column && row < column.state.length ? column : null;
    if (kept) {
      const state = kept.state[row];
      if (state === KNOWN) {
        this.macSource = kept.macs;
        return row * PSEUDONYM_MAC_BYTES;
      }
      if (state === BLANK) return -1;
    }
    const start = cellStart(b, r, at);
    const end = b.ends[r * b.columns + at]!;
    let memo = this.macMemos[at];
    if (!memo) this.macMemos[at] = memo = new CellMemo();
    let mac = memo.find(b.lines, start, end);
    if (mac === undefined) {
      const value = storedCell(b, r, at);
      if (value.trim() === '') mac = null;
      else if (kept && !memo.remembering) {
        // Values met once each (an employee number): made straight into the party's column.
        this.hasher.macInto(value, kept.macs, row * PSEUDONYM_MAC_BYTES);
        kept.state[row] = KNOWN;
        this.macSource = kept.macs;
        return row * PSEUDONYM_MAC_BYTES;
      } else {
        mac = Buffer.allocUnsafe(PSEUDONYM_MAC_BYTES);
        this.hasher.macInto(value, mac, 0);
      }
      memo.add(b.lines, start, end, mac);
    }
    if (kept) {
      if (mac) mac.copy(kept.macs, row * PSEUDONYM_MAC_BYTES, 0, PSEUDONYM_MAC_BYTES);
      kept.state[row] = mac ? KNOWN : BLANK;
    }
    if (!mac) return -1;
    this.macSource = mac;
    return 0;
  }

}
