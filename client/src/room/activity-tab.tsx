import { useId, useState } from 'react';
import { api, ApiError, messageOf, type AuditEvent, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { formatTime } from '../display-format.js';
import type { RoomContext } from './room-context.js';

/** "document.download" → "Document download". */
const actionLabel = (a: string) => {
  const s = a.replace(/[._]+/g, ' ');
  return s[0].toUpperCase() + s.slice(1);
};

function detailText(e: AuditEvent): string {
  const d = e.details ?? {};
  const parts: string[] = [];
  for (const key of ['reason', 'downloadId', 'title', 'name', 'level', 'role', 'kind']) {
    const v = (d as Record<string, unknown>)[key];
    if (typeof v === 'string' && v) parts.push(key === 'downloadId' ? `download ${v}` : v);
  }
  return parts.join(' · ');
}

export function ActivityTab({ ctx }: { ctx: RoomContext }) {
  const id = useId();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [more, setMore] = useState<string | null>(null);
  const [first, reload] = useLoad(async () => {
    const [page, users] = await Promise.all([api.audit(ctx.room.id), api.users().then((p) => p.items).catch(() => [] as User[])]);
    setEvents(page.items);
    setNextBefore(page.nextBefore);
    return new Map(users.map((u) => [u.id, u]));
  }, [ctx.room.id]);
  const [action, setAction] = useState('');
  const [decision, setDecision] = useState('');
  const [actor, setActor] = useState('');

  async function loadOlder() {
    if (nextBefore === null) return;
    try {
      const page = await api.audit(ctx.room.id, nextBefore);
      setEvents((e) => [...e, ...page.items]);
      setNextBefore(page.nextBefore);
    } catch (err) {
      setMore(messageOf(err));
    }
  }

  return (
    <div className="stack">
      <VerificationStatus isAdmin={ctx.can.verifyLedger} />
      <LoadView load={first} retry={reload} label="audit trail">
        {(users) => {
          const actions = [...new Set(events.map((e) => e.action))].sort();
          const actors = [...new Set(events.map((e) => e.actorId).filter((a): a is string => !!a))];
          const shown = events.filter((e) => (!action || e.action === action) && (!decision || e.decision === decision) && (!actor || e.actorId === actor));
          return (
            <section className="panel section" aria-labelledby={`${id}-title`}>
              <div className="section-head">
                <div>
                  <h2 id={`${id}-title`} className="section-title">Audit trail</h2>
                  <p className="section-help">Every decision in this room, allowed or denied, in a hash-chained ledger. Times are UTC.</p>
                </div>
                <a className="button button-secondary" href={api.auditCsvUrl(ctx.room.id)} download>Export CSV</a>
              </div>
              <div className="filters" role="group" aria-label="Filter the audit trail">
                <div className="field">
                  <label htmlFor={`${id}-action`}>Action</label>
                  <select id={`${id}-action`} value={action} onChange={(e) => setAction(e.target.value)}>
                    <option value="">All actions</option>
                    {actions.map((a) => <option key={a} value={a}>{actionLabel(a)}</option>)}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${id}-decision`}>Decision</label>
                  <select id={`${id}-decision`} value={decision} onChange={(e) => setDecision(e.target.value)}>
                    <option value="">Allowed and denied</option>
                    <option value="allow">Allowed</option>
                    <option value="deny">Denied</option>
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${id}-actor`}>Person</label>
                  <select id={`${id}-actor`} value={actor} onChange={(e) => setActor(e.target.value)}>
                    <option value="">Everyone</option>
                    {actors.map((a) => <option key={a} value={a}>{users.get(a)?.name ?? a}</option>)}
                  </select>
                </div>
                <p className="page-meta filters-count" aria-live="polite">{shown.length} of {events.length} events</p>
              </div>
              <div className="table-wrap">
                <table className="table audit-table">
                  <thead>
                    <tr>
                      <th scope="col" className="num">#</th>
                      <th scope="col">Time</th>
                      <th scope="col">Person</th>
                      <th scope="col">Action</th>
                      <th scope="col">Decision</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((e) => (
                      <tr key={e.seq}>
                        <td className="num mono">{e.seq}</td>
                        <td className="nowrap">{formatTime(e.at)}</td>
                        <td>{e.actorId ? users.get(e.actorId)?.name ?? 'Unknown user' : 'System'}</td>
                        <td>{actionLabel(e.action)}</td>
                        <td><span className={e.decision === 'allow' ? 'badge badge-success' : 'badge badge-danger'}>{e.decision === 'allow' ? 'Allowed' : 'Denied'}</span></td>
                        <td className="doc-sub">{detailText(e)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {more && <p role="alert" className="alert alert-error">{more}</p>}
              {nextBefore !== null && (
                <div className="list-footer">
                  <button type="button" className="button button-secondary" onClick={() => void loadOlder()}>Load older events</button>
                </div>
              )}
            </section>
          );
        }}
      </LoadView>
    </div>
  );
}

/** Whether the ledger's hash chain is intact. Verifying the whole ledger is an administrator's act. */
function VerificationStatus({ isAdmin }: { isAdmin: boolean }) {
  const [state, reload] = useLoad(() => (isAdmin ? api.verifyLedger() : Promise.resolve(null)), [isAdmin]);
  if (!isAdmin) {
    return (
      <div className="panel verify verify-neutral" role="status">
        <strong>Ledger verification</strong>
        <span>The hash chain of the whole ledger is verified by an administrator; ask yours for the latest result.</span>
      </div>
    );
  }
  if (state.state === 'loading') return <div className="panel verify" role="status"><span className="spinner" aria-hidden="true" /> Verifying the ledger…</div>;
  if (state.state === 'error') {
    return <div className="panel verify verify-bad" role="alert">Verification could not run: {state.error instanceof ApiError ? state.error.message : 'try again'} <button type="button" className="button button-secondary button-small" onClick={reload}>Retry</button></div>;
  }
  const v = state.data!;
  return v.ok ? (
    <div className="panel verify verify-ok" role="status">
      <strong>✓ Ledger verified</strong>
      <span>{v.count.toLocaleString('en-GB')} events, hash chain intact. Head {v.head?.slice(0, 16)}…</span>
      <button type="button" className="button button-secondary button-small" onClick={reload}>Verify again</button>
    </div>
  ) : (
    <div className="panel verify verify-bad" role="alert">
      <strong>✗ Ledger broken at event {v.brokenSeq}</strong>
      <span>{v.reason}</span>
    </div>
  );
}
