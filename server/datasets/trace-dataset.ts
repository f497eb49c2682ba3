import { Readable } from 'node:stream';
import type { Db } from '../db.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { NotADatasetError, type ColumnRole, type DatasetClassification, type DatasetDescription, type DatasetFormat } from './dataset-types.js';
import { readDataset } from './read-dataset.js';
import { storedRows } from './row-store.js';
import { unescapeCsvCell } from './write-csv.js';
import { inDeliveryOrder, log10ChanceOfOrder, orderKeyOf, viewOrderKeyOf, type StoredPlace } from './fingerprint.js';
import { planDelivery, roleOf } from './delivery-plan.js';
import { generalised, pseudonymOf } from './personal-data.js';
import { roomDatasetSecret, type DatasetDeliveryRow } from './repository.js';

/**
 * Tracing a leaked dataset (docs/http-api.md, "Datasets"): a CSV or XLSX file, whole or a part of it,
 * columns dropped or reordered, saved again. No value of a delivery differs from what was stored
 * (fingerprint.ts), so the leak is traced by the order of its rows:
 * 1. each leaked column is mapped to a stored column by its header;
 * 2. each leaked row is mapped to its stored place (sheet, index) by its cells — as a delivery made
 *    them: stored values as stored, and in a `pseudonymised` delivery the party's pseudonyms and the
 *    generalised values — keeping only rows whose cells occur in exactly one stored row;
 * 3. each delivery whose columns, sheets and row scope are consistent with the leak is asked whether
 *    those places come in its order (fingerprint.ts, inDeliveryOrder: a wrong one fails within a few
 *    rows).
 * A delivery is named only when it alone matches, with at least MIN_ROWS placed rows, and the chance
 * that any delivery tested would have matched by accident — the sum of 10^log10ChanceOfOrder over the
 * orders tested that could be named at all (their own odds below the bar) — is below MAX_FALSE_MATCH:
 * never a wrong download. A leak re-sorted by its leaker matches no delivery; when its
 * direct columns hold pseudonyms, they still tell the party (one party's pseudonyms are no other's).
 */

/** Fewer placed rows than this name no download, whatever the odds say. */
export const MIN_ROWS = 20;
/** The largest chance of a false match at which a download (or a party) is still named. */
export const MAX_FALSE_MATCH = 1e-9;
/** Pseudonyms of one party the leak must hold for the party to be named. */
export const MIN_PSEUDONYMS = 5;
/**
 * The leaked rows read: far more than any decision needs (20 rows of one block already put the odds
 * of a false match below 10^-18), and a bound on the memory a 200 MB upload can take.
 */
const MAX_LEAKED_ROWS = 100_000;

export type DatasetTrace =
  | {
      match: 'fingerprint';
      downloadId: string;
      documentId: string;
      versionId: string;
      /** Leaked rows placed and found in the delivery's order. */
      rows: number;
      /** Deliveries whose order was tested. */
      deliveriesTested: number;
      log10FalseMatchProbability: number;
    }
  | {
      match: 'party';
      partyId: string;
      documentId: string;
      versionId: string;
      /** The party's pseudonymised deliveries of the version (files and grid pages): any of them may be the source. */
      candidateIds: string[];
      /** Distinct pseudonyms of the party found in the leak. */
      pseudonyms: number;
      log10FalseMatchProbability: number;
    };

/** What a delivery record says was delivered: the classification then, with the sheets and row scope. */
type DeliverySnapshot = DatasetClassification & {
  sheets: number[];
  coversDocumentEntity: boolean;
  order?: 'view';
  /** The rows its order moved together (fingerprint.ts ORDER_GROUP_ROWS); absent: one by one (grid pages, and downloads made before runs). */
  orderGroupRows?: number;
};

interface Delivery {
  downloadId: string;
  /** `csv` or `xlsx`; `rows` for a page of the grid viewer. */
  format: string;
  userId: string;
  versionId: string;
  partyId: string | null;
  form: DatasetDeliveryRow['form'];
  entityIds: string[] | null;
  snapshot: DeliverySnapshot;
}

