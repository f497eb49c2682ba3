import type { ReferenceCell } from './dataset-reference.js';

/** The shape of a pseudonym (docs/http-api.md: irreversible, 64 bits written as hex). */
export const PSEUDONYM = /^P-[0-9A-F]{16}$/;

/**
 * The pseudonyms seen so far, per party: one stored value has one pseudonym for every member of a
 * party, in every delivery; no pseudonym stands for two values, nor for values of two parties
 * ("unlinkable across parties"). The reference cannot say which pseudonym a value gets (that takes
 * the room's secret); the comparison learns it on first sight and holds every later sight to it.
 */
export class PseudonymBook {
  private readonly forward = new Map<string, string>();
  private readonly back = new Map<string, { partyId: string; value: string }>();

  private static key = (partyId: string, value: string) => `${partyId}\0${value}`;

  known(partyId: string, value: string): string | undefined {
    return this.forward.get(PseudonymBook.key(partyId, value));
  }

  /** Whether `pseudonym` may stand for `value` in `partyId`'s deliveries. */
  fits(partyId: string, value: string, pseudonym: string): boolean {
    if (!PSEUDONYM.test(pseudonym)) return false;
    const known = this.known(partyId, value);
    if (known !== undefined) return known === pseudonym;
    return !this.back.has(pseudonym);
  }

  /** Records that `pseudonym` stands for `value` for `partyId`; returns an undo, or null when it cannot. */
  bind(partyId: string, value: string, pseudonym: string): (() => void) | null {
    if (!this.fits(partyId, value, pseudonym)) return null;
    const key = PseudonymBook.key(partyId, value);
    if (this.forward.has(key)) return () => {};
    this.forward.set(key, pseudonym);
    this.back.set(pseudonym, { partyId, value });
    return () => {
      this.forward.delete(key);
      this.back.delete(pseudonym);
    };
  }

  /** Distinct pseudonyms seen. */
  get size() {
    return this.back.size;
  }

  /** How many stored values got a pseudonym in two parties or more (each a different one, or bind would have refused). */
  valuesAcrossParties(): number {
    const parties = new Map<string, Set<string>>();
    for (const { partyId, value } of this.back.values()) parties.set(value, (parties.get(value) ?? new Set()).add(partyId));
    return [...parties.values()].filter((p) => p.size > 1).length;
  }
}

const show = (cells: ReferenceCell[]) => cells.map((c) => (typeof c === 'string' ? c : `«pseudonym of ${c.pseudonym}»`));

/**
 * Binds the cells of one delivered row to the reference's, or says why they differ (null: they agree).
 * Undone on failure: the book holds only what agreed.
 */
function bindRow(book: PseudonymBook, partyId: string | null, expected: ReferenceCell[], actual: string[]): (() => void) | null {
  if (expected.length !== actual.length) return null;
  const undo: Array<() => void> = [];
  const rollback = () => undo.reverse().forEach((u) => u());
  for (const [i, cell] of expected.entries()) {
    const bound = typeof cell === 'string' ? (cell === actual[i] ? () => {} : null) : partyId === null ? null : book.bind(partyId, cell.pseudonym, actual[i]!);
    if (!bound) {
      rollback();
      return null;
    }
    undo.push(bound);
  }
  return rollback;
}

/** The delivered rows, in the stored order, against the reference's: the first row that differs, or null. */
export function differenceInOrder(book: PseudonymBook, partyId: string | null, expected: ReferenceCell[][], actual: string[][]): object | null {
  if (expected.length !== actual.length) return { rows: actual.length, expectedRows: expected.length, expected: expected.map(show), actual };
  for (const [i, row] of expected.entries()) {
    if (!bindRow(book, partyId, row, actual[i]!)) return { row: i, expected: show(row), actual: actual[i], knownPseudonyms: row.map((c) => (typeof c === 'string' || partyId === null ? undefined : book.known(partyId, c.pseudonym))) };
  }
  return null;
}

/**
 * The delivered rows in any order (a download's order is its fingerprint) against the reference's,
 * as multisets: a matching of delivered to expected rows under one consistent set of pseudonyms
 * (a search with undo; pseudonyms already known pin most rows at once). The difference, or null.
 */
export function differenceAsMultiset(book: PseudonymBook, partyId: string | null, expected: ReferenceCell[][], actual: string[][]): object | null {
  if (expected.length !== actual.length) return { rows: actual.length, expectedRows: expected.length };
  const used = new Array<boolean>(actual.length).fill(false);
  let steps = 0;
  const candidates = (row: ReferenceCell[]) =>
    actual.flatMap((cells, j) => {
      if (used[j]) return [];
      const undo = bindRow(book, partyId, row, cells);
      if (!undo) return [];
      undo();
      return [j];
    });
  const pending = expected.map((_, i) => i);
  const search = (): boolean => {
    if (pending.length === 0) return true;
    if (++steps > 20_000) return false;
    // The most constrained row first: known pseudonyms usually leave it one candidate.
    let best = -1;
    let bestCandidates: number[] = [];
    for (const [k, i] of pending.entries()) {
      const c = candidates(expected[i]!);
      if (best < 0 || c.length < bestCandidates.length) [best, bestCandidates] = [k, c];
      if (c.length <= 1) break;
    }
    const [i] = pending.splice(best, 1);
    const tried = new Set<string>();
    for (const j of bestCandidates) {
      // Equal delivered rows are interchangeable: one try for each distinct one.
      const key = JSON.stringify(actual[j]);
      if (tried.has(key)) continue;
      tried.add(key);
      const undo = bindRow(book, partyId, expected[i!]!, actual[j]!)!;
      used[j] = true;
      if (search()) return true;
      used[j] = false;
      undo();
    }
    pending.splice(best, 0, i!);
    return false;
  };
  if (search()) return null;
  const unmatched = expected.filter((row) => candidates(row).length === 0).map(show);
  return { unmatchedExpected: unmatched.slice(0, 5), expected: expected.map(show), actual, gaveUp: steps > 20_000 };
}
