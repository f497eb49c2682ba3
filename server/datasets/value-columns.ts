/**
 * The distinct values of a column of a version, and which of them each stored row holds: made by the
 * first delivery that reads the column by value (the entity column, which decides whose a row is; a
 * quasi column, which is generalised), read by every later delivery of the version to anyone, so that
 * deciding a row's scope or generalising its birth date is an array lookup instead of reading the cell.
 * Kept in this process's memory only, like the pseudonym columns (pseudonym-columns.ts).
 *
 * Only a column of few distinct values is kept (an entity, a birth date, a grade): at most
 * MAX_DISTINCT_VALUES; past that the column is given up and deliveries read its cells, as before.
 * Per row, the value's number in `values` plus one (0: not read yet), in 2 bytes: 2 MB for a
 * million rows.
 */
export interface ValueColumn {
  ids: Uint16Array;
  values: string[];
  /** Each value's number in `values` plus one. */
  idOf: Map<string, number>;
  /** Too many distinct values: no longer kept. */
  givenUp: boolean;
}

export const MAX_DISTINCT_VALUES = 65_535;

/** Bytes of value columns kept, all together: 32 MiB; the least recently used go first. */
export const VALUE_CACHE_BYTES = 32 * 2 ** 20;

const cache = new Map<string, ValueColumn>();
let cachedBytes = 0;

/** The value column of column `column` of sheet `sheet` (of `rows` rows) of the version stored under `versionKey`; null when not kept. */
export function valueColumn(versionKey: string, sheet: number, column: number, rows: number): ValueColumn | null {
  const key = `${versionKey}\0${sheet}\0${column}`;
  const found = cache.get(key);
  if (found?.givenUp) return null;
  if (found && found.ids.length === rows) {
    cache.delete(key);
    cache.set(key, found);
    return found;
  }
  const bytes = rows * 2;
  if (bytes > VALUE_CACHE_BYTES) return null;
  if (found) {
    cache.delete(key);
    cachedBytes -= found.ids.byteLength;
  }
  while (cachedBytes + bytes > VALUE_CACHE_BYTES) {
    const [oldest, column] = cache.entries().next().value!;
    cache.delete(oldest);
    cachedBytes -= column.ids.byteLength;
  }
  const made: ValueColumn = { ids: new Uint16Array(rows), values: [], idOf: new Map(), givenUp: false };
  cache.set(key, made);
  cachedBytes += bytes;
  return made;
}

/** Gives a column up (too many distinct values): its memory goes, and deliveries read its cells. */
export function giveUp(column: ValueColumn): void {
  if (column.givenUp) return;
  cachedBytes -= column.ids.byteLength;
  column.givenUp = true;
  column.values = [];
  column.idOf = new Map();
  column.ids = new Uint16Array(0);
}

/** Forgets every value column (tests). */
export function forgetValueColumns(): void {
  cache.clear();
  cachedBytes = 0;
}

/** The number (plus one) of `value` in the column, added when new; 0 when the column is given up by it. */
export function idOfValue(column: ValueColumn, value: string): number {
  let id = column.idOf.get(value);
  if (id === undefined) {
    if (column.values.length >= MAX_DISTINCT_VALUES) {
      giveUp(column);
      return 0;
    }
    column.values.push(value);
    id = column.values.length;
    column.idOf.set(value, id);
  }
  return id;
}