/**
 * The key of the order a delivery's rows came in (fingerprint.ts): a download's own; for a grid page,
 * its viewer's order of the version, shared by all their pages; null for a grid page recorded before
 * grids had an order of their own (stored order: nothing to trace by).
 */
function orderKeyOfDelivery(d: Delivery, secret: Buffer): Buffer | null {
  if (d.format !== 'rows') return orderKeyOf(secret, d.downloadId);
  return d.snapshot.order === 'view' ? viewOrderKeyOf(secret, d.userId, d.versionId) : null;
}

interface LeakedSheet {
  name: string;
  header: string[];
  rows: string[][];
}

/** A leaked sheet read as a stored one: leaked column → stored column, by header. */
interface SheetMapping {
  leaked: number;
  stored: number;
  columns: Array<{ leaked: number; stored: number; name: string }>;
}

type Transform = 'as_stored' | 'pseudonym' | 'generalised';

/** The deliveries that made the same cells of the mapped columns: one way to read stored rows as leaked ones. */
interface Reading {
  partyId: string | null;
  /** Per mapping, per mapped column: how the delivery made the cell from the stored value. */
  transforms: Transform[][];
  /** Per mapping, per mapped column: whether the column is part of the key (see retryWithoutMangled). */
  keep: boolean[][];
  deliveries: Delivery[];
}

/** What one pass over the stored rows found for a reading. */
interface ReadingPass {
  reading: Reading;
  /** Per leaked row, in the leak's order: its key under the reading's kept columns. */
  rowKeys: string[];
  /** Key → how many leaked rows have it. */
  leakedKeys: Map<string, number>;
  /** Leaked key → how many stored rows make it, and the first one's place and cells. */
  found: Map<string, { count: number; place: StoredPlace; cells: string[] }>;
  /** Per mapping, per column: the leak's distinct values, and those the stored rows made too. */
  values: Array<Array<{ leaked: Set<string>; made: Set<string> }>>;
  /** Pseudonyms of the reading's party found among the leak's values, and how many were computed. */
  pseudonymHits: Set<string>;
  pseudonymsTried: number;
}

const PSEUDONYM = /^P-[0-9A-F]{16}$/;
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})[T ]00:00(:00(\.0+)?)?(Z|[+-]00:?00)?$/;

/**
 * One cell as compared: a spreadsheet that re-saves a file may change how a value is written, not the
 * value: spaces around it, a number's form (`45500.0`, `045500`), a date at midnight. Both sides are
 * compared in this form; two stored rows it makes equal are ambiguous and not used.
 */
function comparable(value: string): string {
  const v = value.trim();
  if (PLAIN_NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return String(n);
  }
  return v.match(MIDNIGHT)?.[1] ?? v;
}

const headerName = (name: string) => name.trim();

/** The leak as sheets of rows; CSV cells with the formula escape of our CSV deliveries taken off (write-csv.ts). */
async function readLeak(data: Buffer, format: DatasetFormat): Promise<LeakedSheet[]> {
  const sheets = new Map<number, LeakedSheet>();
  let rows = 0;
  // An XLSX re-saved from one of our CSV deliveries still holds the escape, and a stored value that
  // itself begins with ' and a formula character is rare enough: unescape either way.
  for await (const event of readDataset(async () => Readable.from([data]), format)) {
    if (event.kind === 'sheet') {
      sheets.set(event.sheet, { name: event.name, header: event.header.map((h) => headerName(unescapeCsvCell(h))), rows: [] });
    } else {
      if (++rows > MAX_LEAKED_ROWS) break;
      sheets.get(event.row.sheet)?.rows.push(event.row.cells.map(unescapeCsvCell));
    }
  }
  return [...sheets.values()];
}

