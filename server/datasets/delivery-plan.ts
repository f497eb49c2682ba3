import type { ColumnRole, ColumnType, DatasetClassification, DatasetDescription, SheetDescription } from './dataset-types.js';
import type { PersonalData } from '../ranks.js';
import { generalised, pseudonymiser } from './personal-data.js';
import { keptPseudonyms } from './pseudonym-columns.js';

/** Who a delivery is for, as datasetScopeFor (server/policy/dataset-scope.ts) decided it. */
export interface DeliveryScope {
  form: PersonalData;
  /** Entities whose rows the recipient gets; null: every row (the deal team). */
  entityIds: string[] | null;
  partyId: string | null;
  /** Whether an NDA covers the recipient for the entity the file itself is filed under. */
  coversDocumentEntity: boolean;
}

export type ColumnTreatment = 'as_stored' | 'pseudonymised' | 'generalised';

/** A delivered column: the stored column it is, and what is done to it. */
export interface DeliveredColumn {
  at: number;
  type: ColumnType;
  treatment: ColumnTreatment;
}

/**
 * Which stored rows of a sheet are the recipient's: all, none, or those whose value in the entity
 * column (`column`) maps to an entity in `allowed`.
 */
export type RowScope = { kind: 'all' } | { kind: 'none' } | { kind: 'entity'; column: number; entityOf: Map<string, string>; allowed: Set<string> };

/** One sheet as delivered: which stored columns, transformed how, and which rows. */
export interface SheetPlan {
  sheet: number;
  name: string;
  header: string[];
  /** What was done to each delivered column: the recipient is told. */
  treatments: ColumnTreatment[];
  /**
   * Whether any row of the sheet can be the recipient's. A sheet that cannot is left out of what the
   * recipient is told and given, its name and header included: a workbook's "Falcon BV bonuses" sheet
   * says enough to a party covered for another entity.
   */
  forRecipient: boolean;
  /** The delivered columns, in delivery order (what `deliver` does, for the writers that work on stored rows' bytes). */
  columns: DeliveredColumn[];
  /** The rows `deliver` keeps. */
  rows: RowScope;
  /**
   * Builds the delivered cells of a stored row, or null when the row is not the recipient's. With the
   * row's index (its place in the sheet), pseudonyms the party was given before are read, not made again
   * (pseudonym-columns.ts), when the plan was made for a version (planDelivery's `versionKey`).
   */
  deliver(cells: string[], index?: number): string[] | null;
}

const sheetOf = (description: DatasetDescription, name: string | undefined) => (name === undefined ? 0 : description.sheets.findIndex((s) => s.name === name));

/** The role the deal team gave a column (`none` until they say otherwise). */
export function roleOf(classification: DatasetClassification, description: DatasetDescription, sheet: number, column: string): ColumnRole {
  const found = classification.columns.find((c) => sheetOf(description, c.sheet) === sheet && c.name === column);
  return found?.role ?? 'none';
}

/**
 * The delivery of each sheet for one recipient (docs/http-api.md, "What a dataset delivery holds"):
 * - rows: with an entity column on the sheet, the rows whose value maps to an entity of the scope
 *   (unmapped values: the deal team only); on a sheet without one, the rows belong to the entity the
 *   file is filed under, so they go where an NDA covers that entity;
 * - columns: `identified` as stored; `pseudonymised` → direct columns as pseudonyms, quasi columns
 *   generalised; `none` → direct and quasi columns left out;
 * - every other value as stored.
 */
export function planDelivery(
  description: DatasetDescription,
  classification: DatasetClassification,
  scope: DeliveryScope,
  roomSecret: Buffer,
  options: { versionKey?: string } = {},
): SheetPlan[] {
  const entitySheet = classification.entityColumn ? sheetOf(description, classification.entityColumn.sheet) : -1;
  const allowed = scope.entityIds === null ? null : new Set(scope.entityIds);
  const pseudonym = pseudonymiser(roomSecret, scope.partyId ?? '');
  return description.sheets.map((sheet, index) => {
    const columns = sheet.columns.map((c, at) => ({ at, name: c.name, type: c.type, role: roleOf(classification, description, index, c.name) }));
    const kept = scope.form === 'none' ? columns.filter((c) => c.role === 'none') : columns;
    const transform = kept.map((c): ((v: string, index: number | undefined) => string) => {
      if (scope.form !== 'pseudonymised' || c.role === 'none') return (v) => v;
      if (c.role === 'direct') {
        if (options.versionKey === undefined) return pseudonym;
        return keptPseudonyms(pseudonym, scope.partyId ?? '', options.versionKey, index, c.at, sheet.rows);
      }
      return (v) => generalised(v, c.type);
    });
    const rows = rowScope(sheet, index, entitySheet, classification, allowed, scope);
    const keeps = rowFilter(rows);
    const treatments = kept.map((c): ColumnTreatment => (scope.form !== 'pseudonymised' || c.role === 'none' ? 'as_stored' : c.role === 'direct' ? 'pseudonymised' : 'generalised'));
    return {
      sheet: index,
      name: sheet.name,
      header: kept.map((c) => c.name),
      forRecipient: rows.kind !== 'none',
      treatments,
      columns: kept.map((c, i) => ({ at: c.at, type: c.type, treatment: treatments[i]! })),
      rows,
      deliver: (cells: string[], at?: number) => (keeps(cells) ? kept.map((c, i) => transform[i]!(cells[c.at] ?? '', at)) : null),
    };
  });
}

function rowScope(
  sheet: SheetDescription,
  index: number,
  entitySheet: number,
  classification: DatasetClassification,
  allowed: Set<string> | null,
  scope: DeliveryScope,
): RowScope {
  if (allowed === null) return { kind: 'all' };
  // The entity column's sheet is gone (a new version renamed it): which sheet's rows belong to which
  // entity is unknown until the deal team says again, so no sheet's rows go out.
  if (entitySheet < 0 && classification.entityColumn) return { kind: 'none' };
  if (index !== entitySheet) return scope.coversDocumentEntity ? { kind: 'all' } : { kind: 'none' };
  const column = sheet.columns.findIndex((c) => c.name === classification.entityColumn!.name);
  if (column < 0) return { kind: 'none' };
  return { kind: 'entity', column, entityOf: new Map(Object.entries(classification.entityMap)), allowed };
}

/** Whether a stored row (its cells) is in the scope. */
function rowFilter(rows: RowScope): (cells: string[]) => boolean {
  if (rows.kind !== 'entity') return rows.kind === 'all' ? () => true : () => false;
  const { column, entityOf, allowed } = rows;
  return (cells) => {
    const entityId = entityOf.get(cells[column] ?? '');
    return entityId !== undefined && allowed.has(entityId);
  };
}
