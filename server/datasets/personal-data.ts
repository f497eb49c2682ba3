import { createHmac } from 'node:crypto';
import type { ColumnType } from './dataset-types.js';

/**
 * The two transformations of a `pseudonymised` delivery (docs/http-api.md, "Datasets"):
 * - a `direct` value becomes a pseudonym: HMAC-SHA-256 under the room's secret and the recipient's
 *   party, so one value is one pseudonym for every member of the party, in every version and every
 *   download (their analysts can join sheets and deliveries), a different one for any other party
 *   (two parties cannot link their copies), and irreversible without the secret, which never leaves
 *   the server (a dictionary of every name in the country does not help);
 * - a `quasi` value is generalised: a date to its year, a number to the band of its leading digit
 *   (45,500 → 40000–49999), text to its first two characters — coarse enough that a birth date, a
 *   salary and a postcode no longer single a person out, and still useful for a distribution.
 * Empty cells, and cells of spaces alone, stay empty: a pseudonym for nothing would invent a person.
 */
export function pseudonymOf(roomSecret: Buffer, partyId: string, value: string): string {
  // Spaces alone are no value either (the reader takes such a row for an empty one, generalised() for an empty cell).
  if (value.trim() === '') return '';
  // 64 bits: among a million distinct values the chance of any two sharing a pseudonym is ~3 in 100 million.
  return `P-${pseudonymMac(roomSecret, partyId, value).toString('hex', 0, PSEUDONYM_MAC_BYTES).toUpperCase()}`;
}

/** The bytes of the MAC a pseudonym shows (as 16 upper-case hex digits after `P-`). */
export const PSEUDONYM_MAC_BYTES = 8;

/** The HMAC behind a pseudonym (its first PSEUDONYM_MAC_BYTES are shown), for a value that is not blank. */
export function pseudonymMac(roomSecret: Buffer, partyId: string, value: string): Buffer {
  // One update of the message `pseudonym\0<party>\0<value>`: the same bytes as four, in one call.
  return createHmac('sha256', roomSecret).update(`pseudonym\0${partyId}\0${value}`).digest();
}

/** Distinct values a delivery remembers the pseudonyms of: at most a few megabytes. */
const REMEMBERED_PSEUDONYMS = 8_192;

/**
 * pseudonymOf for one party, remembering the pseudonyms it has made: a name, a manager or a cost
 * centre's owner comes back row after row, and each HMAC costs microseconds. One per delivery; the
 * memory is dropped whole when full rather than kept in order (the values of a table come in no order
 * that an LRU would exploit).
 */
export function pseudonymiser(roomSecret: Buffer, partyId: string): (value: string) => string {
  let known = new Map<string, string>();
  return (value) => {
    let pseudonym = known.get(value);
    if (pseudonym === undefined) {
      if (known.size >= REMEMBERED_PSEUDONYMS) known = new Map();
      pseudonym = pseudonymOf(roomSecret, partyId, value);
      known.set(value, pseudonym);
    }
    return pseudonym;
  };
}

// Every date and number the reader types as one (describe-dataset.ts) is recognised here too: a
// day-first date with a time, a decimal written `.5` or with an exponent (`1e3`) would otherwise fall
// through to the text rule, and `.5…` is the whole value.
const ISO_DATE = /^(\d{4})-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAY_FIRST_DATE = /^\d{1,2}[./-]\d{1,2}[./-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/;
const NUMBER = /^[-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d+)?$/;

export function generalised(value: string, type: ColumnType): string {
  const v = value.trim();
  if (v === '') return '';
  const year = v.match(ISO_DATE)?.[1] ?? v.match(DAY_FIRST_DATE)?.[1];
  if (year && (type === 'date' || type === 'text' || type === 'empty')) return year;
  if (NUMBER.test(v) && type !== 'text') return numberBand(Number(v.replace(',', '.')));
  if (year) return year;
  // Text: its first two characters (a postcode's district, a name's initials), never the whole.
  return `${[...v].slice(0, 2).join('')}…`;
}

/** The band of a number's leading digit: 7 → 0–9, 37 → 30–39, 45500 → 40000–49999, -1200 → -1999–-1000. */
function numberBand(n: number): string {
  if (!Number.isFinite(n)) return '…';
  const magnitude = Math.abs(n) < 10 ? 10 : 10 ** Math.floor(Math.log10(Math.abs(n)));
  const low = Math.floor(Math.abs(n) / magnitude) * magnitude;
  const high = low + magnitude - 1;
  return n < 0 ? `-${high}–-${low}` : `${low}–${high}`;
}