/**
 * Each leaked sheet read as the stored sheet sharing most of its column names (its own name breaks a
 * tie); a leaked sheet sharing none (the stamp sheet of an XLSX delivery) is left out.
 */
function mapSheets(leak: LeakedSheet[], description: DatasetDescription): SheetMapping[] {
  const mappings: SheetMapping[] = [];
  leak.forEach((sheet, leaked) => {
    let best: SheetMapping | null = null;
    description.sheets.forEach((stored, s) => {
      const names = stored.columns.map((c) => headerName(c.name));
      const columns: SheetMapping['columns'] = [];
      const used = new Set<number>();
      sheet.header.forEach((name, j) => {
        const at = names.indexOf(name);
        if (name !== '' && at >= 0 && !used.has(at)) {
          used.add(at);
          columns.push({ leaked: j, stored: at, name: stored.columns[at]!.name });
        }
      });
      if (columns.length === 0) return;
      const better = !best || columns.length > best.columns.length || (columns.length === best.columns.length && stored.name === sheet.name);
      if (better) best = { leaked, stored: s, columns };
    });
    if (best) mappings.push(best);
  });
  return mappings;
}

/** How delivery `d` made each mapped column's cells; null when it never delivered one of them. */
function transformsOf(d: Delivery, description: DatasetDescription, mappings: SheetMapping[]): Transform[][] | null {
  const out: Transform[][] = [];
  for (const m of mappings) {
    const row: Transform[] = [];
    for (const c of m.columns) {
      const role: ColumnRole = roleOf(d.snapshot, description, m.stored, c.name);
      if (d.form === 'identified' || role === 'none') row.push('as_stored');
      else if (d.form === 'pseudonymised') row.push(role === 'direct' ? 'pseudonym' : 'generalised');
      else return null;
    }
    out.push(row);
  }
  return out;
}

function readingsOf(deliveries: Delivery[], description: DatasetDescription, mappings: SheetMapping[]): Reading[] {
  const readings = new Map<string, Reading>();
  for (const d of deliveries) {
    const transforms = transformsOf(d, description, mappings);
    if (!transforms) continue;
    const partyId = transforms.some((t) => t.includes('pseudonym')) ? (d.partyId ?? '') : null;
    const signature = JSON.stringify([partyId, transforms]);
    let reading = readings.get(signature);
    if (!reading) {
      reading = { partyId, transforms, keep: transforms.map((t) => t.map(() => true)), deliveries: [] };
      readings.set(signature, reading);
    }
    reading.deliveries.push(d);
  }
  return [...readings.values()];
}

const keyOf = (storedSheet: number, cells: string[]) => `${storedSheet}\u0001${cells.join('\u0000')}`;

/** log10 of a sum of powers of ten given by their logs, without underflowing to log10(0). */
function log10Sum(logs: number[]): number {
  if (logs.length === 0) return -Infinity;
  const max = Math.max(...logs);
  return max + Math.log10(logs.reduce((sum, l) => sum + 10 ** (l - max), 0));
}

interface VersionToTrace {
  versionId: string;
  documentId: string;
  objectKey: string;
  description: DatasetDescription;
  deliveries: Delivery[];
}

interface VersionOutcome {
  /** Deliveries tested, with the log10 chance each had of matching by accident. */
  tested: number[];
  matches: Array<{ delivery: Delivery; rows: number; log10Chance: number }>;
  /** Per party: distinct pseudonyms found, and how many stored values were tried. */
  parties: Map<string, { hits: Set<string>; tried: number }>;
  /** Distinct values of the leak that have the form of a pseudonym. */
  leakedPseudonyms: number;
}

/** The leaked cells of a mapping's columns, in the compared form. */
const leakedCells = (leak: LeakedSheet[], m: SheetMapping) => leak[m.leaked]!.rows.map((row) => m.columns.map((c) => comparable(row[c.leaked] ?? '')));

