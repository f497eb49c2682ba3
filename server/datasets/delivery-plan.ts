import type { ColumnRole, DatasetClassification, DatasetDescription, SheetDescription } from './dataset-types.js';
import type { PersonalData } from '../ranks.js';
import { generalised, pseudonymiser } from './personal-data.js';

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
  /** Builds the delivered cells of a stored row, or null when the row is not the recipient's. */
  deliver(cells: string[]): string[] | null;
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
export function planDelivery(description: DatasetDescription, classification: DatasetClassification, scope: DeliveryScope, roomSecret: Buffer): SheetPlan[] {
  const entitySheet = classification.entityColumn ? sheetOf(description, classification.entityColumn.sheet) : -1;
  const allowed = scope.entityIds === null ? null : new Set(scope.entityIds);
  const pseudonym = pseudonymiser(roomSecret, scope.partyId ?? '');
  return description.sheets.map((sheet, index) => {
    const columns = sheet.columns.map((c, at) => ({ at, name: c.name, type: c.type, role: roleOf(classification, description, index, c.name) }));
    const kept = scope.form === 'none' ? columns.filter((c) => c.role === 'none') : columns;
    const transform = kept.map((c): ((v: string) => string) => {
      if (scope.form !== 'pseudonymised' || c.role === 'none') return (v) => v;
      if (c.role === 'direct') return pseudonym;
      return (v) => generalised(v, c.type);
    });
    const keeps = rowFilter(sheet, index, entitySheet, classification, allowed, scope);
    const forRecipient = keeps !== NO_ROWS;
    return {
      sheet: index,
      name: sheet.name,
      header: kept.map((c) => c.name),
      forRecipient,
      treatments: kept.map((c): ColumnTreatment => (scope.form !== 'pseudonymised' || c.role === 'none' ? 'as_stored' : c.role === 'direct' ? 'pseudonymised' : 'generalised')),
      deliver: (cells: string[]) => (keeps(cells) ? kept.map((c, i) => transform[i]!(cells[c.at] ?? '')) : null),
    };
  });
}

/** The filter of a sheet none of whose rows is the recipient's. */
const NO_ROWS = () => false;

function rowFilter(
  sheet: SheetDescription,
  index: number,
  entitySheet: number,
  classification: DatasetClassification,
  allowed: Set<string> | null,
  scope: DeliveryScope,
): (cells: string[]) => boolean {
  if (allowed === null) return () => true;
  // The entity column's sheet is gone (a new version renamed it): which sheet's rows belong to which
  // entity is unknown until the deal team says again, so no sheet's rows go out.
  if (entitySheet < 0 && classification.entityColumn) return NO_ROWS;
  if (index !== entitySheet) return scope.coversDocumentEntity ? () => true : NO_ROWS;
  const column = sheet.columns.findIndex((c) => c.name === classification.entityColumn!.name);
  if (column < 0) return NO_ROWS;
  const map = new Map(Object.entries(classification.entityMap));
  return (cells) => {
    const entityId = map.get(cells[column] ?? '');
    return entityId !== undefined && allowed.has(entityId);
  };
}
