import type { DatasetClassification, DatasetDescription, DatasetEvent } from './dataset-types.js';
import { roleOf } from './delivery-plan.js';

export interface RepeatingColumn {
  sheet: string;
  name: string;
  /** The direct column whose values it repeats. */
  direct: string;
  rows: number;
}

/** Cells as people read them: spaces around, case and Unicode form aside. */
const comparable = (value: string) => value.trim().normalize('NFC').toLowerCase();

/**
 * The columns left as stored (`none`) that hold, in some row, the value of a `direct` column of the
 * same row: a login that is the email, a preferred name that is the name. A recipient of pseudonyms
 * reads the pseudonym and the value side by side; and since a value has one pseudonym for the party
 * in every dataset of the room (personal-data.ts), that one row undoes the pseudonym wherever else
 * the party meets it. Reads the dataset once, only when a sheet has both kinds of column.
 */
export async function columnsRepeatingDirect(events: AsyncIterable<DatasetEvent>, description: DatasetDescription, classification: DatasetClassification): Promise<RepeatingColumn[]> {
  const sheets = description.sheets.map((sheet, index) => {
    const roles = sheet.columns.map((c) => roleOf(classification, description, index, c.name));
    return { direct: roles.flatMap((r, i) => (r === 'direct' ? [i] : [])), none: roles.flatMap((r, i) => (r === 'none' ? [i] : [])) };
  });
  if (!sheets.some((s) => s.direct.length > 0 && s.none.length > 0)) return [];
  const found = new Map<string, RepeatingColumn>();
  for await (const event of events) {
    if (event.kind !== 'row') continue;
    const sheet = sheets[event.row.sheet];
    if (!sheet || sheet.direct.length === 0 || sheet.none.length === 0) continue;
    const direct = new Map<string, number>();
    for (const d of sheet.direct) {
      const value = comparable(event.row.cells[d] ?? '');
      if (value !== '' && !direct.has(value)) direct.set(value, d);
    }
    if (direct.size === 0) continue;
    for (const n of sheet.none) {
      const d = direct.get(comparable(event.row.cells[n] ?? ''));
      if (d === undefined) continue;
      const columns = description.sheets[event.row.sheet]!.columns;
      const key = `${event.row.sheet}\0${n}`;
      const entry = found.get(key) ?? { sheet: description.sheets[event.row.sheet]!.name, name: columns[n]!.name, direct: columns[d]!.name, rows: 0 };
      entry.rows++;
      found.set(key, entry);
    }
  }
  return [...found.values()];
}
