import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type Party } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';

/** One party's allow-list: the saved ranges, edited as one address or CIDR range per line. */
export function IpAllowlistEditor({ roomId, party }: { roomId: string; party: Party }) {
  const [load, reload] = useLoad((signal) => api.ipAllowlist(roomId, party.id, signal), [roomId, party.id]);
  return (
    <article className="allowlist" aria-labelledby={`allowlist-${party.id}`}>
      <h3 id={`allowlist-${party.id}`} className="party-name">{party.name}</h3>
      <LoadView load={load} retry={reload} label={`the allow-list of ${party.name}`}>
        {(list) => <AllowlistForm roomId={roomId} party={party} initial={list.cidrs} />}
      </LoadView>
    </article>
  );
}

const linesOf = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/**
 * The server answers a wrong entry as `details["cidrs.<n>"]`: said here by its line, which is what
 * the manager sees (blank lines are dropped before sending, so n counts the filled ones).
 */
function refusalOf(err: unknown, lines: string[]): string {
  if (!(err instanceof ApiError) || !err.details || typeof err.details !== 'object') return messageOf(err);
  const wrong = Object.entries(err.details as Record<string, unknown>).flatMap(([key, why]) => {
    const n = /^cidrs\.(\d+)$/.exec(key);
    return n ? [`“${lines[Number(n[1])] ?? ''}”: ${String(why)}`] : [];
  });
  return wrong.length ? `Allowed addresses: ${wrong.join('; ')}.` : messageOf(err);
}

function AllowlistForm({ roomId, party, initial }: { roomId: string; party: Party; initial: string[] }) {
  const id = useId();
  const [text, setText] = useState(initial.join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const lines = linesOf(text);
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const answer = await api.setIpAllowlist(roomId, party.id, lines);
      setText(answer.cidrs.join('\n'));
      setStatus(answer.cidrs.length ? `Saved: ${party.name} may connect from ${answer.cidrs.length === 1 ? '1 range' : `${answer.cidrs.length} ranges`}.` : `Saved: ${party.name} may connect from anywhere.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(refusalOf(err, lines));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={save} noValidate aria-busy={busy || undefined}>
      {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
      <div className="field">
        <label htmlFor={`${id}-cidrs`}>Allowed addresses for {party.name}</label>
        <p className="field-help" id={`${id}-help`}>One address or CIDR range per line, IPv4 or IPv6, e.g. 203.0.113.0/24. Empty: no limit.</p>
        <textarea
          id={`${id}-cidrs`}
          className="mono"
          rows={4}
          spellCheck={false}
          value={text}
          onChange={(e) => { setText(e.target.value); setStatus(null); }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-help ${id}-alert` : `${id}-help`}
        />
      </div>
      <div className="form-actions form-actions-start">
        <button type="submit" className="button button-secondary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : 'Save allow-list'}<span className="visually-hidden"> of {party.name}</span></button>
        <p role="status" className="form-status">{status}</p>
      </div>
    </form>
  );
}
