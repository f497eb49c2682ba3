import type { Classification, Level, PersonalData } from '../api.js';
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
