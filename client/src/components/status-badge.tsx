const TONES: Record<string, string> = {
  open: 'success',
  active: 'success',
  invited: 'info',
  disabled: 'muted',
  live: 'success',
  draft: 'neutral',
  setup: 'neutral',
  preparing: 'neutral',
  pending: 'warning',
  confirmed: 'success',
  expired: 'warning',
  rejected: 'danger',
  terminated: 'muted',
  paused: 'warning',
  locked: 'warning',
  suspended: 'warning',
  closed: 'muted',
  archived: 'muted',
};

/** "due_diligence" → "Due diligence". */
export function statusLabel(status: string): string {
  const words = status.replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Unknown';
}

export function StatusBadge({ status }: { status: string }) {
  const tone = TONES[status.toLowerCase()] ?? 'info';
  return <span className={`badge badge-${tone}`}>{statusLabel(status)}</span>;
}