/** The leak keyed for a reading: each leaked row's key over the reading's kept columns. */
function startPass(reading: Reading, leak: LeakedSheet[], mappings: SheetMapping[]): ReadingPass {
  const pass: ReadingPass = { reading, rowKeys: [], leakedKeys: new Map(), found: new Map(), values: [], pseudonymHits: new Set(), pseudonymsTried: 0 };
  mappings.forEach((m, at) => {
    const keep = reading.keep[at]!;
    const values = m.columns.map(() => ({ leaked: new Set<string>(), made: new Set<string>() }));
    for (const cells of leakedCells(leak, m)) {
      const key = keyOf(m.stored, cells.filter((_, i) => keep[i]));
      pass.rowKeys.push(key);
      pass.leakedKeys.set(key, (pass.leakedKeys.get(key) ?? 0) + 1);
      cells.forEach((v, i) => values[i]!.leaked.add(v));
    }
    pass.values.push(values);
  });
  return pass;
}

/**
 * One pass over the stored rows for every reading at once: each makes every row's cells of the mapped
 * columns as its deliveries did, and notes the rows whose key the leak has.
 */
async function passOverStored(store: ObjectStore, secret: Buffer, version: VersionToTrace, mappings: SheetMapping[], passes: ReadingPass[], leakedPseudonyms: Set<string>) {
  const { description } = version;
  const bySheet = new Map<number, Array<{ mapping: SheetMapping; at: number }>>();
  mappings.forEach((m, at) => bySheet.set(m.stored, [...(bySheet.get(m.stored) ?? []), { mapping: m, at }]));
  for await (const event of storedRows(store, version.objectKey, description.format)) {
    if (event.kind !== 'row') continue;
    const { sheet, index, cells } = event.row;
    const mapped = bySheet.get(sheet);
    if (!mapped) continue;
    const types = description.sheets[sheet]!.columns;
    for (const { mapping, at } of mapped) {
      for (const pass of passes) {
        const { reading } = pass;
        const transforms = reading.transforms[at]!;
        const keep = reading.keep[at]!;
        const values = pass.values[at]!;
        const made = mapping.columns.map((c, i) => {
          const stored = cells[c.stored] ?? '';
          const transform = transforms[i]!;
          let value: string;
          if (transform === 'as_stored') value = comparable(stored);
          else if (transform === 'generalised') value = comparable(generalised(stored, types[c.stored]?.type ?? 'text'));
          else if (!keep[i]) value = '';
          else {
            value = pseudonymOf(secret, reading.partyId ?? '', stored);
            if (value !== '') {
              pass.pseudonymsTried++;
              if (leakedPseudonyms.has(value)) pass.pseudonymHits.add(value);
            }
          }
          if (values[i]!.leaked.has(value)) values[i]!.made.add(value);
          return value;
        });
        const key = keyOf(sheet, made.filter((_, i) => keep[i]));
        if (!pass.leakedKeys.has(key)) continue;
        const seen = pass.found.get(key);
        if (seen) seen.count++;
        else pass.found.set(key, { count: 1, place: { sheet, index }, cells });
      }
    }
  }
}

/**
 * Whether the leak's columns that a reading would hold pseudonyms in mostly do: a column of names or
 * employee numbers as stored did not come from a pseudonymised delivery, and its pseudonyms (an HMAC
 * per stored value) need not be computed at all.
 */
function pseudonymsFit(reading: Reading, leak: LeakedSheet[], mappings: SheetMapping[]): boolean {
  return mappings.every((m, at) => {
    const transforms = reading.transforms[at]!;
    if (!transforms.includes('pseudonym')) return true;
    const cells = leakedCells(leak, m);
    return transforms.every((transform, i) => {
      if (transform !== 'pseudonym') return true;
      const values = cells.map((row) => row[i]!).filter((v) => v !== '');
      return values.filter((v) => PSEUDONYM.test(v)).length * 2 >= values.length;
    });
  });
}

