import fc from 'fast-check';
import { COLUMN_ROLES, type ColumnRole, type ColumnType, type WorldColumn, type WorldDataset, type WorldSheet } from './world-model.js';

/**
 * Random datasets for the worlds of the access rule (docs/http-api.md, "Datasets"): small tables
 * whose columns hold the shapes the deal team's files hold — identifiers, names and emails that
 * repeat (so one value meets its pseudonym more than once), dates either way round, integers and
 * decimals of every sign and size, booleans, postcodes, text that a spreadsheet would run as a
 * formula — each with a random role, and an entity column whose values map to some of the room's
 * entities and leave others unmapped.
 */
type Draw = fc.GeneratorValue;
const pick = <T>(g: Draw, items: readonly T[]): T => items[g(fc.integer, { min: 0, max: items.length - 1 })];
const chance = (g: Draw, percent: number) => g(fc.integer, { min: 1, max: 100 }) <= percent;

/** What the reader makes of one value (describe-dataset.ts's documented rules), as the generator knows it. */
type ValueKind = Exclude<ColumnType, 'empty'>;
interface Shape { value: string; kind: ValueKind }

const NAMES = ['Ann Smith', 'Bo Chen', 'Chloé Martin', 'Dmitri Ivanov', 'Eve', 'Smith, Jo', 'Zoë "Z" Adams', '=HYPERLINK("x")', '张伟'];
const EMAILS = ['ann@falcon.example', 'bo.chen@falcon.example', 'chloe@falcon.example', '@dmitri', 'eve+dd@falcon.example'];
const DEPARTMENTS = ['Sales', 'R&D', '=SUM(A1)', 'Finance, EU', '"Ops"', '-', "'tis", 'HR'];
const CODES = ['01234', 'SW1A 1AA', 'AB', 'ß', 'Zürich 8001', '+44 20'];
const two = (n: number) => String(n).padStart(2, '0');

/** Each kind of column: its name, and a value of row `row` (identifiers are unique per row, the rest repeat). */
export const COLUMN_KINDS = {
  id: { name: 'Employee ID', value: (_g: Draw, row: number): Shape => ({ value: `E${10_000 + row * 7}`, kind: 'text' }) },
  name: { name: 'Name', value: (g: Draw): Shape => ({ value: pick(g, NAMES), kind: 'text' }) },
  email: { name: 'Email', value: (g: Draw): Shape => ({ value: pick(g, EMAILS), kind: 'text' }) },
  isoDate: {
    name: 'Birth date',
    value: (g: Draw): Shape => {
      const day = `${g(fc.integer, { min: 1940, max: 2005 })}-${two(g(fc.integer, { min: 1, max: 12 }))}-${two(g(fc.integer, { min: 1, max: 28 }))}`;
      return { value: chance(g, 20) ? `${day}T08:30:00Z` : day, kind: 'date' };
    },
  },
  dayDate: {
    name: 'Start date',
    value: (g: Draw): Shape => {
      const [d, m, y] = [g(fc.integer, { min: 1, max: 28 }), g(fc.integer, { min: 1, max: 12 }), g(fc.integer, { min: 1990, max: 2030 })];
      const sep = pick(g, ['.', '/', '-']);
      const day = `${chance(g, 50) ? two(d) : d}${sep}${chance(g, 50) ? two(m) : m}${sep}${y}`;
      return { value: chance(g, 15) ? `${day} 10:30` : day, kind: 'date' };
    },
  },
  integer: { name: 'Salary', value: (g: Draw): Shape => ({ value: pick(g, ['7', '0', '37', '45500', '-1200', '1000000', '+42', '99999']), kind: 'integer' }) },
  decimal: { name: 'Bonus', value: (g: Draw): Shape => ({ value: pick(g, ['1234.56', '-0.75', '0.5', '45500.25', '9.99', '.5', '1e3']), kind: 'decimal' }) },
  boolean: { name: 'Union member', value: (g: Draw): Shape => ({ value: pick(g, ['TRUE', 'false']), kind: 'boolean' }) },
  code: { name: 'Postcode', value: (g: Draw): Shape => ({ value: pick(g, CODES), kind: 'text' }) },
  department: { name: 'Department', value: (g: Draw): Shape => ({ value: pick(g, DEPARTMENTS), kind: 'text' }) },
} as const;
export type ColumnKind = keyof typeof COLUMN_KINDS;
const KINDS = Object.keys(COLUMN_KINDS) as ColumnKind[];

/**
 * A column's type as the reader infers it from its values (describe-dataset.ts): blanks say
 * nothing; integers and decimals together are decimal; any other mix is text.
 */
export function columnTypeOf(kinds: ValueKind[]): ColumnType {
  const seen = new Set(kinds);
  if (seen.size === 0) return 'empty';
  if (seen.size === 1) return [...seen][0]!;
  if ([...seen].every((k) => k === 'integer' || k === 'decimal')) return 'decimal';
  return 'text';
}

export interface TableSpec {
  /** The kinds of the sheet's columns, in order (distinct). */
  kinds: ColumnKind[];
  rows: number;
  /** The entity column's values to draw from (undefined: the sheet has none). */
  entityLabels?: string[];
  /** Percent of cells left blank (never a whole row: the reader skips rows holding nothing). */
  blanks?: number;
  /** Percent chance that a column holds one value of another kind (it is then typed text, or decimal). */
  strays?: number;
}

