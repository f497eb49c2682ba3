import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { accessibleBy } from '../policy/accessible-by.js';
import { assertRoomContentOpen, findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { asSubject } from '../policy/ability.js';
import { partyReach } from '../policy/exposure.js';
import { visibleDocumentRows } from '../documents/repository.js';
import { recordAllowed } from '../ledger/record.js';
import { notifyAnswerApproved, notifyFaqPublished, notifyQuestionAsked, notifyQuestionAssigned } from '../mail/question-notifications.js';
import { conflict, denied, HttpError, invalidRequest } from '../errors.js';
import { fetchPage, type Page } from '../http/paging.js';
import type { AnswerInput, AskQuestionInput, ListQuestionsQuery, PublishFaqInput, QuestionStatus } from './schema.js';
import { answerReferences, findVisibleQuestion as findVisibleQuestionRow, nextNumberOf, visibleQuestions, type QuestionRow } from './repository.js';
import type { ReferenceFilter } from './presenter.js';

/** What a list or a single read hands the presenter: the rows, and which referenced documents the caller may see. */
export interface QuestionsView {
  items: QuestionRow[];
  references: ReferenceFilter;
}

/**
 * The room, if the caller may reach its Q&A: managers, counsel, its experts (who see nothing else of
 * the room, not even the room itself), and members the room gives content. Anyone else gets what
 * the room's other lists answer: an external member learns only a fact about themselves
 * (room_closed, nda_required, ip_not_allowed, mfa_required); everyone else the room's 404.
 */
async function findQuestionsRoom(ctx: ServiceContext, roomId: string, event: string): Promise<RoomRow> {
  const room: RoomRow | undefined = await ctx.db('rooms').where(accessibleBy(ctx.ability, 'readQuestions', 'Room')).where('rooms.id', roomId).first();
  if (room) return room;
  const visible = await findVisibleRoom(ctx, roomId, event);
  assertRoomContentOpen(ctx, visible, event);
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  throw denied({ action: event, subjectType: 'Room', subjectId: roomId, roomId: null, reason: 'Q&A not open to caller' });
}

/** The question, if the caller may read it; a hidden one answers exactly as a missing one (404). */
async function findQuestion(ctx: ServiceContext, questionId: string, event: string): Promise<QuestionRow> {
  const q = await findVisibleQuestionRow(ctx, questionId);
  // Stryker disable next-line StringLiteral: wording of the ledger's reason
  if (!q) throw denied({ action: event, subjectType: 'Question', subjectId: questionId, roomId: null, reason: 'question not visible to caller' });
  return q;
}

/** Seller staff read every referenced id; an outsider only those of documents they may view now. */
async function referenceFilterFor(ctx: ServiceContext, rows: QuestionRow[]): Promise<ReferenceFilter> {
  if (ctx.actor.role !== 'external') return null;
  const ids = [...new Set(rows.flatMap((q) => [...(q.documentId ? [q.documentId] : []), ...answerReferences(q)]))];
  if (ids.length === 0) return new Set();
  const visible: Array<{ id: string }> = await visibleDocumentRows(ctx).whereIn('documents.id', ids).select('documents.id');
  return new Set(visible.map((d) => d.id));
}

export async function askQuestion(ctx: ServiceContext, roomId: string, input: AskQuestionInput): Promise<QuestionsView> {
  const event = 'question.ask';
  const room = await findQuestionsRoom(ctx, roomId, event);
  const partyId = ctx.facts.memberships.find((m) => m.roomId === room.id)?.partyId ?? null;
  assertAllowed(ctx, 'create', 'Question', { roomId: room.id, partyId }, { event, roomId, subjectId: roomId, reason: 'only a member of a party asks questions' });
  // The question's reference must be a document the asker may view: one they may not and one that
  // does not exist (or lies in another room) read alike, as a bad field of the request.
  if (input.documentId) {
    const doc = await visibleDocumentRows(ctx).where('documents.id', input.documentId).where('documents.roomId', room.id).first('documents.id');
    if (!doc) throw invalidRequest('Invalid fields: documentId.', { documentId: 'no document of this room that you may view has this id' });
  }
  const question = await ctx.db.transaction(async (trx) => {
    const { asked, next } = await nextNumberOf(trx, partyId!);
    const { questionLimitPerParty: limit }: { questionLimitPerParty: number | null } = await trx('rooms').where({ id: room.id }).first('questionLimitPerParty');
    if (limit !== null && limit !== undefined && asked >= limit) {
      throw denied(
        // Stryker disable next-line StringLiteral: wording of the ledger's reason
        { action: event, subjectType: 'Room', subjectId: roomId, roomId, reason: `question limit of ${limit} per party reached`, details: { partyId } },
        conflict('question_limit', `Your party has asked ${asked} questions, the most this room allows.`),
      );
    }
    const row: QuestionRow = {
      id: randomUUID(),
      roomId: room.id,
      partyId: partyId!,
      number: next,
      subject: input.subject,
      body: input.body,
      documentId: input.documentId ?? null,
      priority: input.priority,
      status: 'open',
      createdBy: ctx.actor.id,
      createdAt: ctx.at,
      assignedTo: null,
      assignedAt: null,
      answer: null,
      answerDocumentIds: null,
      answeredBy: null,
      answeredAt: null,
      approvedBy: null,
      approvedAt: null,
      faqPublishedAt: null,
      faqPublishedBy: null,
      faqSubject: null,
      faqBody: null,
      faqAnswer: null,
      closedBy: null,
      closedAt: null,
    };
    await trx('questions').insert(row);
    await recordAllowed(trx, ctx, { action: event, subjectType: 'Question', subjectId: row.id, roomId, details: { partyId, number: row.number, priority: row.priority, documentId: row.documentId } });
    await notifyQuestionAsked(trx, ctx.config, row, ctx.at);
    return row;
  });
  return { items: [question], references: await referenceFilterFor(ctx, [question]) };
}

/**
 * The room's questions the caller may read, filtered in SQL by the ability. An outsider's list holds
 * their party's questions and the room's FAQs, ordered by when each reached them (their own by when
 * asked, an FAQ by when published): placing an FAQ by when it was asked would tell when another
 * party asked it. Filters narrow only what the caller could read anyway: `partyId` is for those who
 * read parties (managers, counsel), and an outsider's `status` filter applies to their own questions
 * (an FAQ shows them no status).
 */
export async function listQuestions(ctx: ServiceContext, roomId: string, query: ListQuestionsQuery, opts: { all?: boolean } = {}): Promise<Page<QuestionRow> & QuestionsView> {
  const event = 'question.list';
  const room = await findQuestionsRoom(ctx, roomId, event);
  const ownParty = ctx.actor.role === 'external' ? (ctx.facts.memberships.find((m) => m.roomId === room.id)?.partyId ?? null) : null;
  const base = visibleQuestions(ctx, room.id);
  if (query.partyId !== undefined) {
    if (!ctx.ability.can('read', asSubject('Question', { roomId: room.id }), 'partyId')) {
      throw invalidRequest('Invalid fields: partyId.', { partyId: 'only the deal team filters by party' });
    }
    base.where('questions.partyId', query.partyId);
  }
  if (query.status !== undefined) {
    base.where('questions.status', query.status);
    if (ownParty) base.where('questions.partyId', ownParty);
  }
  const sortKey = ownParty
    ? ctx.db.raw('case when questions.party_id = ? then questions.created_at else questions.faq_published_at end as sort_key', [ownParty])
    : ctx.db.raw('questions.created_at as sort_key');
  const ordered = ctx.db.from(base.select('questions.*', sortKey).as('q')).select('q.*');
  const paging = opts.all ? { limit: 100_000, cursor: undefined } : { limit: query.limit, cursor: query.cursor };
  const page = await fetchPage<QuestionRow & { sortKey: string }>(ordered, paging, { column: 'sortKey', field: 'sortKey', table: 'q' });
  const items = page.items.map(({ sortKey: _sortKey, ...q }) => q as QuestionRow);
  return { items, nextCursor: page.nextCursor, references: await referenceFilterFor(ctx, items) };
}

export async function getQuestion(ctx: ServiceContext, questionId: string): Promise<QuestionsView> {
  const q = await findQuestion(ctx, questionId, 'question.read');
  return { items: [q], references: await referenceFilterFor(ctx, [q]) };
}

interface Step {
  action: 'assign' | 'answer' | 'approve' | 'publish' | 'close';
  event: string;
  /** The statuses the step may start from. */
  from: QuestionStatus[];
  /** Why only these roles: the ledger's reason when the ability refuses. */
  who: string;
  /** The step as the refusal says it: "This question cannot be <done> now". */
  done: string;
}
const ASSIGN: Step = { action: 'assign', event: 'question.assign', from: ['open', 'assigned'], who: 'managers only', done: 'assigned' };
const ANSWER: Step = { action: 'answer', event: 'question.answer', from: ['open', 'assigned', 'answer_pending'], who: 'managers and the assigned expert only', done: 'answered' };
const APPROVE: Step = { action: 'approve', event: 'question.approve', from: ['answer_pending'], who: 'managers only', done: 'approved' };
const PUBLISH: Step = { action: 'publish', event: 'question.publish', from: ['answered', 'closed'], who: 'managers only', done: 'published as an FAQ' };
const CLOSE: Step = { action: 'close', event: 'question.close', from: ['open', 'assigned', 'answer_pending', 'answered'], who: 'managers and the asking party only', done: 'closed' };

const invalidState = (step: Step, q: QuestionRow, why = `status is ${q.status}`) =>
  denied(
    { action: step.event, subjectType: 'Question', subjectId: q.id, roomId: q.roomId, reason: why },
    conflict('invalid_state', `This question cannot be ${step.done} now: it is ${q.status.replace('_', ' ')}.`),
  );

/**
 * One step of a question's life, as the ability rules it, from one of the step's statuses. The
 * update is conditional on what was read (`guard`: at least the status), so of two steps racing
 * on one question exactly one wins and the other gets 409 invalid_state with nothing written.
 */
async function step(
  ctx: ServiceContext,
  questionId: string,
  s: Step,
  change: (q: QuestionRow) => { update: Partial<QuestionRow>; guard?: Partial<QuestionRow>; details?: Record<string, unknown> },
  after?: (trx: ServiceContext['db'], q: QuestionRow) => Promise<void>,
  before?: (q: QuestionRow) => Promise<void>,
): Promise<QuestionRow> {
  const q = await findQuestion(ctx, questionId, s.event);
  assertAllowed(ctx, s.action, 'Question', q, { event: s.event, roomId: q.roomId, subjectId: q.id, reason: s.who });
  if (!s.from.includes(q.status)) throw invalidState(s, q);
  await before?.(q);
  const { update, guard, details } = change(q);
  const updated = { ...q, ...update };
  const done = await ctx.db.transaction(async (trx) => {
    const n = await trx('questions').where({ id: q.id, status: q.status, ...guard }).update(update);
    if (n !== 1) return false;
    await recordAllowed(trx, ctx, { action: s.event, subjectType: 'Question', subjectId: q.id, roomId: q.roomId, details: { from: q.status, to: updated.status, ...details } });
    await after?.(trx, updated);
    return true;
  });
  if (!done) throw invalidState(s, q, 'changed by another request meanwhile');
  return updated;
}

export async function assignQuestion(ctx: ServiceContext, questionId: string, userId: string): Promise<QuestionsView> {
  const q = await step(
    ctx,
    questionId,
    ASSIGN,
    () => ({ update: { status: 'assigned', assignedTo: userId, assignedAt: ctx.at }, details: { assignedTo: userId } }),
    (trx, updated) => notifyQuestionAssigned(trx, ctx.config, updated, ctx.at),
    async (question) => {
      const staff = await ctx.db('roomStaff').join('users', 'users.id', 'roomStaff.userId').where({ 'roomStaff.roomId': question.roomId, 'roomStaff.userId': userId }).whereNull('users.disabledAt').first('roomStaff.userId');
      if (!staff) throw invalidRequest('Invalid fields: userId.', { userId: 'not staff of this room' });
    },
  );
  return { items: [q], references: null };
}

/**
 * The documents among `documentIds` the asking party may not view now: by the access rule itself,
 * each of the party's members judged on their own facts (exposure.ts). An id of another room, or
 * of no document at all, is one the party may not view, and reads alike.
 */
async function referencesHiddenFromParty(ctx: ServiceContext, q: QuestionRow, documentIds: string[]): Promise<string[]> {
  if (documentIds.length === 0) return [];
  const docs = await ctx.db('documents').whereIn('id', documentIds).where('roomId', q.roomId).select('id', 'roomId', 'folderId', 'entityId', 'classificationRank', 'personalDataRank', 'kind', 'status');
  const reach = (await partyReach(ctx.db, q.roomId, ctx.at, docs)).find((p) => p.partyId === q.partyId);
  return documentIds.filter((d) => !reach?.documentIds.has(d));
}

function assertReferencesVisible(s: Step, q: QuestionRow, hidden: string[]) {
  if (hidden.length === 0) return;
  throw denied(
    // Stryker disable next-line StringLiteral: wording of the ledger's reason
    { action: s.event, subjectType: 'Question', subjectId: q.id, roomId: q.roomId, reason: 'answer refers to documents the asking party may not view', details: { documentIds: hidden } },
    new HttpError(409, 'reference_not_visible', 'The answer refers to documents the asking party may not view.', { documentIds: hidden }),
  );
}

export async function answerQuestion(ctx: ServiceContext, questionId: string, input: AnswerInput): Promise<QuestionsView> {
  const documentIds = [...new Set(input.documentIds)];
  const q = await step(
    ctx,
    questionId,
    ANSWER,
    (question) => ({
      // A new draft replaces the last one, and needs its own approval.
      update: { status: 'answer_pending', answer: input.body, answerDocumentIds: JSON.stringify(documentIds), answeredBy: ctx.actor.id, answeredAt: ctx.at, approvedBy: null, approvedAt: null },
      guard: { answeredAt: question.answeredAt },
      details: { documentIds },
    }),
    undefined,
    async (question) => assertReferencesVisible(ANSWER, question, await referencesHiddenFromParty(ctx, question, documentIds)),
  );
  return { items: [q], references: null };
}

/**
 * A manager other than the answer's author approves it (four eyes: the ability refuses its author
 * by name). The approval holds only for the draft that was read: one revised meanwhile is a new
 * draft, and the approval answers 409. The references are judged again: what the party may view
 * may have changed since the answer was written.
 */
export async function approveAnswer(ctx: ServiceContext, questionId: string): Promise<QuestionsView> {
  const q = await step(
    ctx,
    questionId,
    APPROVE,
    (question) => ({
      update: { status: 'answered', approvedBy: ctx.actor.id, approvedAt: ctx.at },
      guard: { answeredBy: question.answeredBy, answeredAt: question.answeredAt },
      details: { answeredBy: question.answeredBy },
    }),
    (trx, updated) => notifyAnswerApproved(trx, ctx.config, updated, ctx.at),
    async (question) => assertReferencesVisible(APPROVE, question, await referencesHiddenFromParty(ctx, question, answerReferences(question))),
  );
  return { items: [q], references: null };
}

export async function publishFaq(ctx: ServiceContext, questionId: string, wording: PublishFaqInput = {}): Promise<QuestionsView> {
  const q = await step(
    ctx,
    questionId,
    PUBLISH,
    () => ({
      update: { faqPublishedAt: ctx.at, faqPublishedBy: ctx.actor.id, faqSubject: wording.subject ?? null, faqBody: wording.body ?? null, faqAnswer: wording.answer ?? null },
      guard: { faqPublishedAt: null },
      // The record says what was reworded; the wording itself is the question's to show.
      details: { reworded: (['subject', 'body', 'answer'] as const).filter((f) => wording[f] !== undefined) },
    }),
    (trx, updated) => notifyFaqPublished(trx, ctx.config, updated, ctx.at),
    async (question) => {
      if (question.approvedAt === null) throw invalidState(PUBLISH, question, 'no approved answer');
      if (question.faqPublishedAt !== null) throw invalidState(PUBLISH, question, 'already an FAQ');
    },
  );
  return { items: [q], references: null };
}

export async function closeQuestion(ctx: ServiceContext, questionId: string): Promise<QuestionsView> {
  const q = await step(ctx, questionId, CLOSE, () => ({ update: { status: 'closed', closedBy: ctx.actor.id, closedAt: ctx.at } }));
  return { items: [q], references: await referenceFilterFor(ctx, [q]) };
}
