import type { ColumnRef, ColumnRole, Dataset, DatasetClassification } from './dataset-api.js';

/** The column editor's working copy of a classification, before it is saved. */
export interface ClassificationDraft {
  /** Role by column key (`columnKey`); a column not in the map is `none`. */
  roles: Record<string, ColumnRole>;
  subjectColumn: ColumnRef | null;
  entityColumn: ColumnRef | null;
  /** Cell value → entity id; values left unmapped are not in it. */
  entityMap: Record<string, string>;
}

/** A column's key: its sheet and header (a header is unique within its sheet). */
export const columnKey = (ref: ColumnRef) => `${ref.sheet}\u0000${ref.name}`;
export const sameColumn = (a: ColumnRef | null, b: ColumnRef | null) => !!a && !!b && a.sheet === b.sheet && a.name === b.name;

export function draftOf(dataset: Dataset): ClassificationDraft {
  const roles: Record<string, ColumnRole> = {};
  for (const sheet of dataset.sheets) for (const c of sheet.columns) if (c.role !== 'none') roles[columnKey({ sheet: sheet.name, name: c.name })] = c.role;
  return { roles, subjectColumn: dataset.subjectColumn, entityColumn: dataset.entityColumn, entityMap: { ...dataset.entityMap } };
}

export const roleOf = (draft: ClassificationDraft, ref: ColumnRef): ColumnRole => draft.roles[columnKey(ref)] ?? 'none';

/**
 * The PUT body, and which column each `columns.<i>` of it is, so a refusal naming `columns.3.name`
 * lands on that column's role. Only columns with a role are sent: `none` is what the server assumes.
 */
export function requestOf(dataset: Dataset, draft: ClassificationDraft): { body: DatasetClassification; columnAt: ColumnRef[] } {
  const columnAt: ColumnRef[] = [];
  const columns: DatasetClassification['columns'] = [];
  for (const sheet of dataset.sheets) {
    for (const c of sheet.columns) {
      const ref = { sheet: sheet.name, name: c.name };
      const role = roleOf(draft, ref);
      if (role === 'none' || columnAt.some((x) => sameColumn(x, ref))) continue;
      columnAt.push(ref);
      columns.push({ ...ref, role });
    }
  }
  return {
    body: { columns, subjectColumn: draft.subjectColumn, entityColumn: draft.entityColumn, entityMap: draft.entityColumn ? draft.entityMap : {} },
    columnAt,
  };
}

/** Whether the draft says something else than what is saved. */
export function draftDiffers(dataset: Dataset, draft: ClassificationDraft): boolean {
  return JSON.stringify(requestOf(dataset, draft).body) !== JSON.stringify(requestOf(dataset, draftOf(dataset)).body);
}

/**
 * The field names a refusal uses (`entityMap.<value>`: the server cuts a value to 100 characters in
 * the name) for an entity value.
 */
export const entityMapField = (value: string) => `entityMap.${value.slice(0, 100)}`;
