import type { Question, QuestionPriority, QuestionStatus } from './questions-api.js';

export const STATUS_LABEL: Record<QuestionStatus, string> = {
  open: 'Open',
  assigned: 'Assigned',
  answer_pending: 'Answer pending',
  answered: 'Answered',
  closed: 'Closed',
};
const STATUS_TONE: Record<QuestionStatus, string> = {
  open: 'info',
  assigned: 'neutral',
  answer_pending: 'warning',
  answered: 'success',
  closed: 'muted',
};
/** What each status means to the one reading it: the asking party waits, the deal team acts. */
const STATUS_HELP: Record<QuestionStatus, string> = {
  open: 'Not yet assigned to anyone at the seller',
  assigned: 'Assigned to someone at the seller, who drafts the answer',
  answer_pending: 'An answer is drafted and waits for a manager’s approval',
  answered: 'The answer is approved: the asking party reads it',
  closed: 'Closed: no further answer is given',
};

export function QuestionStatusBadge({ status }: { status: QuestionStatus | undefined }) {
  if (!status) return null;
  return <span className={`badge badge-${STATUS_TONE[status]}`} title={STATUS_HELP[status]}>{STATUS_LABEL[status]}</span>;
}

export const PRIORITY_LABEL: Record<QuestionPriority, string> = { low: 'Low', normal: 'Normal', high: 'High' };

/** Only a priority other than normal stands out. */
export function PriorityBadge({ priority }: { priority: QuestionPriority | undefined }) {
  if (!priority) return null;
  return <span className={priority === 'high' ? 'badge badge-warning' : 'badge badge-neutral'}>{PRIORITY_LABEL[priority]} priority</span>;
}

export function FaqBadge() {
  return <span className="badge badge-info" title="Published for every party, without who asked">FAQ</span>;
}

/** "Question 3: Customer churn", or the subject alone where the caller does not read the party's number. */
export const questionTitle = (q: Pick<Question, 'number' | 'subject'>) => (q.number !== undefined ? `Question ${q.number}: ${q.subject}` : q.subject);
