import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../../api.js';

/** Whether bidders need two-step verification for anything in the room beyond its name. */
export function RequireMfaSetting({ roomId, initial }: { roomId: string; initial: boolean }) {
  const id = useId();
  const [requireMfa, setRequireMfa] = useState(initial);
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
      const answer = await api.updateRoomSettings(roomId, { requireMfa });
      setRequireMfa(answer.requireMfa);
      setStatus(answer.requireMfa ? 'Saved. Bidders now need two-step verification in this room.' : 'Saved. Bidders sign in to this room with their password alone.');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">Two-step verification</h2>
      <p className="section-help">
        When required, a bidder signed in with a password alone sees the room's name and nothing else until they sign in with a code from their authenticator app. People
        invited to the room set it up when they accept their invitation.
      </p>
      <form className="form section-form" onSubmit={save} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <label className="checkbox">
          <input type="checkbox" checked={requireMfa} onChange={(e) => { setRequireMfa(e.target.checked); setStatus(null); }} />
          Require two-step verification for bidders in this room
        </label>
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : 'Save'}</button>
          <p role="status" className="form-status">{status}</p>
        </div>
      </form>
    </section>
  );
}