/** The leaked rows a pass placed: a key once in the leak and made by exactly one stored row. */
const placedBy = (pass: ReadingPass) =>
  pass.rowKeys.filter((key) => pass.leakedKeys.get(key) === 1 && pass.found.get(key)?.count === 1).map((key) => pass.found.get(key)!);

/** A column whose leaked values mostly occur nowhere among the values the stored rows made. */
const MANGLED_BELOW = 0.5;

/**
 * A reading that placed fewer than half the leaked rows, again without the columns whose values the
 * stored rows mostly did not make: a column the leaker's spreadsheet rewrote (a date as a serial
 * number, a long number rounded) would otherwise keep every row from being placed. Fewer columns can
 * only make more stored rows alike, and alike rows are not placed: this adds no wrong place.
 */
function retryWithoutMangled(pass: ReadingPass, leakedRows: number): Reading | null {
  if (placedBy(pass).length * 2 >= leakedRows) return null;
  let dropped = false;
  let otherForm = false;
  const keep = pass.reading.keep.map((columns, at) =>
    columns.map((kept, i) => {
      const { leaked, made } = pass.values[at]![i]!;
      const mangled = kept && leaked.size > 0 && made.size < leaked.size * MANGLED_BELOW;
      if (mangled) dropped = true;
      // Pseudonyms where this reading has other values: not rewritten, delivered in another form,
      // which another reading takes; reading the stored file again for this one would be in vain.
      if (mangled && pass.reading.transforms[at]![i] !== 'pseudonym' && [...leaked].filter((v) => PSEUDONYM.test(v)).length * 2 > leaked.size) otherForm = true;
      return kept && !mangled;
    }),
  );
  if (!dropped || otherForm || keep.every((columns) => columns.every((kept) => !kept))) return null;
  return { ...pass.reading, keep };
}

async function traceVersion(store: ObjectStore, secret: Buffer, leak: LeakedSheet[], version: VersionToTrace): Promise<VersionOutcome | null> {
  const { description } = version;
  const mappings = mapSheets(leak, description);
  if (mappings.length === 0) return null;
  const leakedPseudonyms = new Set(mappings.flatMap((m) => leakedCells(leak, m).flat()).filter((v) => PSEUDONYM.test(v)));
  const readings = readingsOf(version.deliveries.filter((d) => orderKeyOfDelivery(d, secret) !== null), description, mappings).filter((r) => pseudonymsFit(r, leak, mappings));
  if (readings.length === 0) return null;
  const leakedRows = mappings.reduce((n, m) => n + leak[m.leaked]!.rows.length, 0);

  let passes = readings.map((r) => startPass(r, leak, mappings));
  await passOverStored(store, secret, version, mappings, passes, leakedPseudonyms);
  // A second pass, only for readings that placed too few rows because some columns were rewritten.
  const retries = passes.map((p) => retryWithoutMangled(p, leakedRows));
  if (retries.some((r) => r !== null)) {
    const again = retries.flatMap((r) => (r ? [startPass(r, leak, mappings)] : []));
    await passOverStored(store, secret, version, mappings, again, leakedPseudonyms);
    passes = passes.map((p, i) => (retries[i] ? again.shift()! : p));
  }

  const outcome: VersionOutcome = { tested: [], matches: [], parties: new Map(), leakedPseudonyms: leakedPseudonyms.size };
  for (const pass of passes) {
    const { reading } = pass;
    if (reading.partyId !== null) {
      const party = outcome.parties.get(reading.partyId) ?? { hits: new Set<string>(), tried: 0 };
      for (const h of pass.pseudonymHits) party.hits.add(h);
      party.tried = Math.max(party.tried, pass.pseudonymsTried);
      outcome.parties.set(reading.partyId, party);
    }
    const placed = placedBy(pass);
    if (placed.length === 0) continue;
    const places = placed.map((p) => p.place);
    const sheets = [...new Set(places.map((p) => p.sheet))];
    // One order, one question: a viewer's grid pages share theirs, and name the first of them.
    const byOrder = new Map<string, { key: Buffer; groupRows: number; deliveries: Delivery[] }>();
    for (const d of reading.deliveries) {
      if (!sheets.every((s) => d.snapshot.sheets.includes(s))) continue;
      const key = orderKeyOfDelivery(d, secret)!;
      const same = byOrder.get(key.toString('hex')) ?? { key, groupRows: d.snapshot.orderGroupRows ?? 1, deliveries: [] };
      same.deliveries.push(d);
      byOrder.set(key.toString('hex'), same);
    }
    const chances = new Map<number, number>();
    for (const { key, groupRows, deliveries } of byOrder.values()) {
      // The odds of an order that moves runs of rows are counted in runs (fingerprint.ts).
      let log10Chance = chances.get(groupRows);
      if (log10Chance === undefined) chances.set(groupRows, (log10Chance = log10ChanceOfOrder(places, groupRows)));
      // Every order asked counts against the odds, whether its scope fits or not.
      outcome.tested.push(log10Chance);
      if (!inDeliveryOrder(key, places, groupRows)) continue;
      // A leaked row the recipient never got rules the delivery out, however well the order fits.
      const source = deliveries.find((d) => placed.every(rowScopeOf(d, description, secret)));
      if (source) outcome.matches.push({ delivery: source, rows: places.length, log10Chance });
    }
  }
  return outcome;
}

