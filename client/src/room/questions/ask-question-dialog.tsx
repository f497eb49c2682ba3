import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, type DocumentItem } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { alertOf, fieldErrorsOf, type FieldErrors } from '../../field-errors.js';
import { PRIORITY_LABEL } from './question-labels.js';
import { BODY_MAX, QUESTION_PRIORITIES, questionsApi, SUBJECT_MAX, type Question, type QuestionPriority } from './questions-api.js';

const LABELS: Record<string, string> = { subject: 'Subject', body: 'Question', priority: 'Priority', documentId: 'Document' };

/**
 * A member asks the seller a question, for their party: optionally about one document they may
 * view (prefilled when they come from the document's "Ask about this document"). The refusals a
 * member can meet say what to do: a field at fault is named under it; `409 question_limit` and
 * `403 nda_required` carry the server's own sentence.
 */
export function AskQuestionDialog({ roomId, docs, documentId, onClose, onAsked }: {
  roomId: string;
  docs: ReadonlyMap<string, DocumentItem>;
  documentId: string | null;
  onClose: () => void;
  onAsked: (q: Question) => void;
}) {
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [priority, setPriority] = useState<QuestionPriority>('normal');
  const [aboutDocument, setAboutDocument] = useState(documentId ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const choices = [...docs.values()].sort((a, b) => a.index.localeCompare(b.index, undefined, { numeric: true }));

  function refuse(err: unknown, found: FieldErrors) {
    setFields(found);
    setError(alertOf(err, found, LABELS));
  }
  // After a refusal, the keyboard lands on the first field at fault.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [fields]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const missing: FieldErrors = {};
    if (!subject.trim()) missing.subject = 'say in a line what the question is about';
    if (!body.trim()) missing.body = 'write the question';
    if (Object.keys(missing).length) return refuse(null, missing);
    setBusy(true);
    setError(null);
    setFields({});
    try {
      onAsked(await questionsApi.ask(roomId, { subject: subject.trim(), body: body.trim(), priority, ...(aboutDocument ? { documentId: aboutDocument } : {}) }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      refuse(err, fieldErrorsOf(err));
      setBusy(false);
    }
  }

  const described = (field: string, help?: string) => {
    const ids = [help, fields[field] ? `${id}-${field}-error` : null].filter(Boolean).join(' ');
    return { 'aria-invalid': fields[field] ? (true as const) : undefined, 'aria-describedby': ids || undefined };
  };
  const fieldError = (field: string) => fields[field] && <p className="field-error" id={`${id}-${field}-error`}>{fields[field]}</p>;

  return (
    <Modal title="Ask a question" onClose={onClose} wide>
      <form ref={formRef} className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <p className="field-help">
          Your question goes to the seller’s deal team for your party. Other parties never see it, unless the deal team publishes it as an FAQ: then without your party’s name.
        </p>
        <div className="field">
          <label htmlFor={`${id}-subject`}>Subject</label>
          <input id={`${id}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={SUBJECT_MAX} autoFocus {...described('subject')} />
          {fieldError('subject')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-body`}>Question</label>
          <textarea id={`${id}-body`} rows={6} value={body} onChange={(e) => setBody(e.target.value)} maxLength={BODY_MAX} {...described('body')} />
          {fieldError('body')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-priority`}>Priority</label>
            <select id={`${id}-priority`} value={priority} onChange={(e) => setPriority(e.target.value as QuestionPriority)} {...described('priority')}>
              {QUESTION_PRIORITIES.map((p) => <option key={p} value={p}>{PRIORITY_LABEL[p]}</option>)}
            </select>
            {fieldError('priority')}
          </div>
          <div className="field">
            <label htmlFor={`${id}-document`}>Document</label>
            <select id={`${id}-document`} value={aboutDocument} onChange={(e) => setAboutDocument(e.target.value)} {...described('documentId', `${id}-document-help`)}>
              <option value="">None: a question about the deal</option>
              {/* A document named by the link that led here, before the room's list has loaded. */}
              {aboutDocument && !docs.has(aboutDocument) && <option value={aboutDocument}>The document you came from</option>}
              {choices.map((d) => <option key={d.id} value={d.id}>{d.index} {d.title}</option>)}
            </select>
            <p className="field-help" id={`${id}-document-help`}>Optional: the document the question is about.</p>
            {fieldError('documentId')}
          </div>
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Sending…' : 'Send question'}</button>
        </div>
      </form>
    </Modal>
  );
}
