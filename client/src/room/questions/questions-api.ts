import { fetchAll, request, type Page } from '../../api.js';

/**
 * Q&A (docs/API.md, "Q&A"): a party's questions to the seller, answered by the deal team (an expert
 * drafts, a second manager approves), some published as FAQs for every party. The server sends each
 * caller only the fields they may read, so most fields are optional here: a member never gets the
 * party or who at the seller handled a question, an expert never gets anything of the asker, and an
 * FAQ of another party carries its text and answer only.
 */

export type QuestionStatus = 'open' | 'assigned' | 'answer_pending' | 'answered' | 'closed';
export type QuestionPriority = 'low' | 'normal' | 'high';
export const QUESTION_STATUSES: QuestionStatus[] = ['open', 'assigned', 'answer_pending', 'answered', 'closed'];
export const QUESTION_PRIORITIES: QuestionPriority[] = ['low', 'normal', 'high'];
/** The server's caps (server/questions/schema.ts): a subject is a line, a body a long letter. */
export const SUBJECT_MAX = 300;
export const BODY_MAX = 20_000;

export interface Question {
  id: string;
  roomId: string;
  subject: string;
  body: string;
  faq: boolean;
  /** Counts within the asking party: the asking party and managers and counsel read it, no one else. */
  number?: number;
  /** Managers and counsel only. */
  partyId?: string;
  /** Absent from an FAQ of another party: closing is the asker's act. */
  status?: QuestionStatus;
  /** A document the asker asked about; null when none, or one the caller may not view. */
  documentId?: string | null;
  priority?: QuestionPriority;
  createdAt?: string;
  createdBy?: string;
  assignedTo?: string | null;
  assignedAt?: string | null;
  /** The asking party reads the answer only once a second manager approved it. */
  answer?: string | null;
  /** The documents the answer refers to, those the caller may view. */
  answerDocumentIds?: string[] | null;
  answeredBy?: string | null;
  answeredAt?: string | null;
  approvedBy?: string | null;
  approvedAt?: string | null;
  faqPublishedAt?: string | null;
  /** The deal team reads the FAQ as published (reworded or as written) beside the question as asked. */
  faqSubject?: string | null;
  faqBody?: string | null;
  faqAnswer?: string | null;
  closedBy?: string | null;
  closedAt?: string | null;
}

export interface FaqWording {
  subject?: string;
  body?: string;
  answer?: string;
}

export interface QuestionFilter {
  status?: QuestionStatus | '';
  partyId?: string;
}

const enc = encodeURIComponent;
const query = (params: Record<string, string | number | undefined | null>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
};

export const questionsApi = {
  /** Every question the caller may read, all pages: a deal's Q&A runs to hundreds, not millions. */
  list: (roomId: string, filter: QuestionFilter, signal?: AbortSignal) =>
    fetchAll((cursor, s) => request<Page<Question>>('GET', `/api/rooms/${enc(roomId)}/questions${query({ ...filter, cursor, limit: 500 })}`, { signal: s }), signal),
  get: (questionId: string, signal?: AbortSignal) => request<Question>('GET', `/api/questions/${enc(questionId)}`, { signal }),
  ask: (roomId: string, body: { subject: string; body: string; priority: QuestionPriority; documentId?: string }) =>
    request<Question>('POST', `/api/rooms/${enc(roomId)}/questions`, { body }),
  assign: (questionId: string, userId: string) => request<Question>('POST', `/api/questions/${enc(questionId)}/assign`, { body: { userId } }),
  answer: (questionId: string, body: { body: string; documentIds: string[] }) => request<Question>('POST', `/api/questions/${enc(questionId)}/answer`, { body }),
  approve: (questionId: string) => request<Question>('POST', `/api/questions/${enc(questionId)}/approve`, { body: {} }),
  /** `wording`: what every party reads instead of the question as asked (a field left out: as written). */
  publish: (questionId: string, wording: FaqWording = {}) => request<Question>('POST', `/api/questions/${enc(questionId)}/publish`, { body: wording }),
  close: (questionId: string) => request<Question>('POST', `/api/questions/${enc(questionId)}/close`, { body: {} }),
  /** The caller's questions (as filtered) as a spreadsheet: only the columns they may read. */
  exportUrl: (roomId: string, format: 'csv' | 'xlsx', filter: QuestionFilter) => `/api/rooms/${enc(roomId)}/questions${query({ ...filter, format })}`,
};
