import { PSEUDONYM_MAC_BYTES } from './personal-data.js';

/**
 * The pseudonyms one party has been given of one column of one version, by stored row: made by the
 * party's first delivery of the version, read by every later one, so that a party's second download
 * of a million-row census computes no HMAC (each costs ~3 µs: seconds per delivery). Kept in this
 * process's memory only, never written anywhere: a table from rows to pseudonyms is harmless without
 * the rows, but the rule is that pseudonyms are made from the secret, not stored beside the data.
 *
 * Per row: the MAC bytes the pseudonym shows, and whether the row's pseudonym is known, known blank
 * (an empty cell stays empty) or not made yet. 9 bytes a row: 9 MB for a column of a million rows.
 */
export interface PseudonymColumn {
  macs: Buffer;
  /** Per row: 0 not made yet, KNOWN, BLANK. */
  state: Uint8Array;
}

export const KNOWN = 1;
export const BLANK = 2;

/**
 * Bytes of pseudonym columns kept, all together: 64 MiB, a few party-versions of a million-row
 * dataset with two direct columns. The least recently used go first; a column larger than all of it
 * is not kept (each delivery of it computes its pseudonyms, as before).
 */
export const PSEUDONYM_CACHE_BYTES = 64 * 2 ** 20;

const BYTES_PER_ROW = PSEUDONYM_MAC_BYTES + 1;

const cache = new Map<string, PseudonymColumn>();
let cachedBytes = 0;

const sizeOf = (c: PseudonymColumn) => c.macs.length + c.state.length;

/**
 * The pseudonym column of `party` for column `column` of sheet `sheet` (of `rows` rows) of the version
 * stored under `versionKey`; null when a column of that size is not kept.
 */
export function pseudonymColumn(versionKey: string, partyId: string, sheet: number, column: number, rows: number): PseudonymColumn | null {
  const key = `${versionKey}\0${partyId}\0${sheet}\0${column}`;
  const found = cache.get(key);
  if (found && found.state.length === rows) {
    // Most recently used last.
    cache.delete(key);
    cache.set(key, found);
    return found;
  }
  const bytes = rows * BYTES_PER_ROW;
  if (bytes > PSEUDONYM_CACHE_BYTES) return null;
  if (found) {
    cache.delete(key);
    cachedBytes -= sizeOf(found);
  }
  while (cachedBytes + bytes > PSEUDONYM_CACHE_BYTES) {
    const [oldest, column] = cache.entries().next().value!;
    cache.delete(oldest);
    cachedBytes -= sizeOf(column);
  }
  const made: PseudonymColumn = { macs: Buffer.alloc(rows * PSEUDONYM_MAC_BYTES), state: new Uint8Array(rows) };
  cache.set(key, made);
  cachedBytes += bytes;
  return made;
}

/** Forgets every pseudonym column (tests). */
export function forgetPseudonymColumns(): void {
  cache.clear();
  cachedBytes = 0;
}

/**
 * `pseudonym` (a delivery's pseudonymiser of values) reading and filling the party's pseudonym column
 * of a version, for the writers that go row by row (XLSX, grid pages): given a row's index, a
 * pseudonym made before is read; without one (or a column too large to keep), it is made as before.
 */
export function keptPseudonyms(
  pseudonym: (value: string) => string,
  partyId: string,
  versionKey: string,
  sheet: number,
  column: number,
  rows: number,
): (value: string, index: number | undefined) => string {
  let kept: PseudonymColumn | null | undefined;
  return (value, index) => {
    if (kept === undefined) kept = pseudonymColumn(versionKey, partyId, sheet, column, rows);
    if (!kept || index === undefined || index >= kept.state.length) return pseudonym(value);
    const state = kept.state[index];
    if (state === BLANK) return '';
    if (state !== KNOWN) {
      // Made by the delivery's pseudonymiser, which remembers the values it met (a name comes back row after row).
      const made = pseudonym(value);
      if (made === '') kept.state[index] = BLANK;
      else {
        kept.macs.write(made.slice(2), index * PSEUDONYM_MAC_BYTES, PSEUDONYM_MAC_BYTES, 'hex');
        kept.state[index] = KNOWN;
      }
      return made;
    }
    return `P-${kept.macs.toString('hex', index * PSEUDONYM_MAC_BYTES, (index + 1) * PSEUDONYM_MAC_BYTES).toUpperCase()}`;
  };
}
