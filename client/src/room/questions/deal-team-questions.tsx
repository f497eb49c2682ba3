import { useId, useState } from 'react';
import { ApiError, messageOf } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatDate } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { QuestionDialog } from './question-dialog.js';
import { FaqBadge, PriorityBadge, QuestionStatusBadge, STATUS_LABEL } from './question-labels.js';
import { assignees, loadQuestionPeople, personName, ROLE_LABEL, type QuestionPeople } from './question-people.js';
import { QUESTION_STATUSES, questionsApi, type Question, type QuestionStatus } from './questions-api.js';
import { useRoomDocuments } from './use-room-documents.js';

/** A question goes to someone while nobody has drafted its answer yet (server/questions/service.ts). */
const assignable = (q: Question) => q.status === 'open' || q.status === 'assigned';

/**
 * The seller's side of the Q&A. The deal team and counsel see every question with its party and
 * filter by status and party; managers pick several and assign them at once, and open one to draft,
 * approve, publish or close it. An expert sees only what is assigned to them, and nothing of who
 * asked: the server sends no party, no number, no asker, and this view shows what it is sent.
 */
export function DealTeamQuestions({ ctx }: { ctx: RoomContext }) {
  const id = useId();
  const [status, setStatus] = useState<QuestionStatus | ''>('');
  const [partyId, setPartyId] = useState('');
  const filter = { status, partyId: partyId || undefined };
  const [load, reload] = useLoad((signal) => questionsApi.list(ctx.room.id, filter, signal), [ctx.room.id, status, partyId]);
  const [peopleLoad] = useLoad(() => loadQuestionPeople(ctx), [ctx.room.id, ctx.can.readParties]);
  const docs = useRoomDocuments(ctx);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [opened, setOpened] = useState<Question | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const allQuestions = ctx.can.readQuestions;
  const manage = ctx.can.manageQuestions && ctx.room.status === 'open';

  return (
    <LoadView load={peopleLoad} label="questions">
      {(people) => (
        <section className="panel section" aria-labelledby={`${id}-title`}>
          <div className="section-head">
            <div>
              <h2 id={`${id}-title`} className="section-title">{allQuestions ? 'Questions' : 'Questions assigned to you'}</h2>
              <p className="section-help">
                {allQuestions
                  ? 'Every question the parties asked. An answer reaches the asking party once a manager other than its author approves it; a manager may then publish it as an FAQ for every party, without who asked.'
                  : 'The questions the deal team assigned to you. Who asked them is not shown. A manager approves your answer before the asking party reads it.'}
              </p>
            </div>
            <div className="toolbar-actions">
              <a className="button button-secondary" href={questionsApi.exportUrl(ctx.room.id, 'csv', filter)} download>Export CSV</a>
              <a className="button button-secondary" href={questionsApi.exportUrl(ctx.room.id, 'xlsx', filter)} download>Export XLSX</a>
            </div>
          </div>
          {notice && <p role="status" className="alert alert-success question-notice">{notice}</p>}
          <div className="filters" role="group" aria-label="Filter the questions">
            <div className="field">
              <label htmlFor={`${id}-status`}>Status</label>
              <select id={`${id}-status`} value={status} onChange={(e) => { setStatus(e.target.value as QuestionStatus | ''); setSelected(new Set()); }}>
                <option value="">Every status</option>
                {QUESTION_STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABEL[s]}</option>)}
              </select>
            </div>
            {people.parties.size > 0 && (
              <div className="field">
                <label htmlFor={`${id}-party`}>Party</label>
                <select id={`${id}-party`} value={partyId} onChange={(e) => { setPartyId(e.target.value); setSelected(new Set()); }}>
                  <option value="">Every party</option>
                  {[...people.parties.values()].map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
                </select>
              </div>
            )}
          </div>
          <LoadView load={load} retry={reload} label="questions">
            {(items) => {
              const shown = new Set(items.map((q) => q.id));
              const picked = items.filter((q) => selected.has(q.id) && assignable(q));
              const toggle = (ids: string[], on: boolean) =>
                setSelected((s) => {
                  const next = new Set([...s].filter((x) => shown.has(x)));
                  for (const x of ids) if (on) next.add(x); else next.delete(x);
                  return next;
                });
              return (
                <>
                  {manage && (
                    <BulkAssign
                      picked={picked}
                      people={people}
                      ctx={ctx}
                      onDone={(message) => { setNotice(message); setSelected(new Set()); reload(); }}
                      onClear={() => setSelected(new Set())}
                    />
                  )}
                  {items.length === 0 ? (
                    <p className="empty-inline">{status || partyId ? 'No question matches these filters.' : allQuestions ? 'No questions asked yet.' : 'No question is assigned to you.'}</p>
                  ) : (
                    <QuestionTable items={items} people={people} ctx={ctx} selection={manage ? { selected, toggle } : undefined} onOpen={(q) => { setNotice(null); setOpened(q); }} />
                  )}
                </>
              );
            }}
          </LoadView>
          {opened && <QuestionDialog ctx={ctx} question={opened} people={people} docs={docs} onClose={() => setOpened(null)} onChanged={reload} />}
        </section>
      )}
    </LoadView>
  );
}

