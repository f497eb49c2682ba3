/**
 * What each user receives of a dataset, transcribed plainly from docs/http-api.md ("What a dataset
 * delivery holds") and PRODUCT.md ("Datasets") — not from server/datasets/. The differential suites
 * hold the ability, datasetScopeFor and planDelivery (in process) and the rows and downloads of the
 * API (the HTTP sample) equal to this.
 *
 * - rows: the deal team gets every row. An outsider gets, on the sheet with the entity column, the
 *   rows whose value the entity map maps to an entity an NDA covers them for (rule 3 per row; rows of
 *   unmapped values go to no one outside the deal team); on a sheet without it, every row when an NDA
 *   covers them for the entity the file is filed under, else none — and then the sheet is no part of
 *   the copy at all ("a sheet none of whose rows can be the caller's … is no part of the copy").
 * - columns, by the form (referenceDatasetForm): `identified` as stored; `pseudonymised`: `direct`
 *   values become pseudonyms (one per value and party: a token here, which the comparison resolves),
 *   `quasi` values are generalised; `none`: `direct` and `quasi` columns are left out.
 * - every other value exactly as stored.
 */
import { coveringNdas, datasetOf, referenceDatasetForm } from './access-reference.js';
import type { ColumnType, Level, PersonalData, World, WorldDocument, WorldUser } from './world-model.js';

/** A delivered cell: a value as delivered, or the pseudonym (whatever it is) of a stored value for the recipient's party. */
export type ReferenceCell = string | { pseudonym: string };
export interface ReferenceSheet { name: string; header: string[]; rows: ReferenceCell[][] }
export interface ReferenceDelivery {
  form: PersonalData;
  /** Whose pseudonyms the recipient gets (null: the deal team, who get none). */
  partyId: string | null;
  sheets: ReferenceSheet[];
}

/** The year of a date as the reader recognises one: ISO (with a time or not), or day and month either way round before a four-digit year. */
function yearOf(v: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (iso) return iso[1]!;
  const dayFirst = /^\d{1,2}[./-]\d{1,2}[./-](\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$/.exec(v);
  return dayFirst ? dayFirst[1]! : null;
}

/** A number as the reader types one (describe-dataset.ts): integers, and decimals with a point, an exponent or both. */
const isNumber = (v: string) => /^[+-]?(?:(?:\d+)(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(v);

/**
 * "Numbers to a band": the band of the number's leading digit, from its whole part written out —
 * 7 → 0–9, 37 → 30–39, 45500 → 40000–49999, -1200 → -1999–-1000.
 */
function band(v: string): string {
  const n = Number(v);
  const whole = String(Math.floor(Math.abs(n)));
  const [low, high] = whole.length === 1 ? ['0', '9'] : [whole[0] + '0'.repeat(whole.length - 1), whole[0] + '9'.repeat(whole.length - 1)];
  return n < 0 ? `-${high}–-${low}` : `${low}–${high}`;
}

/**
 * A quasi value generalised (docs/http-api.md: "dates to the year, numbers to a band, text to a
 * prefix"), by what the column holds: a date in a date or text column is its year; a number in a
 * number column its band; anything else its first two characters, marked as cut. Blank stays blank.
 */
export function referenceGeneralised(value: string, type: ColumnType): string {
  const v = value.trim();
  if (v === '') return '';
  const year = yearOf(v);
  if (year && (type === 'date' || type === 'text')) return year;
  if (isNumber(v) && (type === 'integer' || type === 'decimal')) return band(v);
  return `${Array.from(v).slice(0, 2).join('')}…`;
}

/** What `user` receives of the dataset `doc` at `level` at `at`: null when it is not theirs at that level. */
export function referenceDelivery(world: World, user: WorldUser, doc: WorldDocument, level: Level, at: string = world.at): ReferenceDelivery | null {
  const form = referenceDatasetForm(world, user, doc, level, at);
  const dataset = datasetOf(world, doc);
  if (form === null || !dataset) return null;
  const partyId = user.role === 'external' ? world.members.find((m) => m.userId === user.id && m.roomId === doc.roomId)!.partyId : null;
  const covered = (entityId: string) => partyId === null || coveringNdas(world, user, partyId, doc.roomId, entityId, at).length > 0;
  const mapped = (value: string) => (Object.hasOwn(dataset.entityMap, value) ? dataset.entityMap[value] : undefined);
  const sheets = dataset.sheets.flatMap((sheet, index): ReferenceSheet[] => {
    const kept = sheet.columns.map((column, at) => ({ column, at })).filter(({ column }) => form !== 'none' || column.role === 'none');
    const entityAt = dataset.entityColumn?.sheet === index ? sheet.columns.findIndex((c) => c.name === dataset.entityColumn!.name) : -1;
    if (entityAt < 0 && !covered(doc.entityId)) return [];
    const rows = sheet.rows.filter((cells) => {
      if (partyId === null) return true;
      if (entityAt < 0) return covered(doc.entityId);
      const entityId = mapped(cells[entityAt]!);
      return entityId !== undefined && covered(entityId);
    });
    return [{
      name: sheet.name,
      header: kept.map(({ column }) => column.name),
      rows: rows.map((cells) =>
        kept.map(({ column, at }): ReferenceCell => {
          const value = cells[at]!;
          if (form !== 'pseudonymised' || column.role === 'none') return value;
          // "Empty cells, and cells of spaces alone, stay empty: a pseudonym for nothing would invent a person."
          if (column.role === 'direct') return value.trim() === '' ? '' : { pseudonym: value };
          return referenceGeneralised(value, column.type);
        }),
      ),
    }];
  });
  return { form, partyId, sheets };
}
