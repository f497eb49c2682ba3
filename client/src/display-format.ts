import type { Classification, Level, PersonalData } from './api.js';

/** How the domain's values read to people (labels match the words of docs/access-rule.md). */
export const CLASSIFICATION_LABEL: Record<Classification, string> = {
  standard: 'Standard',
  confidential: 'Confidential',
  highly_confidential: 'Highly confidential',
  clean_team: 'Clean team',
};
export const PERSONAL_DATA_LABEL: Record<PersonalData, string> = {
  none: 'No personal data',
  pseudonymised: 'Pseudonymised personal data',
  identified: 'Identified personal data',
};
export const LEVEL_LABEL: Record<Level, string> = { view: 'View', download: 'Download', original: 'Original' };
export const LEVEL_HELP: Record<Level, string> = {
  view: 'view stamped copies in the browser',
  download: 'also download stamped copies',
  original: 'also download unstamped originals',
};

/** A size in bytes as people read it; an unknown one (a dataset's, outside the deal team) as a dash. */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "PDF", "JPEG", … from a MIME type: what people call the file. */
export function formatType(mimeType: string): string {
  const known: Record<string, string> = {
    'application/pdf': 'PDF',
    'image/jpeg': 'JPEG',
    'image/png': 'PNG',
    'image/webp': 'WebP',
    'image/tiff': 'TIFF',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
    'application/zip': 'ZIP',
    'text/plain': 'Text',
  };
  return known[mimeType] ?? (mimeType.split('/')[1] ?? mimeType).toUpperCase().slice(0, 8);
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC', hour12: false });

/** Dates are shown in UTC: the ledger and the stamps are UTC, and counsel compare them. */
export const formatDate = (iso: string | null | undefined) => (iso ? dateFormat.format(new Date(iso)) : '—');
export const formatTime = (iso: string | null | undefined) => (iso ? `${timeFormat.format(new Date(iso))} UTC` : '—');

/** Whole days from now until `iso` (negative when past). */
export const daysUntil = (iso: string, now = Date.now()) => Math.floor((Date.parse(iso) - now) / 86_400_000);

/** A date input's value (YYYY-MM-DD) as the start of that day in UTC. */
export const dateInputToIso = (value: string) => (value ? new Date(`${value}T00:00:00.000Z`).toISOString() : '');
export const isoToDateInput = (iso: string) => iso.slice(0, 10);
