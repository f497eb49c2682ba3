import { csvRow } from '../audit/csv.js';
import type { EngagementItem } from './service.js';

export const presentEngagementItem = (i: EngagementItem) => ({
  key: i.key,
  label: i.label,
  visible: i.visible,
  views: i.views,
  downloads: i.downloads,
  users: i.users,
  documents: i.documents,
  pagesViewed: i.pagesViewed,
  seconds: i.seconds,
  lastAt: i.lastAt,
  ...(i.partyId !== undefined ? { partyId: i.partyId } : {}),
  ...(i.folderId !== undefined ? { folderId: i.folderId } : {}),
});

const CSV_COLUMNS = ['key', 'label', 'visible', 'views', 'downloads', 'users', 'documents', 'pagesViewed', 'seconds', 'lastAt'] as const;

/** The same rows as CSV; a label starting a formula (a document titled "=HYPERLINK(…)") is escaped. */
export const engagementCsv = (items: EngagementItem[]) =>
  csvRow([...CSV_COLUMNS]) + items.map((i) => csvRow(CSV_COLUMNS.map((c) => i[c]))).join('');