/** One sheet drawn to `spec`, each column with a random role. */
export function drawSheet(g: Draw, name: string, spec: TableSpec, roles: (kind: ColumnKind | 'entity') => ColumnRole = () => pick(g, COLUMN_ROLES)): WorldSheet {
  const blanks = spec.blanks ?? 10;
  const columns: Array<{ kind: ColumnKind | 'entity'; name: string; stray: ColumnKind | null }> = spec.kinds.map((kind) => ({
    kind,
    name: COLUMN_KINDS[kind].name,
    stray: chance(g, spec.strays ?? 10) ? pick(g, KINDS) : null,
  }));
  if (spec.entityLabels) columns.splice(g(fc.integer, { min: 0, max: columns.length }), 0, { kind: 'entity', name: 'Entity', stray: null });
  const columnRoles = columns.map((c) => roles(c.kind));
  const kinds: ValueKind[][] = columns.map(() => []);
  const rows: string[][] = [];
  for (let r = 0; r < spec.rows; r++) {
    const shapes = columns.map((c): Shape | null => {
      if (c.kind === 'entity') {
        const value = pick(g, spec.entityLabels!);
        return value === '' ? null : { value, kind: 'text' };
      }
      if (c.kind !== 'id' && chance(g, blanks)) return null;
      return COLUMN_KINDS[c.stray && chance(g, 30) ? c.stray : c.kind].value(g, r);
    });
    // A column left as stored that repeats a direct column in the same row is a classification
    // the deal team cannot make (PUT …/dataset refuses it: the value beside its pseudonym undoes
    // it); strays make such rows by chance (a department in two columns, a date in Name), so the
    // repeating cell is drawn blank. Compared as the service compares: trimmed, NFC, any case.
    const comparable = (shape: Shape | null) => shape?.value.trim().normalize('NFC').toLowerCase() ?? '';
    const direct = new Set(shapes.flatMap((shape, i) => (columnRoles[i] === 'direct' && comparable(shape) !== '' ? [comparable(shape)] : [])));
    shapes.forEach((shape, i) => {
      if (columnRoles[i] === 'none' && direct.has(comparable(shape))) shapes[i] = null;
    });
    const cells = shapes.map((shape, i) => {
      if (shape) kinds[i]!.push(shape.kind);
      return shape?.value ?? '';
    });
    // A row of blanks is no row to the reader: give it a department.
    if (!cells.some((c) => c !== '')) {
      cells[0] = 'HR';
      kinds[0]!.push('text');
    }
    rows.push(cells);
  }
  const described: WorldColumn[] = columns.map((c, i) => ({ name: c.name, type: columnTypeOf(kinds[i]!), role: columnRoles[i]! }));
  return { name, columns: described, rows };
}

/** Distinct kinds for a sheet: `min` to `max` of them, in a random order. */
export function drawKinds(g: Draw, min: number, max: number): ColumnKind[] {
  const pool = [...KINDS];
  const out: ColumnKind[] = [];
  for (let n = g(fc.integer, { min, max }); n > 0 && pool.length; n--) out.push(pool.splice(g(fc.integer, { min: 0, max: pool.length - 1 }), 1)[0]!);
  return out;
}

/**
 * The labels a file writes for the room's entities (one each, sometimes two), values no map names
 * ("Falcon BV", blank), and the map: most labels of the room's entities map to one of them (not
 * always their own), some are left unmapped. Sometimes the map is empty: an entity column, and no row
 * anyone outside the deal team may have.
 */
export function drawEntityLabels(g: Draw, roomEntityIds: string[]): { labels: string[]; entityMap: Record<string, string> } {
  const labels: string[] = [];
  const entityMap: Record<string, string> = {};
  const empty = chance(g, 10);
  roomEntityIds.forEach((entityId, i) => {
    for (let k = 0, n = chance(g, 20) ? 2 : 1; k < n; k++) {
      const label = k === 0 ? `Falcon ${i} GmbH` : `FALCON-${i}`;
      labels.push(label);
      if (!empty && chance(g, 80)) entityMap[label] = chance(g, 85) ? entityId : pick(g, roomEntityIds);
    }
  });
  labels.push('Falcon BV');
  if (chance(g, 30)) labels.push('');
  return { labels, entityMap };
}

/**
 * A dataset for a document of room `roomEntityIds`: one sheet (a CSV, or a workbook of one) or up to
 * three (a workbook), 0–8 rows each; an entity column on one of them (or none), whose role is drawn
 * like any other's.
 */
export function drawDataset(g: Draw, documentId: string, roomEntityIds: string[]): WorldDataset {
  const sheetCount = chance(g, 65) ? 1 : g(fc.integer, { min: 2, max: 3 });
  const withEntities = chance(g, 70);
  const entitySheet = withEntities ? g(fc.integer, { min: 0, max: sheetCount - 1 }) : -1;
  const { labels, entityMap } = drawEntityLabels(g, roomEntityIds);
  const sheets = Array.from({ length: sheetCount }, (_, s) =>
    drawSheet(g, ['Sheet1', 'People', 'Contracts'][s]!, {
      kinds: drawKinds(g, s === entitySheet ? 0 : 1, 4),
      rows: g(fc.integer, { min: 0, max: 8 }),
      entityLabels: s === entitySheet ? labels : undefined,
    }),
  );
  return { documentId, sheets, entityColumn: withEntities ? { sheet: entitySheet, name: 'Entity' } : null, entityMap: withEntities ? entityMap : {} };
}
