import { useId, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { ApiError, type DocumentItem } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { formatDate, formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { AskQuestionDialog } from './ask-question-dialog.js';
import { FaqBadge, PriorityBadge, QuestionStatusBadge, questionTitle } from './question-labels.js';
import { DocumentRefs, QuestionText } from './question-text.js';
import { questionsApi, type Question } from './questions-api.js';
import { documentLabel, useRoomDocuments } from './use-room-documents.js';

/**
 * A party member's Q&A: their party's questions (numbered within the party; the answer once a
 * second manager at the seller approved it), asking a new one, closing one of theirs, and the
 * room's FAQs — questions of any party the deal team published, with nothing of who asked.
 * `?ask=<documentId>` (the document view's "Ask about this document") opens the form about it.
 */
export function BidderQuestions({ ctx }: { ctx: RoomContext }) {
  const docs = useRoomDocuments(ctx);
  const [params, setParams] = useSearchParams();
  const askAbout = params.get('ask');
  const [asking, setAsking] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [load, reload] = useLoad((signal) => questionsApi.list(ctx.room.id, {}, signal), [ctx.room.id]);

  const stopAsking = () => {
    setAsking(false);
    if (askAbout !== null) setParams((p) => { const next = new URLSearchParams(p); next.delete('ask'); return next; }, { replace: true });
  };

  return (
    <div className="stack">
      {notice && <p role="status" className="alert alert-success">{notice}</p>}
      <LoadView load={load} retry={reload} label="questions">
        {(items) => {
          // Numbered: the party's own (an FAQ of another party carries no number of theirs).
          const own = items.filter((q) => q.number !== undefined);
          const faqs = items.filter((q) => q.faq);
          return (
            <>
              <section className="panel section" aria-labelledby="own-questions-title">
                <div className="section-head">
                  <div>
                    <h2 id="own-questions-title" className="section-title">Your party’s questions</h2>
                    <p className="section-help">Questions your party asked the seller. Only your party and the seller’s deal team see them; an answer shows here once the deal team has approved it.</p>
                  </div>
                  {ctx.room.status === 'open' && (
                    <button type="button" className="button button-primary" onClick={() => { setNotice(null); setAsking(true); }}>Ask a question</button>
                  )}
                </div>
                {own.length === 0 ? (
                  <p className="empty-inline">Your party has not asked any question yet.</p>
                ) : (
                  <ol className="question-list">
                    {own.map((q) => (
                      <li key={q.id}>
                        <OwnQuestion q={q} roomId={ctx.room.id} docs={docs} onClosed={(closed) => { setNotice(`Closed question ${closed.number}.`); reload(); }} />
                      </li>
                    ))}
                  </ol>
                )}
              </section>
              <section className="panel section" aria-labelledby="faq-title">
                <div className="section-head">
                  <div>
                    <h2 id="faq-title" className="section-title">Frequently asked questions</h2>
                    <p className="section-help">Questions the deal team answered for every party, without saying who asked them.</p>
                  </div>
                </div>
                {faqs.length === 0 ? (
                  <p className="empty-inline">No FAQs published yet.</p>
                ) : (
                  <ul className="question-list">
                    {faqs.map((q) => (
                      <li key={q.id}>
                        <FaqEntry q={q} roomId={ctx.room.id} docs={docs} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </>
          );
        }}
      </LoadView>
      {(asking || askAbout !== null) && (
        <AskQuestionDialog
          roomId={ctx.room.id}
          docs={docs}
          documentId={askAbout}
          onClose={stopAsking}
          onAsked={(q) => {
            stopAsking();
            setNotice(`Question ${q.number} sent. The deal team’s answer will show here once approved.`);
            reload();
          }}
        />
      )}
    </div>
  );
}

function OwnQuestion({ q, roomId, docs, onClosed }: { q: Question; roomId: string; docs: ReadonlyMap<string, DocumentItem>; onClosed: (q: Question) => void }) {
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function close() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onClosed(await questionsApi.close(q.id));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
      setBusy(false);
    }
  }

  return (
    <article className="question-card" aria-labelledby={`${id}-title`}>
      <div className="question-card-head">
        <h3 id={`${id}-title`} className="question-title">{questionTitle(q)}</h3>
        <div className="question-badges">
          <QuestionStatusBadge status={q.status} />
          {q.faq && <FaqBadge />}
          {q.priority !== 'normal' && <PriorityBadge priority={q.priority} />}
        </div>
      </div>
      <p className="question-meta">
        Asked {formatTime(q.createdAt)}
        {q.documentId && (
          <>
            {' · about '}
            <Link href={`/rooms/${roomId}/documents/${q.documentId}`}>{documentLabel(docs, q.documentId)}</Link>
          </>
        )}
      </p>
      <QuestionText text={q.body} />
      {q.answer ? (
        <div className="question-answer" role="group" aria-labelledby={`${id}-answer`}>
          <h4 id={`${id}-answer`} className="question-answer-title">Answer</h4>
          <QuestionText text={q.answer} />
          <DocumentRefs roomId={roomId} ids={q.answerDocumentIds ?? []} docs={docs} label="Documents the answer refers to" />
        </div>
      ) : (
        q.status !== 'closed' && <p className="question-waiting">Not answered yet.</p>
      )}
      <ErrorNotice error={error} />
      {q.status !== 'closed' && (
        <div className="question-actions">
          {confirming ? (
            <div role="group" aria-label={`Close question ${q.number}`} className="question-confirm">
              <span>Close question {q.number}? {q.answer ? 'You confirm the answer settles it.' : 'The deal team will not answer it then.'}</span>
              <button type="button" className="button button-danger button-small" onClick={() => void close()} aria-disabled={busy || undefined}>{busy ? 'Closing…' : 'Close question'}</button>
              <button type="button" className="button button-secondary button-small" onClick={() => setConfirming(false)}>Keep open</button>
            </div>
          ) : (
            <button type="button" className="button button-secondary button-small" onClick={() => setConfirming(true)}>
              Close question<span className="visually-hidden"> {q.number}</span>
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** An FAQ: the question and the answer, when it was published, and nothing of the party that asked. */
function FaqEntry({ q, roomId, docs }: { q: Question; roomId: string; docs: ReadonlyMap<string, DocumentItem> }) {
  const id = useId();
  return (
    <article className="question-card" aria-labelledby={`${id}-title`}>
      <div className="question-card-head">
        <h3 id={`${id}-title`} className="question-title">{q.subject}</h3>
        <div className="question-badges"><FaqBadge /></div>
      </div>
      {q.faqPublishedAt && <p className="question-meta">Published {formatDate(q.faqPublishedAt)}</p>}
      <QuestionText text={q.body} />
      {q.answer && (
        <div className="question-answer" role="group" aria-labelledby={`${id}-answer`}>
          <h4 id={`${id}-answer`} className="question-answer-title">Answer</h4>
          <QuestionText text={q.answer} />
          <DocumentRefs roomId={roomId} ids={q.answerDocumentIds ?? []} docs={docs} label="Documents the answer refers to" />
        </div>
      )}
    </article>
  );
}
