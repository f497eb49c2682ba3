import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type UploadsStartAs } from '../../api.js';

/** The two ways a room can take uploads, as the deal team chooses them when it sets the room up. */
export const UPLOAD_STAGES: Array<{ value: UploadsStartAs; label: string; help: string }> = [
  { value: 'draft', label: 'As drafts', help: 'Only the deal team sees a new upload until a manager publishes it, after a preview of what each party would gain.' },
  { value: 'published', label: 'Published at once', help: 'Parties see a new upload as soon as their grants and NDAs allow.' },
];

/** The radio group itself, for the room's settings and for a new room. */
export function UploadStageChoice({ name, value, onChange }: { name: string; value: UploadsStartAs; onChange: (v: UploadsStartAs) => void }) {
  return (
    <fieldset className="fieldset">
      <legend>New uploads start</legend>
      <div className="checkbox-list">
        {UPLOAD_STAGES.map((c) => (
          <div key={c.value}>
            <label className="checkbox">
              <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} aria-describedby={`${name}-${c.value}-help`} />
              {c.label}
            </label>
            <p id={`${name}-${c.value}-help`} className="field-help choice-help">{c.help}</p>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

/** Whether uploads to the room start as drafts or published: a manager's setting of the room (PATCH /api/rooms/:roomId). */
export function UploadsStartAsSetting({ roomId, initial, onSaved }: { roomId: string; initial: UploadsStartAs; onSaved: () => void }) {
  const id = useId();
  const [value, setValue] = useState<UploadsStartAs>(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const room = await api.updateRoom(roomId, { uploadsStartAs: value });
      const now = room.uploadsStartAs ?? value;
      setValue(now);
      setStatus(now === 'draft' ? 'Saved. New uploads start as drafts.' : 'Saved. New uploads are published at once.');
      onSaved();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">Publishing</h2>
      <p className="section-help">Documents already in the room keep their stage: this decides only where new uploads start. A new version of a published document is published at once.</p>
      <form className="form section-form" onSubmit={save} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <UploadStageChoice name={`${id}-stage`} value={value} onChange={(v) => { setValue(v); setStatus(null); }} />
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : 'Save publishing setting'}</button>
          <p role="status" className="form-status">{status}</p>
        </div>
      </form>
    </section>
  );
}
