import { csvRow } from '../audit/csv.js';
import type { DocumentDisclosure, Recipient, RecipientDisclosure } from './service.js';
import type { SubjectDisclosure } from './subject-disclosures.js';

export const presentDocumentDisclosure = (d: DocumentDisclosure) => ({
  orgId: d.orgId,
  orgName: d.orgName,
  documentId: d.documentId,
  title: d.title,
  entityId: d.entityId,
  entityName: d.entityName,
  personalData: d.personalData,
  ndaIds: d.ndaIds,
  users: d.users,
  first: d.first,
  last: d.last,
  count: d.count,
});

export const presentRecipientDisclosure = (d: RecipientDisclosure) => ({
  entityId: d.entityId,
  entityName: d.entityName,
  personalData: d.personalData,
  orgId: d.orgId,
  orgName: d.orgName,
  documentIds: d.documentIds,
  ndaIds: d.ndaIds,
  users: d.users,
  first: d.first,
  last: d.last,
  count: d.count,
});

export const presentSubjectDisclosure = (d: SubjectDisclosure) => ({
  orgId: d.orgId,
  orgName: d.orgName,
  userId: d.userId,
  downloadId: d.downloadId,
  documentId: d.documentId,
  at: d.at,
  form: d.form,
});

const usersCell = (users: Recipient[]) => users.map((u) => `${u.name} <${u.email}>`).join('; ');

/** CSV for counsel's spreadsheet: lists flattened into one cell each, every cell formula-safe (csvRow). */
export function disclosuresCsv(items: Array<ReturnType<typeof presentDocumentDisclosure> | ReturnType<typeof presentRecipientDisclosure>>, columns: readonly string[]): string {
  const cell = (item: Record<string, unknown>, column: string) => {
    const value = item[column];
    if (column === 'users') return usersCell(value as Recipient[]);
    return Array.isArray(value) ? value.join(' ') : value;
  };
  return csvRow([...columns]) + items.map((item) => csvRow(columns.map((c) => cell(item, c)))).join('');
}

export const DOCUMENT_CSV_COLUMNS = ['orgId', 'orgName', 'documentId', 'title', 'entityId', 'entityName', 'personalData', 'ndaIds', 'users', 'first', 'last', 'count'] as const;
export const RECIPIENT_CSV_COLUMNS = ['entityId', 'entityName', 'personalData', 'orgId', 'orgName', 'documentIds', 'ndaIds', 'users', 'first', 'last', 'count'] as const;
