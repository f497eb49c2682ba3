import { useId, useState } from 'react';
import { Link } from 'wouter';
import { ApiError, type DocumentItem } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { AnswerForm } from './answer-form.js';
import { FaqWordingForm } from './faq-wording-form.js';
import { FaqBadge, PRIORITY_LABEL, QuestionStatusBadge, questionTitle } from './question-labels.js';
import { assignees, personName, ROLE_LABEL, type QuestionPeople } from './question-people.js';
import { DocumentRefs, QuestionText } from './question-text.js';
import { questionsApi, type Question, type QuestionStatus } from './questions-api.js';
import { documentLabel } from './use-room-documents.js';

/** The statuses each step may start from (server/questions/service.ts); elsewhere its button is not offered. */
const ASSIGNABLE: QuestionStatus[] = ['open', 'assigned'];
const ANSWERABLE: QuestionStatus[] = ['open', 'assigned', 'answer_pending'];

/** What a refusal of this dialog tells the reader; four eyes says who may approve instead. */
function refusalOf(err: unknown): unknown {
  if (err instanceof ApiError && err.code === 'four_eyes') {
    return new ApiError(err.status, err.code, 'Another manager must approve this answer: you wrote it, and every answer is approved by a second person (four eyes) before the party reads it.');
  }
  return err;
}

/**
 * One question for the deal team: what was asked (with the party, for those who read parties),
 * the answer as drafted and whether it is approved, and the steps the caller's `can` allows —
 * drafting the answer (managers; experts, for what is assigned to them), and assigning, approving
 * (never one's own draft), publishing as an FAQ and closing (managers).
 */
