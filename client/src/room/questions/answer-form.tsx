import { useId, useState, type FormEvent } from 'react';
import { ApiError, type DocumentItem } from '../../api.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { BODY_MAX, questionsApi, type Question } from './questions-api.js';
import { documentLabel } from './use-room-documents.js';

/** The ids a `409 reference_not_visible` names: the documents the asking party may not view. */
const hiddenReferencesOf = (err: unknown): string[] => {
  if (!(err instanceof ApiError) || err.code !== 'reference_not_visible') return [];
  const ids = (err.details as { documentIds?: unknown } | undefined)?.documentIds;
  return Array.isArray(ids) ? ids.filter((d): d is string => typeof d === 'string') : [];
};

/**
 * Drafting (or revising) the answer to a question, with the documents it refers to. A draft waits
 * for a manager other than its author; a new draft replaces the last one and needs its own approval.
 * The server refuses a reference the asking party may not view (409 reference_not_visible, naming
 * them): those are marked in the list, to remove them or to grant the party access first.
 */
export function AnswerForm({ q, docs, onSaved }: { q: Question; docs: ReadonlyMap<string, DocumentItem>; onSaved: (q: Question) => void }) {
  const id = useId();
  const [body, setBody] = useState(q.answer ?? '');
  const [refs, setRefs] = useState<string[]>(q.answerDocumentIds ?? []);
  const [hidden, setHidden] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [bodyError, setBodyError] = useState<string | null>(null);
  const choices = [...docs.values()].filter((d) => !refs.includes(d.id)).sort((a, b) => a.index.localeCompare(b.index, undefined, { numeric: true }));
  const revising = q.answer !== null && q.answer !== undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!body.trim()) {
      setError(null);
      setBodyError('write the answer');
      return;
    }
    setBusy(true);
    setError(null);
    setBodyError(null);
    setHidden([]);
    try {
      onSaved(await questionsApi.answer(q.id, { body: body.trim(), documentIds: refs }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setHidden(hiddenReferencesOf(err));
      const fields = err instanceof ApiError && err.status === 400 && err.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {};
      if (typeof fields.body === 'string') setBodyError(fields.body);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const notVisible = hidden.filter((d) => refs.includes(d));
  return (
    <form className="form answer-form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="question-section-title">{revising ? 'Revise the answer' : 'Draft an answer'}</h3>
      {hidden.length > 0 ? (
        <div role="alert" className="alert alert-error">
          <p className="error-notice-headline">The asking party may not view {hidden.length === 1 ? 'this document' : 'these documents'}, so the answer cannot refer to {hidden.length === 1 ? 'it' : 'them'}:</p>
          <ul className="error-notice-list">{hidden.map((d) => <li key={d}>{documentLabel(docs, d)}</li>)}</ul>
          <p>Remove {hidden.length === 1 ? 'it' : 'them'} from the answer, or grant the party access first.</p>
        </div>
      ) : (
        <ErrorNotice error={error} />
      )}
      <div className="field">
        <label htmlFor={`${id}-body`}>Answer</label>
        <p className="field-help" id={`${id}-help`}>The asking party reads it once a manager other than its author has approved it.</p>
        <textarea
          id={`${id}-body`}
          rows={6}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          maxLength={BODY_MAX}
          aria-invalid={bodyError ? true : undefined}
          aria-describedby={[`${id}-help`, bodyError ? `${id}-body-error` : null].filter(Boolean).join(' ')}
        />
        {bodyError && <p className="field-error" id={`${id}-body-error`}>{bodyError}</p>}
      </div>
      {(docs.size > 0 || refs.length > 0) && (
        <div className="field">
          <label htmlFor={`${id}-add`}>Refer to a document</label>
          {docs.size > 0 && (
            <select id={`${id}-add`} value="" onChange={(e) => e.target.value && setRefs((r) => [...r, e.target.value])}>
              <option value="">Choose a document to add…</option>
              {choices.map((d) => <option key={d.id} value={d.id}>{d.index} {d.title}</option>)}
            </select>
          )}
          {refs.length > 0 && (
            <ul className="answer-refs" aria-label="Documents the answer refers to">
              {refs.map((d) => (
                <li key={d} className={notVisible.includes(d) ? 'answer-ref answer-ref-hidden' : 'answer-ref'}>
                  <span>{documentLabel(docs, d)}</span>
                  {notVisible.includes(d) && <span className="badge badge-danger">Not visible to the asking party</span>}
                  <button type="button" className="button button-ghost button-small" onClick={() => setRefs((r) => r.filter((x) => x !== d))}>
                    Remove<span className="visually-hidden"> {documentLabel(docs, d)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : revising ? 'Save revised draft' : 'Save draft answer'}</button>
      </div>
    </form>
  );
}
