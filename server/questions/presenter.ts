import type { ServiceContext } from '../service-context.js';
import { QUESTION_FIELDS, readableFields } from '../policy/ability.js';
import { answerReferences, type QuestionRow } from './repository.js';

/**
 * Which referenced documents the caller may see: null for seller staff (the deal team sees every
 * document; an expert reads the ids written into the questions assigned to them), else the set of
 * ids the caller may view. An outsider never reads the id of a document hidden from them, not even
 * in an FAQ another party's question led to.
 */
export type ReferenceFilter = ReadonlySet<string> | null;

/**
 * A question as the caller may read it: the fields the ability's rules let them read of this row
 * (managers and counsel: all; an expert: nothing of the asker; the asking party: the answer once
 * approved; other parties, for an FAQ: the question and the answer only).
 */
export function presentQuestion(q: QuestionRow, viewer: Pick<ServiceContext, 'ability'>, references: ReferenceFilter = null) {
  const seen = (documentId: string | null) => (documentId !== null && (references === null || references.has(documentId)) ? documentId : null);
  const full: Record<(typeof QUESTION_FIELDS)[number], unknown> = {
    id: q.id,
    roomId: q.roomId,
    number: Number(q.number),
    partyId: q.partyId,
    status: q.status,
    subject: q.subject,
    body: q.body,
    documentId: seen(q.documentId),
    priority: q.priority,
    createdAt: q.createdAt,
    createdBy: q.createdBy,
    assignedTo: q.assignedTo,
    assignedAt: q.assignedAt,
    answer: q.answer,
    answerDocumentIds: q.answer === null ? null : answerReferences(q).filter((d) => seen(d) !== null),
    answeredBy: q.answeredBy,
    answeredAt: q.answeredAt,
    approvedBy: q.approvedBy,
    approvedAt: q.approvedAt,
    faq: q.faqPublishedAt !== null,
    faqPublishedAt: q.faqPublishedAt,
    // What every party reads of an FAQ: its own wording where the manager reworded it, else as written.
    faqSubject: q.faqPublishedAt === null ? null : (q.faqSubject ?? q.subject),
    faqBody: q.faqPublishedAt === null ? null : (q.faqBody ?? q.body),
    faqAnswer: q.faqPublishedAt === null ? null : (q.faqAnswer ?? q.answer),
    closedBy: q.closedBy,
    closedAt: q.closedAt,
  };
  const fields = readableFields(viewer.ability, 'Question', q, QUESTION_FIELDS);
  const shown = Object.fromEntries(Object.entries(full).filter(([k]) => fields.has(k)));
  // A reader of the FAQ alone (another party) reads its wording as the question itself: subject,
  // body and answer, with nothing to tell that it was reworded.
  for (const [own, faq] of [['subject', 'faqSubject'], ['body', 'faqBody'], ['answer', 'faqAnswer']] as const) {
    if (!fields.has(own) && fields.has(faq)) {
      shown[own] = shown[faq];
      delete shown[faq];
    }
  }
  return shown;
}

export type PresentedQuestion = ReturnType<typeof presentQuestion>;

/** The columns of an export, in this order; a caller's export holds only those they may read. */
export const EXPORT_COLUMNS = [
  'number', 'partyId', 'status', 'priority', 'subject', 'body', 'documentId', 'createdAt', 'createdBy', 'assignedTo', 'assignedAt',
  'answer', 'answerDocumentIds', 'answeredBy', 'answeredAt', 'approvedBy', 'approvedAt', 'faq', 'faqPublishedAt', 'faqSubject', 'faqBody', 'faqAnswer', 'closedBy', 'closedAt', 'id',
] as const;

/** The export's columns for these rows: every column some row shows the caller (none of a field they may not read). */
export const exportColumnsOf = (items: PresentedQuestion[]) => EXPORT_COLUMNS.filter((c) => items.some((i) => c in i));

/** One cell's text: lists joined, booleans as words, absent as empty. */
export const exportCell = (value: unknown): string =>
  value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
