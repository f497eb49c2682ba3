import { z } from 'zod';
import { id } from '../http/validate.js';

/** Caps: a subject is a line, a body a long letter; anything longer is refused naming the field. */
export const SUBJECT_MAX = 300;
export const BODY_MAX = 20_000;
/** An answer refers to a handful of documents, never to a whole room. */
export const REFERENCES_MAX = 100;

export const PRIORITIES = ['low', 'normal', 'high'] as const;
export const QUESTION_STATUSES = ['open', 'assigned', 'answer_pending', 'answered', 'closed'] as const;
export type QuestionStatus = (typeof QUESTION_STATUSES)[number];

/** Text is kept as given (HTML included: it is shown as text, never rendered); only surrounding blanks go. */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

export const AskQuestionSchema = z.strictObject({
  subject: text(SUBJECT_MAX),
  body: text(BODY_MAX),
  documentId: id.nullish(),
  priority: z.enum(PRIORITIES).default('normal'),
});
export type AskQuestionInput = z.infer<typeof AskQuestionSchema>;

export const ListQuestionsSchema = z.strictObject({
  status: z.enum(QUESTION_STATUSES).optional(),
  partyId: id.optional(),
  format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
export type ListQuestionsQuery = z.infer<typeof ListQuestionsSchema>;

export const AssignSchema = z.strictObject({ userId: id });

export const AnswerSchema = z.strictObject({
  body: text(BODY_MAX),
  documentIds: z.array(id).max(REFERENCES_MAX).default([]),
});
export type AnswerInput = z.infer<typeof AnswerSchema>;

/**
 * Approving, publishing and closing take no input: who and when are the caller and the server's
 * clock. A body naming them (`approvedBy`, `status`…) is refused, not quietly ignored.
 */
export const NoInputSchema = z.strictObject({});

/**
 * Publishing as an FAQ may reword what every party will read (each field left out: as written), so
 * that nothing in it tells who asked. The asking party keeps its question as it asked it.
 */
export const PublishFaqSchema = z.strictObject({
  subject: text(SUBJECT_MAX).optional(),
  body: text(BODY_MAX).optional(),
  answer: text(BODY_MAX).optional(),
});
export type PublishFaqInput = z.infer<typeof PublishFaqSchema>;
