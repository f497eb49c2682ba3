import type { SheetPlan } from './delivery-plan.js';
import { generalised } from './personal-data.js';
import { cellStart, storedCell, type RowBlock } from './row-store.js';
import { MAX_DISTINCT_VALUES } from './value-columns.js';
import { CellMemo, PSEUDONYM_BYTES, StoredRowsWriter, type StoredRowsOptions } from './stored-rows-writer.js';
import { csvField } from './write-csv.js';

/**
 * CSV records written from the row store (row-store.ts), for a party's copy (party-copy.ts): the same
 * bytes as write-csv.ts writes for the same rows (deliverySheets → writeCsvDelivery), made block by
 * block without parsing or stringifying a record. The store's lines hold every cell already escaped and quoted for CSV, so a run
 * of columns delivered as stored is one copy of bytes; only the cells a delivery transforms (direct
 * columns as pseudonyms, quasi columns generalised) and the entity column (which rows are the
 * recipient's) are read as text. One block of rows is in memory at a time.
 */

/** One step of writing a delivered row: a run of stored columns copied, or one column transformed. */
type Step = { kind: 'copy'; first: number; last: number } | { kind: 'pseudonym'; at: number } | { kind: 'generalise'; at: number; type: SheetPlan['columns'][number]['type'] };

function stepsOf(plan: SheetPlan): Step[] {
  const steps: Step[] = [];
  for (const c of plan.columns) {
    const last = steps.at(-1);
    if (c.treatment === 'as_stored') {
      if (last?.kind === 'copy' && last.last === c.at - 1) last.last = c.at;
      else steps.push({ kind: 'copy', first: c.at, last: c.at });
    } else if (c.treatment === 'pseudonymised') steps.push({ kind: 'pseudonym', at: c.at });
    else steps.push({ kind: 'generalise', at: c.at, type: c.type });
  }
  return steps;
}

/**
 * Fields by the number of the value they were made from, their bytes side by side in one buffer: a
 * delivery copies one per row, and thousands of small buffers scattered over the heap cost a cache
 * miss or three each.
 */
class FieldTable {
  readonly starts = new Int32Array(MAX_DISTINCT_VALUES + 1).fill(-1);
  readonly lengths = new Int32Array(MAX_DISTINCT_VALUES + 1);
  bytes = Buffer.alloc(1 << 16);
  private used = 0;

  /** Keeps `field` as the field of value `id`; returns where it starts in `bytes`. */
  add(id: number, field: Buffer): number {
    if (this.used + field.length > this.bytes.length) {
      const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + field.length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    field.copy(this.bytes, this.used);
    this.starts[id] = this.used;
    this.lengths[id] = field.length;
    this.used += field.length;
    return this.starts[id]!;
  }
}

/** Writes one block's delivered rows as CSV records, in delivery order. */
export class CsvBlockWriter extends StoredRowsWriter {
  private readonly steps: Step[];
  /** Bytes a row's transformed cells may add to its stored line, roughly: the first guess of a block's size. */
  private readonly extraPerRow: number;
  private readonly generalisations = new CellMemo<Buffer>();

  constructor(plan: SheetPlan, options: StoredRowsOptions) {
    super(plan, options);
    this.steps = stepsOf(plan);
    this.extraPerRow = 2 + this.steps.length * (PSEUDONYM_BYTES + 1);
  }

  /** Each generalised column's delivered fields, by the stored value's number (valueId). */
  private readonly generalisedById: Array<FieldTable | undefined> = [];

  private generalise(b: RowBlock, r: number, step: Step & { kind: 'generalise' }): void {
    const id = this.valueId(b, r, step.at);
    if (id !== 0) {
      let fields = this.generalisedById[step.at];
      if (!fields) this.generalisedById[step.at] = fields = new FieldTable();
      let start = fields.starts[id]!;
      if (start < 0) start = fields.add(id, Buffer.from(csvField(generalised(this.valueOf(step.at, id), step.type)), 'utf8'));
      return this.copy(fields.bytes, start, start + fields.lengths[id]!);
    }
    const start = cellStart(b, r, step.at);
    const end = b.ends[r * b.columns + step.at]!;
    let field = this.generalisations.find(b.lines, start, end);
    if (field === undefined) {
      field = Buffer.from(csvField(generalised(storedCell(b, r, step.at), step.type)), 'utf8');
      this.generalisations.add(b.lines, start, end, field);
    }
    this.copy(field, 0, field.length);
  }

  /** The block's delivered rows as CSV records (CRLF after each), in delivery order (where each ends: rowEnds); null when none is the recipient's. */
  write(b: RowBlock): { csv: Buffer; rows: Int32Array } | null {
    const rows = this.deliveredRows(b);
    if (!rows) return null;
    const { ends, columns, lines } = b;
    this.begin(Math.ceil((ends[b.rows * columns - 1]! * rows.length) / b.rows) + rows.length * this.extraPerRow);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      for (let s = 0; s < this.steps.length; s++) {
        if (s > 0) {
          this.room(1);
          this.out[this.at++] = 0x2c; // ,
        }
        const step = this.steps[s]!;
        if (step.kind === 'copy') this.copy(lines, cellStart(b, r, step.first), ends[r * columns + step.last]!);
        else if (step.kind === 'pseudonym') {
          const mac = this.pseudonymAt(b, r, step.at);
          if (mac >= 0) this.putMac(this.macSource, mac);
        }
        else this.generalise(b, r, step);
      }
      this.room(2);
      this.out[this.at++] = 0x0d;
      this.out[this.at++] = 0x0a;
      this.rowEnds[i] = this.at;
    }
    return { csv: this.out.subarray(0, this.at), rows };
  }
}
