import { dateInputToIso } from '../../display-format.js';
import type { EngagementItem } from './engagement-api.js';

/** Time spent reading, as a person says it: "45 s", "12 min", "3 h 05 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "12 / 40": documents looked at of those the party may see. */
export const lookedAtOf = (item: Pick<EngagementItem, 'documents' | 'visible'>) => `${item.documents} / ${item.visible}`;

/**
 * The share a heat map cell is shaded by: documents looked at of those the party may see, at most all
 * of them (a document looked at and taken away since still counts as looked at). Null: the party may
 * see nothing there and looked at nothing, so there is nothing to shade.
 */
export function shareLookedAt(item: Pick<EngagementItem, 'documents' | 'visible'>): number | null {
  if (item.visible === 0) return item.documents > 0 ? 1 : null;
  return Math.min(1, item.documents / item.visible);
}

/** The window of the filters as the API takes it: [from's day 00:00, the day after to's) in UTC. */
export function windowOf(fromDay: string, toDay: string): { from?: string; to?: string } {
  const valid = (day: string) => /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00.000Z`));
  const to = valid(toDay) ? new Date(Date.parse(`${toDay}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined;
  return { from: valid(fromDay) ? dateInputToIso(fromDay) : undefined, to };
}