export function QuestionDialog({ ctx, question, people, docs, onClose, onChanged }: {
  ctx: RoomContext;
  question: Question;
  people: QuestionPeople;
  docs: ReadonlyMap<string, DocumentItem>;
  onClose: () => void;
  /** The question changed: the list is out of date. */
  onChanged: () => void;
}) {
  const id = useId();
  const [q, setQ] = useState(question);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [assignee, setAssignee] = useState(question.assignedTo ?? '');
  // The FAQ wording form, open once "Publish as FAQ…" is chosen.
  const [wording, setWording] = useState(false);
  const roomOpen = ctx.room.status === 'open';
  const manage = ctx.can.manageQuestions && roomOpen;
  const status = q.status;
  const canAnswer = ctx.can.answerQuestions && roomOpen && status !== undefined && ANSWERABLE.includes(status);
  const party = q.partyId ? people.parties.get(q.partyId)?.name ?? 'Party' : null;
  const team = assignees(people);

  async function act(step: string, run: () => Promise<Question>, message: string) {
    if (busy) return;
    setBusy(step);
    setError(null);
    setNotice(null);
    try {
      setQ(await run());
      setNotice(message);
      onChanged();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(refusalOf(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Modal title={questionTitle(q)} onClose={onClose} wide>
      <div className="question-detail">
        <dl className="facts question-facts">
          {party && (
            <>
              <dt>Party</dt>
              <dd>{party}</dd>
            </>
          )}
          <dt>Status</dt>
          <dd className="question-badges">
            <QuestionStatusBadge status={status} />
            {q.faq && <FaqBadge />}
          </dd>
          {q.priority && (
            <>
              <dt>Priority</dt>
              <dd>{PRIORITY_LABEL[q.priority]}</dd>
            </>
          )}
          <dt>Asked</dt>
          <dd>{formatTime(q.createdAt)}</dd>
          {q.documentId && (
            <>
              <dt>About</dt>
              <dd>{docs.has(q.documentId) ? <Link href={`/rooms/${ctx.room.id}/documents/${q.documentId}`}>{documentLabel(docs, q.documentId)}</Link> : 'A document of the room'}</dd>
            </>
          )}
          {q.assignedTo !== undefined && (
            <>
              <dt>Assigned to</dt>
              <dd>{q.assignedTo ? personName(people, ctx, q.assignedTo) : 'No one yet'}</dd>
            </>
          )}
        </dl>

        <section aria-labelledby={`${id}-question`}>
          <h3 id={`${id}-question`} className="question-section-title">Question</h3>
          <QuestionText text={q.body} />
        </section>

        {q.answer && (
          <section className="question-answer" aria-labelledby={`${id}-answer`}>
            <h3 id={`${id}-answer`} className="question-section-title">{q.approvedAt ? 'Approved answer' : 'Draft answer'}</h3>
            <QuestionText text={q.answer} />
            <DocumentRefs roomId={ctx.room.id} ids={q.answerDocumentIds ?? []} docs={docs} label="Documents the answer refers to" />
            <p className="question-meta">
              Drafted by {personName(people, ctx, q.answeredBy)}
              {q.answeredAt ? `, ${formatTime(q.answeredAt)}` : ''}.{' '}
              {q.approvedAt
                ? `Approved${q.approvedBy !== undefined ? ` by ${personName(people, ctx, q.approvedBy)}` : ''}, ${formatTime(q.approvedAt)}: the asking party reads it.`
                : 'Waiting for approval by a manager other than its author; the asking party does not see it yet.'}
            </p>
          </section>
        )}

        {q.faq && q.faqSubject != null && (q.faqSubject !== q.subject || q.faqBody !== q.body || q.faqAnswer !== q.answer) && (
          <section className="question-answer" aria-labelledby={`${id}-faq`}>
            <h3 id={`${id}-faq`} className="question-section-title">As published for every party</h3>
            <p className="question-faq-subject">{q.faqSubject}</p>
            <QuestionText text={q.faqBody ?? ''} />
            <QuestionText text={q.faqAnswer ?? ''} />
          </section>
        )}

        {/* Keyed by the draft: after a save the form starts again from the answer as stored. */}
        {canAnswer && <AnswerForm key={q.answeredAt ?? 'none'} q={q} docs={docs} onSaved={(saved) => { setQ(saved); setError(null); setNotice('Draft saved. It waits for a manager’s approval (not its author’s).'); onChanged(); }} />}

        {/* What the last step did, beside the buttons that take the steps: the dialog may be scrolled down to them. */}
        {notice && <p role="status" className="alert alert-success">{notice}</p>}
        <ErrorNotice error={error} />

        {manage && wording && !q.faq && (
          <FaqWordingForm
            q={q}
            busy={busy === 'publish'}
            onCancel={() => setWording(false)}
            onPublish={(w) => void act('publish', () => questionsApi.publish(q.id, w), 'Published as an FAQ: every party with a confirmed NDA reads it in this wording, without who asked.').then(() => setWording(false))}
          />
        )}

        {manage && status && (
          <div className="question-manage" role="group" aria-label="Manage the question">
            {ASSIGNABLE.includes(status) && (
              <div className="question-assign">
                <div className="field">
                  <label htmlFor={`${id}-assignee`}>Assign to</label>
                  <select id={`${id}-assignee`} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                    <option value="">Choose someone…</option>
                    {team.map((s) => <option key={s.userId} value={s.userId}>{s.name} ({ROLE_LABEL[s.role]})</option>)}
                  </select>
                </div>
                <button
                  type="button"
                  className="button button-secondary"
                  aria-disabled={!assignee || busy !== null || undefined}
                  onClick={() => assignee && void act('assign', () => questionsApi.assign(q.id, assignee), `Assigned to ${personName(people, ctx, assignee)}.`)}
                >
                  {busy === 'assign' ? 'Assigning…' : 'Assign'}
                </button>
              </div>
            )}
            <div className="question-steps">
              {status === 'answer_pending' && (
                <>
                  <button type="button" className="button button-primary" aria-disabled={busy !== null || undefined} onClick={() => void act('approve', () => questionsApi.approve(q.id), 'Approved. The asking party reads the answer now.')}>
                    {busy === 'approve' ? 'Approving…' : 'Approve answer'}
                  </button>
                  {q.answeredBy === ctx.user.id && <span className="four-eyes-note">You drafted this answer: another manager approves it.</span>}
                </>
              )}
              {q.approvedAt && !q.faq && !wording && (status === 'answered' || status === 'closed') && (
                <button type="button" className="button button-secondary" aria-disabled={busy !== null || undefined} onClick={() => setWording(true)}>
                  Publish as FAQ…
                </button>
              )}
              {status !== 'closed' && (
                <button type="button" className="button button-danger-outline" aria-disabled={busy !== null || undefined} onClick={() => void act('close', () => questionsApi.close(q.id), 'Closed. No further answer is given.')}>
                  {busy === 'close' ? 'Closing…' : 'Close question'}
                </button>
              )}
            </div>
          </div>
        )}
      </div>
    </Modal>
  );
}
