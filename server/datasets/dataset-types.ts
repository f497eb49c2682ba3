/**
 * A dataset: a CSV or XLSX upload kept as a table (docs/http-api.md, "Datasets"). The reader turns the
 * stored file into sheets of rows; the description (sheets, columns, inferred types, row counts) is
 * stored beside the version; the deal team's classification (column roles, subject and entity columns)
 * beside the document; each delivery transforms the rows for its recipient.
 */

/** The format a dataset was uploaded in, and may be delivered in. */
export type DatasetFormat = 'csv' | 'xlsx';

/** What a column holds, as inferred from its values at upload. */
export type ColumnType = 'empty' | 'integer' | 'decimal' | 'date' | 'boolean' | 'text';

/**
 * What a column says of people: `none` (nothing personal), `direct` (identifies a person: name,
 * email, employee number), `quasi` (identifies in combination: birth date, postcode, salary).
 */
export type ColumnRole = 'none' | 'direct' | 'quasi';

export interface ColumnDescription {
  name: string;
  type: ColumnType;
}

export interface SheetDescription {
  name: string;
  /** Data rows, the header row not counted. */
  rows: number;
  columns: ColumnDescription[];
}

/** What the reader found in the stored file: stored per version (`dataset_descriptions`). */
export interface DatasetDescription {
  format: DatasetFormat;
  sheets: SheetDescription[];
}

/** One data row of one sheet, as the reader yields it: `index` counts the sheet's data rows from 0. */
export interface DatasetRow {
  sheet: number;
  index: number;
  /** The cells as text, one per column of the sheet's header (missing cells are ''). */
  cells: string[];
}

/** A column, named by its sheet (the first when left out) and header. */
export interface ColumnRef {
  sheet?: string;
  name: string;
}

/** The deal team's classification of a dataset (`PUT /api/documents/:documentId/dataset`). */
export interface DatasetClassification {
  columns: Array<ColumnRef & { role: ColumnRole }>;
  subjectColumn: ColumnRef | null;
  entityColumn: ColumnRef | null;
  /** Cell value of the entity column → entity id (each one of the room's targets). */
  entityMap: Record<string, string>;
  /** The columns of each sheet when the deal team classified (unclassified-columns.ts); absent until they have. */
  seen?: Array<{ sheet: string; columns: string[] }>;
}

/** Why an upload named as a dataset is kept as a plain file instead: shown to the deal team. */
export class NotADatasetError extends Error {
  constructor(
    /**
     * A short code: `unreadable`, `encrypted`, `macro_enabled`, `too_many_columns`, `cell_too_large`, `binary`, `no_header`;
     * also `too_many_sheets`, and `ragged_row` (a row holds values beyond its header: see read-dataset.ts).
     */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the reader yields, in file order: each sheet that holds a table announces itself with its
 * header (unique, non-blank column names) before its rows. `sheet` counts those sheets from 0, so a
 * workbook's empty sheets take no number.
 */
export type DatasetEvent =
  | { kind: 'sheet'; sheet: number; name: string; header: string[] }
  | { kind: 'row'; row: DatasetRow };
