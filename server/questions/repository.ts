import type { Knex } from 'knex';
import type { Db } from '../db.js';
import { isPostgres } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';
import type { QuestionStatus } from './schema.js';

/** Who reads: the database and the caller's ability, whose rules filter every read here in SQL. */
type Reader = Pick<ServiceContext, 'db' | 'ability'>;

export interface QuestionRow {
  id: string;
  roomId: string;
  partyId: string;
  number: number;
  subject: string;
  body: string;
  documentId: string | null;
  priority: 'low' | 'normal' | 'high';
  status: QuestionStatus;
  createdBy: string;
  createdAt: string;
  assignedTo: string | null;
  assignedAt: string | null;
  answer: string | null;
  /** A JSON array of document ids, as stored. */
  answerDocumentIds: string | null;
  answeredBy: string | null;
  answeredAt: string | null;
  approvedBy: string | null;
  approvedAt: string | null;
  faqPublishedAt: string | null;
  faqPublishedBy: string | null;
  /** The FAQ's own wording, when the manager who published it reworded it (null: as written). */
  faqSubject: string | null;
  faqBody: string | null;
  faqAnswer: string | null;
  closedBy: string | null;
  closedAt: string | null;
}

export const answerReferences = (q: Pick<QuestionRow, 'answerDocumentIds'>): string[] => (q.answerDocumentIds ? (JSON.parse(q.answerDocumentIds) as string[]) : []);

/** The questions the caller may read, of one room (null: of every room). */
export const visibleQuestions = (reader: Reader, roomId: string | null): Knex.QueryBuilder => {
  const q = reader.db('questions').where(accessibleBy(reader.ability, 'read', 'Question'));
  return roomId === null ? q : q.where('questions.roomId', roomId);
};

/** One question, if the caller may read it: a hidden one and a missing one read alike. */
export const findVisibleQuestion = (reader: Reader, questionId: string): Promise<QuestionRow | undefined> =>
  reader.db('questions').where(accessibleBy(reader.ability, 'read', 'Question')).where('questions.id', questionId).first();

/**
 * The party's next number and how many it has asked, with the party's row locked on PostgreSQL
 * until the caller's transaction ends: two members asking at once get 1 and 2, never 1 twice (on
 * SQLite every transaction begins IMMEDIATE, which serialises them anyway). The unique index on
 * (party_id, number) is the backstop.
 */
export async function nextNumberOf(trx: Db, partyId: string): Promise<{ asked: number; next: number }> {
  const lock = trx('parties').where({ id: partyId });
  if (isPostgres(trx)) lock.forUpdate();
  await lock.first('id');
  const row: { asked: number | string; highest: number | string | null } | undefined = await trx('questions')
    .where({ partyId })
    .first(trx.raw('count(*) as asked'), trx.raw('max(number) as highest'));
  return { asked: Number(row?.asked ?? 0), next: Number(row?.highest ?? 0) + 1 };
}
