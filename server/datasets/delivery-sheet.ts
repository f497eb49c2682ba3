import type { SheetPlan } from './delivery-plan.js';
import { BLOCK_ROWS, orderBlock } from './fingerprint.js';
import type { readDataset } from './read-dataset.js';

/**
 * One sheet of a dataset as it is delivered to one recipient: the columns the recipient may have and
 * the rows, already scoped, transformed and put in the order that fingerprints the download. Rows are
 * an async iterable so the writers (write-csv.ts, write-xlsx.ts) pull them one at a time as the
 * download is read: a delivery of a million rows never sits in memory.
 */
export interface DeliverySheet {
  /** The sheet's name as stored (the XLSX writer makes it a valid Excel sheet name). */
  name: string;
  /** The column names, in delivery order. */
  header: string[];
  /** The data rows: cells as text, one per header column. */
  rows: AsyncIterable<string[]>;
}

/**
 * The reader's events as the writers' sheets, for the planned sheets only (the others are read
 * past): rows kept and transformed by the plan, in blocks of BLOCK_ROWS stored rows put in the order
 * of `orderKey` (a download's, runs of `groupRows` rows, or a viewer's: fingerprint.ts; null: as
 * stored). The writer takes a
 * sheet's rows to the end before it asks for the next sheet.
 */
export async function* deliverySheets(events: ReturnType<typeof readDataset>, plans: SheetPlan[], orderKey: Buffer | null, groupRows = 1): AsyncGenerator<DeliverySheet> {
  const ordered = <T extends { sheet: number; index: number }>(block: T[]) => (orderKey ? orderBlock(orderKey, block, groupRows) : block);
  const wanted = new Map(plans.map((p) => [p.sheet, p]));
  const iterator = events[Symbol.asyncIterator]();
  let pending: IteratorResult<Awaited<ReturnType<typeof iterator.next>>['value']> | null = null;
  const next = async () => {
    if (pending) {
      const p = pending;
      pending = null;
      return p;
    }
    return iterator.next();
  };
  try {
    for (;;) {
      const event = await next();
      if (event.done) return;
      if (event.value.kind !== 'sheet') continue;
      const plan = wanted.get(event.value.sheet);
      if (!plan) continue;
      const rows = async function* (): AsyncGenerator<string[]> {
        let block: Array<{ sheet: number; index: number; cells: string[] }> = [];
        let blockNumber = -1;
        for (;;) {
          const e = await next();
          // The next sheet (or the end) is the outer loop's: put it back.
          if (e.done || e.value.kind === 'sheet') {
            pending = e;
            break;
          }
          const { row } = e.value;
          const b = Math.floor(row.index / BLOCK_ROWS);
          if (b !== blockNumber && block.length > 0) {
            for (const r of ordered(block)) yield r.cells;
            block = [];
          }
          blockNumber = b;
          const cells = plan.deliver(row.cells, row.index);
          if (cells) block.push({ sheet: row.sheet, index: row.index, cells });
        }
        for (const r of ordered(block)) yield r.cells;
      };
      yield { name: plan.name, header: plan.header, rows: rows() };
    }
  } finally {
    await iterator.return?.(undefined);
  }
}