interface Selection {
  selected: ReadonlySet<string>;
  toggle: (ids: string[], on: boolean) => void;
}

function QuestionTable({ items, people, ctx, selection, onOpen }: { items: Question[]; people: QuestionPeople; ctx: RoomContext; selection?: Selection; onOpen: (q: Question) => void }) {
  // Columns follow what the server sent: an expert gets no number, no party and no assignee.
  const numbered = items.some((q) => q.number !== undefined);
  const parties = items.some((q) => q.partyId !== undefined);
  const assigned = items.some((q) => q.assignedTo !== undefined) && people.staff.size > 0;
  const pickable = items.filter(assignable);
  const allPicked = selection !== undefined && pickable.length > 0 && pickable.every((q) => selection.selected.has(q.id));
  return (
    <div className="table-wrap">
      <table className="table questions-table">
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="question-pick">
                {pickable.length > 0 ? (
                  <input type="checkbox" checked={allPicked} onChange={(e) => selection.toggle(pickable.map((q) => q.id), e.target.checked)} aria-label="Select every open or assigned question shown" />
                ) : (
                  <span className="visually-hidden">Select</span>
                )}
              </th>
            )}
            {numbered && <th scope="col" className="num">No.</th>}
            <th scope="col">Subject</th>
            {parties && <th scope="col">Party</th>}
            <th scope="col">Priority</th>
            <th scope="col">Status</th>
            {assigned && <th scope="col">Assigned to</th>}
            <th scope="col">Asked</th>
          </tr>
        </thead>
        <tbody>
          {items.map((q) => (
            <tr key={q.id}>
              {selection && (
                <td className="question-pick">
                  {assignable(q) ? (
                    <input type="checkbox" checked={selection.selected.has(q.id)} onChange={(e) => selection.toggle([q.id], e.target.checked)} aria-label={`Select ${q.number !== undefined ? `question ${q.number}: ` : ''}${q.subject}`} />
                  ) : (
                    <span className="question-pick-slot" aria-hidden="true" />
                  )}
                </td>
              )}
              {numbered && <td className="num mono">{q.number ?? ''}</td>}
              <td>
                <div className="doc-title">
                  <button type="button" className="button-link question-open" onClick={() => onOpen(q)}>{q.subject}</button>
                  {q.faq && <FaqBadge />}
                </div>
              </td>
              {parties && <td>{q.partyId ? people.parties.get(q.partyId)?.name ?? '—' : '—'}</td>}
              <td><PriorityBadge priority={q.priority} /></td>
              <td><QuestionStatusBadge status={q.status} /></td>
              {assigned && <td>{q.assignedTo ? personName(people, ctx, q.assignedTo) : '—'}</td>}
              <td className="nowrap">{formatDate(q.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Above the list, for managers: assign the picked questions to one person, each on its own (one may fail). */
function BulkAssign({ picked, people, ctx, onDone, onClear }: { picked: Question[]; people: QuestionPeople; ctx: RoomContext; onDone: (message: string) => void; onClear: () => void }) {
  const id = useId();
  const [userId, setUserId] = useState('');
  const [busy, setBusy] = useState(false);
  const [failures, setFailures] = useState<string[]>([]);
  const team = assignees(people);
  const n = picked.length;

  async function assign() {
    if (busy || !userId || n === 0) return;
    setBusy(true);
    setFailures([]);
    const failed: string[] = [];
    let done = 0;
    for (const q of picked) {
      try {
        await questionsApi.assign(q.id, userId);
        done++;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return;
        failed.push(`${q.number !== undefined ? `Question ${q.number}` : q.subject}: ${messageOf(err)}`);
      }
    }
    setBusy(false);
    setFailures(failed);
    const who = personName(people, ctx, userId);
    onDone(done === 0 ? `No question was assigned to ${who}.` : `Assigned ${done === 1 ? '1 question' : `${done} questions`} to ${who}.`);
  }

  return (
    <div className="question-bulk" role="region" aria-label="Assigning">
      {failures.length > 0 && (
        <div role="alert" className="alert alert-error question-bulk-failures">
          <p className="error-notice-headline">Some questions could not be assigned:</p>
          <ul className="error-notice-list">{failures.map((f) => <li key={f}>{f}</li>)}</ul>
        </div>
      )}
      <span className="question-bulk-count" aria-live="polite">{n > 0 ? `${n} selected` : 'Select open or assigned questions below to assign them together.'}</span>
      {n > 0 && (
        <div className="question-bulk-actions">
          <label htmlFor={`${id}-to`} className="question-bulk-label">Assign to</label>
          <select id={`${id}-to`} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Choose someone…</option>
            {team.map((s) => <option key={s.userId} value={s.userId}>{s.name} ({ROLE_LABEL[s.role]})</option>)}
          </select>
          <button type="button" className="button button-primary button-small" aria-disabled={busy || !userId || undefined} onClick={() => void assign()}>
            {busy ? 'Assigning…' : 'Assign selected'}
          </button>
          <button type="button" className="button button-secondary button-small" onClick={onClear}>Clear selection</button>
        </div>
      )}
    </div>
  );
}