/** Whether a stored row was one the delivery's recipient got, as delivery-plan.ts decides it. */
function rowScopeOf(d: Delivery, description: DatasetDescription, secret: Buffer): (row: { place: StoredPlace; cells: string[] }) => boolean {
  // The `none` form makes no pseudonym: the row filter alone, at the cost of copying a few cells.
  const plans = planDelivery(description, d.snapshot, { form: 'none', entityIds: d.entityIds, partyId: d.partyId, coversDocumentEntity: d.snapshot.coversDocumentEntity }, secret);
  return (row) => plans[row.place.sheet]?.deliver(row.cells) != null;
}

/** The room's delivered dataset versions, with their deliveries: files (CSV, XLSX) and grid pages. */
async function versionsToTrace(db: Db, roomId: string): Promise<VersionToTrace[]> {
  const rows: Array<DatasetDeliveryRow & { objectKey: string; description: string; userId: string }> = await db('datasetDeliveries as dd')
    .join('downloads as d', 'd.id', 'dd.downloadId')
    .join('documentVersions as v', 'v.id', 'dd.versionId')
    .join('datasetDescriptions as dsd', 'dsd.versionId', 'dd.versionId')
    .where('dd.roomId', roomId)
    .whereIn('d.kind', ['download', 'view'])
    .where('dsd.status', 'ready')
    .orderBy('d.at')
    .orderBy('d.id')
    .select('dd.*', 'v.objectKey', 'dsd.description', 'd.userId');
  const versions = new Map<string, VersionToTrace>();
  for (const r of rows) {
    let v = versions.get(r.versionId);
    if (!v) {
      v = { versionId: r.versionId, documentId: r.documentId, objectKey: r.objectKey, description: JSON.parse(r.description) as DatasetDescription, deliveries: [] };
      versions.set(r.versionId, v);
    }
    v.deliveries.push({
      downloadId: r.downloadId,
      format: r.format,
      userId: r.userId,
      versionId: r.versionId,
      partyId: r.partyId,
      form: r.form,
      entityIds: r.entityIds === null ? null : (JSON.parse(r.entityIds) as string[]),
      snapshot: JSON.parse(r.classification) as DeliverySnapshot,
    });
  }
  return [...versions.values()];
}

/**
 * The delivery (or, failing that, the party) a leaked dataset came from, among this room's dataset
 * deliveries; undefined when nothing can be named without risking a wrong name.
 */
