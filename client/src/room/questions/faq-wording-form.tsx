import { useId, useState, type FormEvent } from 'react';
import { BODY_MAX, SUBJECT_MAX, type FaqWording, type Question } from './questions-api.js';

/**
 * Publishing a question as an FAQ, in a wording the manager checks first: bidders write "as Alpha's
 * lenders require…", and every party reads the FAQ. Prefilled with the question and the answer as
 * they stand; only what was changed is sent as the FAQ's own wording, and the asking party keeps its
 * question as asked.
 */
export function FaqWordingForm({ q, busy, onPublish, onCancel }: { q: Question; busy: boolean; onPublish: (wording: FaqWording) => void; onCancel: () => void }) {
  const id = useId();
  const [subject, setSubject] = useState(q.subject ?? '');
  const [body, setBody] = useState(q.body ?? '');
  const [answer, setAnswer] = useState(q.answer ?? '');
  const [missing, setMissing] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const blank = [['subject', subject], ['question', body], ['answer', answer]].find(([, v]) => !v.trim());
    if (blank) {
      setMissing(`The ${blank[0]} cannot be empty.`);
      return;
    }
    setMissing(null);
    const wording: FaqWording = {};
    if (subject.trim() !== (q.subject ?? '').trim()) wording.subject = subject.trim();
    if (body.trim() !== (q.body ?? '').trim()) wording.body = body.trim();
    if (answer.trim() !== (q.answer ?? '').trim()) wording.answer = answer.trim();
    onPublish(wording);
  }

  return (
    <form className="faq-wording" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="question-section-title">Publish as FAQ</h3>
      <p className="section-help">Every party with a confirmed NDA reads this wording, without who asked. Remove anything that tells who asked (a name, a lender, a deal structure); the asking party keeps its question as it wrote it.</p>
      <div className="field">
        <label htmlFor={`${id}-subject`}>FAQ subject</label>
        <input id={`${id}-subject`} value={subject} maxLength={SUBJECT_MAX} onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-body`}>FAQ question</label>
        <textarea id={`${id}-body`} rows={3} value={body} maxLength={BODY_MAX} onChange={(e) => setBody(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-answer`}>FAQ answer</label>
        <textarea id={`${id}-answer`} rows={4} value={answer} maxLength={BODY_MAX} onChange={(e) => setAnswer(e.target.value)} />
      </div>
      {missing && <p role="alert" className="field-error">{missing}</p>}
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Publishing…' : 'Publish for every party'}</button>
      </div>
    </form>
  );
}
