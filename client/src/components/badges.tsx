import type { Classification, DocumentItem, DocumentStatus, Level, PersonalData } from '../api.js';
import { CLASSIFICATION_LABEL, LEVEL_LABEL, PERSONAL_DATA_LABEL } from '../display-format.js';

const CLASSIFICATION_TONE: Record<Classification, string> = {
  standard: 'neutral',
  confidential: 'info',
  highly_confidential: 'warning',
  clean_team: 'danger',
};

export function ClassificationBadge({ value }: { value: Classification }) {
  return <span className={`badge badge-${CLASSIFICATION_TONE[value]}`}>{CLASSIFICATION_LABEL[value]}</span>;
}

/** Shown only when a document holds personal data: the absence of a badge means none. */
export function PersonalDataBadge({ value }: { value: PersonalData }) {
  if (value === 'none') return null;
  return (
    <span className="badge badge-pd" title={PERSONAL_DATA_LABEL[value]}>
      <span aria-hidden="true">●</span> {value === 'identified' ? 'Personal data' : 'Pseudonymised'}
      <span className="visually-hidden"> ({PERSONAL_DATA_LABEL[value]})</span>
    </span>
  );
}

export function LevelBadge({ value }: { value: Level | null }) {
  if (!value) return <span className="badge badge-muted">No access</span>;
  return <span className={`badge badge-level-${value}`}>{LEVEL_LABEL[value]}</span>;
}

/**
 * For the deal team: a stored file whose stamped deliveries differ from it in substance — an
 * earlier revision discarded (an "update" may have hidden text that is still in the original),
 * attachments or other content a page stamp cannot cover left out, or no stamped delivery at all.
 */
export function DeliveryNotesBadge({ notes }: { notes: DocumentItem['deliveryNotes'] }) {
  if (!notes) return null;
  if (notes.status === 'unstampable') {
    return <span className="badge badge-danger" title={notes.message ?? undefined}>Original only: cannot be watermarked</span>;
  }
  const parts = [
    notes.earlierRevisions > 0 ? `${notes.earlierRevisions} earlier revision${notes.earlierRevisions === 1 ? '' : 's'} discarded` : null,
    ...notes.removed.filter((r) => r !== 'XMP metadata').map((r) => `${r} removed`),
  ].filter((p): p is string => Boolean(p));
  if (!parts.length) return null;
  return (
    <span className="badge badge-warning" title={`Stamped copies leave out what the original still holds: ${parts.join('; ')}. Only level original receives it.`}>
      {parts.join(' · ')}
    </span>
  );
}

const STATUS: Record<DocumentStatus, { tone: string; label: string; help: string }> = {
  draft: { tone: 'info', label: 'Draft', help: 'Seen by the deal team only, until it is published' },
  published: { tone: 'success', label: 'Published', help: 'Parties see it as their grants allow' },
  withdrawn: { tone: 'muted', label: 'Withdrawn', help: 'Taken back: no one outside the deal team sees it any longer' },
};

/**
 * The deal team's view of a document's stage. Never shown to outsiders: everything they see is
 * published, and a badge saying so would only hint that other stages exist.
 */
export function DocumentStatusBadge({ value, reason }: { value: DocumentStatus; reason?: string | null }) {
  const s = STATUS[value];
  return (
    <span className={`badge badge-${s.tone}`} title={reason ? `${s.help}. Reason: ${reason}` : s.help}>
      {s.label}
    </span>
  );
}
