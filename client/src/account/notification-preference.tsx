import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type NotifyPreference } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView, NotAvailable } from '../components/load-view.js';

const CHOICES: Array<{ value: NotifyPreference; label: string; help: string }> = [
  { value: 'immediate', label: 'As it happens', help: 'A mail soon after new documents you may see are published.' },
  { value: 'daily', label: 'Daily digest', help: 'One mail a day listing what was published, when there is anything.' },
  { value: 'off', label: 'Off', help: 'No mail about new documents. Invitations, password resets and NDA decisions still come.' },
];

/** How the person hears of documents published to them (GET/PUT /api/me/settings). */
export function NotificationPreference() {
  const [load, reload] = useLoad((signal) => api.mySettings(signal), []);
  if (load.state === 'error' && load.error instanceof ApiError && load.error.status === 404) return <NotAvailable what="Notification settings" />;
  return (
    <LoadView load={load} retry={reload} label="notification settings">
      {(settings) => <NotificationForm initial={settings.notify} />}
    </LoadView>
  );
}

function NotificationForm({ initial }: { initial: NotifyPreference }) {
  const id = useId();
  const [notify, setNotify] = useState(initial);
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
      const answer = await api.updateMySettings({ notify });
      setNotify(answer.notify);
      setStatus(`Saved. New documents: ${CHOICES.find((c) => c.value === answer.notify)?.label.toLowerCase()}.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">Notifications</h2>
      <p className="section-help">Mail about documents published in your data rooms names only documents you may see.</p>
      <form className="form section-form" onSubmit={save} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <fieldset className="fieldset">
          <legend>Mail me about new documents</legend>
          <div className="checkbox-list">
            {CHOICES.map((c) => (
              <div key={c.value}>
                <label className="checkbox">
                  <input type="radio" name={`${id}-notify`} value={c.value} checked={notify === c.value} onChange={() => { setNotify(c.value); setStatus(null); }} aria-describedby={`${id}-${c.value}-help`} />
                  {c.label}
                </label>
                <p id={`${id}-${c.value}-help`} className="field-help choice-help">{c.help}</p>
              </div>
            ))}
          </div>
        </fieldset>
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
            {busy ? 'Saving…' : 'Save notification setting'}
          </button>
          <p role="status" className="form-status">{status}</p>
        </div>
      </form>
    </section>
  );
}
