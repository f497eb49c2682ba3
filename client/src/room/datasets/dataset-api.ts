import { request } from '../../api.js';

/**
 * Datasets (docs/API.md, "Datasets"): a CSV or XLSX upload kept as a table. The deal team reads and
 * classifies its columns; everyone with view pages through their own copy of its rows; a download is
 * that copy as CSV or XLSX, made by the server for the caller.
 */

export type DatasetFormat = 'csv' | 'xlsx';
export type ColumnType = 'empty' | 'integer' | 'decimal' | 'date' | 'boolean' | 'text';
/** `direct` identifies a person (name, email, employee number); `quasi` does in combination (birth date, postcode, salary). */
export type ColumnRole = 'none' | 'direct' | 'quasi';
export const COLUMN_ROLES: ColumnRole[] = ['none', 'direct', 'quasi'];

export interface DatasetColumn {
  name: string;
  type: ColumnType;
  role: ColumnRole;
}
export interface DatasetSheet {
  name: string;
  /** Data rows, the header not counted. */
  rows: number;
  columns: DatasetColumn[];
}
/** A column named by its sheet and header (the server answers with both). */
export interface ColumnRef {
  sheet: string;
  name: string;
}
export interface Dataset {
  format: DatasetFormat;
  sheets: DatasetSheet[];
  subjectColumn: ColumnRef | null;
  entityColumn: ColumnRef | null;
  /** Cell value of the entity column → entity id (one of the room's targets). */
  entityMap: Record<string, string>;
}
export interface DatasetClassification {
  columns: Array<{ sheet: string; name: string; role: ColumnRole }>;
  subjectColumn: ColumnRef | null;
  entityColumn: ColumnRef | null;
  entityMap: Record<string, string>;
}
/** A page of the caller's own copy: the same rows and columns a download would hold. */
export interface DatasetRows {
  columns: string[];
  rows: string[][];
  /** Rows of the caller's copy of this sheet, all pages together. */
  total: number;
  /** What was done to each column of this copy (the server says; older servers do not). */
  treatments?: Record<string, ColumnTreatment>;
  /** The sheets of the caller's copy, by name (the server says; older servers do not). */
  sheets?: string[];
}

export type ColumnTreatment = 'as_stored' | 'pseudonymised' | 'generalised';

/** Rows per request the server allows at most. */
export const MAX_ROWS_PER_REQUEST = 1000;

const enc = encodeURIComponent;

export const datasetApi = {
  /** Staff only: sheets, columns with their inferred types and roles, subject and entity columns, the entity map. */
  dataset: (documentId: string, signal?: AbortSignal) => request<Dataset>('GET', `/api/documents/${enc(documentId)}/dataset`, { signal }),
  /** Managers only: 400 names each field at fault (`columns.3.name`, `subjectColumn`, `entityMap.<value>`). */
  classify: (documentId: string, body: DatasetClassification) => request<Dataset>('PUT', `/api/documents/${enc(documentId)}/dataset`, { body }),
  rows: (documentId: string, params: { sheet?: string; offset: number; limit: number }, signal?: AbortSignal) => {
    const query = new URLSearchParams({ offset: String(params.offset), limit: String(params.limit) });
    if (params.sheet !== undefined) query.set('sheet', params.sheet);
    return request<DatasetRows>('GET', `/api/documents/${enc(documentId)}/rows?${query}`, { signal });
  },
  /** The caller's copy as a file (a CSV holds one sheet: the one named, else the first). */
  contentUrl: (documentId: string, format: DatasetFormat, sheet?: string) => {
    const query = new URLSearchParams({ format });
    if (sheet !== undefined && format === 'csv') query.set('sheet', sheet);
    return `/api/documents/${enc(documentId)}/content?${query}`;
  },
};
