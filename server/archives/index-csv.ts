import { stringify } from 'csv-stringify/sync';
import type { ArchivedFile } from './archive-scope.js';

/**
 * A cell a spreadsheet would run as a formula (= + - @, or a leading tab or CR) gets a leading
 * apostrophe: a title typed by the deal team must never execute when counsel opens the index.
 */
export const spreadsheetSafe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

export const INDEX_COLUMNS = ['index', 'title', 'entity', 'status', 'versions', 'version', 'sha256', 'size', 'file', 'folder', 'documentId', 'downloadIds'] as const;

/** index.csv: one row per file of a document in the archive, naming the file and its SHA-256. */
export function indexCsv(rows: Array<{ file: ArchivedFile; path: string }>): string {
  return stringify(
    rows.map(({ file: f, path }) => [f.index, f.title, f.entity, f.status, f.versions, f.version, f.sha256, f.size, path, f.folder, f.documentId, f.downloadIds.join(' ')]),
    {
      header: true,
      columns: [...INDEX_COLUMNS],
      record_delimiter: '\r\n',
      cast: { string: spreadsheetSafe },
    },
  );
}
