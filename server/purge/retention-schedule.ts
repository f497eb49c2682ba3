const DAY_MS = 86_400_000;
/** Admins are told this long before a room's files go; a purge never comes sooner after the notice. */
export const PURGE_NOTICE_LEAD_MS = 7 * DAY_MS;

interface Scheduled {
  status: string;
  closedAt: string | null;
  retainDays: number | null;
  purgeNoticeSentAt: string | null;
  purgedAt: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** retainDays after closing: when a closed room's files fall due; null when nothing is scheduled. */
export function nominalPurgeAt(room: Scheduled): string | null {
  if (room.status !== 'closed' || room.retainDays === null || !room.closedAt || room.purgedAt) return null;
  return iso(Date.parse(room.closedAt) + room.retainDays * DAY_MS);
}

/** When the admins are mailed: a week before the room falls due (at once, for a room already past it). */
export function noticeAt(room: Scheduled): string | null {
  const due = nominalPurgeAt(room);
  return due === null ? null : iso(Date.parse(due) - PURGE_NOTICE_LEAD_MS);
}

/**
 * When the sweeper purges: when the room falls due, but never less than a week after the admins were
 * told (a retention shortened, or set on a room closed long ago, still gives them that week); null
 * until they have been told.
 */
export function purgeDueAt(room: Scheduled): string | null {
  const due = nominalPurgeAt(room);
  if (due === null) return null;
  if (!room.purgeNoticeSentAt) return due;
  return iso(Math.max(Date.parse(due), Date.parse(room.purgeNoticeSentAt) + PURGE_NOTICE_LEAD_MS));
}