export async function traceDataset(db: Db, store: ObjectStore, roomId: string, data: Buffer, format: DatasetFormat): Promise<DatasetTrace | undefined> {
  let leak: LeakedSheet[];
  try {
    leak = await readLeak(data, format);
  } catch (err) {
    if (err instanceof NotADatasetError) return undefined;
    throw err;
  }
  const versions = await versionsToTrace(db, roomId);
  if (versions.length === 0 || leak.every((s) => s.rows.length === 0)) return undefined;
  const secret = await roomDatasetSecret(db, roomId);

  const outcomes: Array<{ version: VersionToTrace; outcome: VersionOutcome }> = [];
  for (const version of versions) {
    const outcome = await traceVersion(store, secret, leak, version);
    if (outcome) outcomes.push({ version, outcome });
  }

  // Only an order whose own odds are below the bar can ever be named, matched or not: one with less
  // evidence (a few rows of another version placed by the columns it kept unchanged) is never a name,
  // so never a wrong one. The union bound runs over the others, in every version — the chance that one
  // of them, not being the source, came out in order by accident — and the name is the one of them
  // that matched. (Counted in, every weak order tested pushed a strong match past the bar: a leak of a
  // version went untraced once a newer version of the file had been delivered.)
  const bar = Math.log10(MAX_FALSE_MATCH);
  const allTested = outcomes.flatMap((o) => o.outcome.tested);
  const tested = allTested.filter((log10Chance) => log10Chance < bar);
  const log10False = log10Sum(tested);
  const matches = outcomes.flatMap((o) => o.outcome.matches.filter((m) => m.log10Chance < bar).map((m) => ({ ...m, version: o.version })));
  if (matches.length === 1 && matches[0]!.rows >= MIN_ROWS && log10False < bar) {
    const { delivery, rows, version } = matches[0]!;
    return {
      match: 'fingerprint',
      downloadId: delivery.downloadId,
      documentId: version.documentId,
      versionId: version.versionId,
      rows,
      deliveriesTested: allTested.length,
      log10FalseMatchProbability: log10False,
    };
  }
  return partyOf(outcomes);
}

/**
 * The party whose pseudonyms the leak holds: one value's pseudonym is an HMAC under the room's secret
 * and the party, so a leaked value equals one of `tried` pseudonyms of a party by accident with a
 * chance of tried / 2^64; `hits` distinct such coincidences among `leaked` values, for any of the
 * parties, at most parties × (leaked × tried / 2^64)^hits. A party is named only when it alone has any.
 */
function partyOf(outcomes: Array<{ version: VersionToTrace; outcome: VersionOutcome }>): DatasetTrace | undefined {
  const parties = new Map<string, { hits: Set<string>; tried: number; leaked: number; version: VersionToTrace }>();
  for (const { version, outcome } of outcomes) {
    for (const [partyId, p] of outcome.parties) {
      const known = parties.get(partyId);
      if (!known || p.hits.size > known.hits.size) parties.set(partyId, { ...p, leaked: outcome.leakedPseudonyms, version });
    }
  }
  const withHits = [...parties.entries()].filter(([, p]) => p.hits.size > 0);
  if (withHits.length !== 1) return undefined;
  const [partyId, p] = withHits[0]!;
  if (p.hits.size < MIN_PSEUDONYMS) return undefined;
  const log10False = Math.log10(parties.size) + p.hits.size * (Math.log10(Math.max(1, p.tried)) + Math.log10(Math.max(1, p.leaked)) - 64 * Math.log10(2));
  if (log10False >= Math.log10(MAX_FALSE_MATCH)) return undefined;
  return {
    match: 'party',
    partyId,
    documentId: p.version.documentId,
    versionId: p.version.versionId,
    candidateIds: p.version.deliveries.filter((d) => d.partyId === partyId && d.form === 'pseudonymised').map((d) => d.downloadId),
    pseudonyms: p.hits.size,
    log10FalseMatchProbability: log10False,
  };
}
