import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Nda, type Org, type StaffMember } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { Modal } from '../components/modal.js';
import { StatusBadge } from '../components/status-badge.js';
import { dateInputToIso, daysUntil, formatDate, formatTime } from '../display-format.js';
import { entityName, type RoomContext } from './room-context.js';

/** NDAs ending within this many days are flagged so counsel can chase a renewal in time. */
const EXPIRY_WARNING_DAYS = 30;

const KIND_LABEL: Record<Nda['kind'], string> = { nda: 'NDA', joinder: 'Joinder', clean_team: 'Clean-team NDA' };

interface Register {
  ndas: Nda[];
  orgs: Map<string, Org>;
  staff: StaffMember[];
}

async function loadRegister(ctx: RoomContext): Promise<Register> {
  if (!ctx.can.readNdaRegister) return { ndas: (await api.ndas(ctx.room.id)).items, orgs: new Map(), staff: [] };
  const [ndas, orgs, staff] = await Promise.all([api.ndas(ctx.room.id), api.orgs(), api.staff(ctx.room.id)]);
  return { ndas: ndas.items, orgs: new Map(orgs.items.map((o) => [o.id, o])), staff: staff.items };
}

const displayStatus = (n: Nda) => (n.status === 'confirmed' && n.expired ? 'expired' : n.status);

export function NdasTab({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad(() => loadRegister(ctx), [ctx.room.id]);
  const [registering, setRegistering] = useState(false);
  const [deciding, setDeciding] = useState<{ nda: Nda; action: 'reject' | 'terminate' } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const staff = ctx.can.readNdaRegister;
  const isCounsel = ctx.can.decideNdas;

  async function confirm(nda: Nda) {
    setError(null);
    setNotice(null);
    try {
      await api.confirmNda(ctx.room.id, nda.id);
      setNotice('NDA confirmed. The covered organisation has access from now on, within its party\'s permissions.');
      reload();
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <LoadView load={load} retry={reload} label="NDA register">
      {(reg) => {
        const who = (id: string | null | undefined) => (id ? reg.staff.find((s) => s.userId === id)?.name ?? (id === ctx.user.id ? ctx.user.name : 'Administrator') : '—');
        const expiring = reg.ndas.filter((n) => n.status === 'confirmed' && !n.expired && daysUntil(n.expiresAt) <= EXPIRY_WARNING_DAYS);
        return (
          <div className="stack">
            {error && <p role="alert" className="alert alert-error">{error}</p>}
            {notice && <p role="status" className="alert alert-success">{notice}</p>}
            {expiring.length > 0 && (
              <div className="alert alert-warning" role="status">
                <strong>{expiring.length === 1 ? 'One NDA expires' : `${expiring.length} NDAs expire`} within {EXPIRY_WARNING_DAYS} days.</strong>{' '}
                Access it gives ends on its expiry date:{' '}
                {expiring.map((n) => `${reg.orgs.get(n.orgId)?.name ?? 'your organisation'} on ${formatDate(n.expiresAt)}`).join('; ')}.
              </div>
            )}
            <section className="panel section" aria-labelledby="ndas-title">
              <div className="section-head">
                <div>
                  <h2 id="ndas-title" className="section-title">{staff ? 'NDA register' : "Your organisation's agreements"}</h2>
                  {staff && (
                    <p className="section-help">
                      Four-eyes: an NDA is confirmed by a counsel of this room who did not register it. Until then it gives no access. Terminating it ends the access it gave on the very next request.
                    </p>
                  )}
                </div>
                {ctx.can.registerNdas && ctx.room.status === 'open' && (
                  <button type="button" className="button button-primary" onClick={() => setRegistering(true)}>Register NDA</button>
                )}
              </div>
              {reg.ndas.length === 0 ? (
                <p className="empty-inline">No NDAs registered yet.</p>
              ) : (
                <div className="table-wrap">
                  <table className="table">
                    <thead>
                      <tr>
                        {staff && <th scope="col">Counterparty</th>}
                        <th scope="col">Kind</th>
                        <th scope="col">Status</th>
                        <th scope="col">Covers</th>
                        <th scope="col">Effective</th>
                        <th scope="col">Expires</th>
                        {staff && <th scope="col">Registered / decided</th>}
                        {staff && <th scope="col"><span className="visually-hidden">Actions</span></th>}
                      </tr>
                    </thead>
                    <tbody>
                      {reg.ndas.map((n) => {
                        const days = daysUntil(n.expiresAt);
                        const ownRegistration = n.registeredBy === ctx.user.id;
                        return (
                          <tr key={n.id}>
                            {staff && (
                              <td>
                                <strong>{reg.orgs.get(n.orgId)?.name ?? 'Organisation'}</strong>
                                {n.fileName && (
                                  <div className="doc-sub">
                                    <a href={api.ndaFileUrl(ctx.room.id, n.id)} target="_blank" rel="noopener">Signed PDF</a>
                                  </div>
                                )}
                              </td>
                            )}
                            <td>{KIND_LABEL[n.kind]}</td>
                            <td>
                              <StatusBadge status={displayStatus(n)} />
                              {n.reason && <div className="doc-sub">{n.reason}</div>}
                            </td>
                            <td>
                              {staff ? n.entityIds.map((e) => entityName(ctx, e)).join(', ') : `${n.entityIds.length} ${n.entityIds.length === 1 ? 'entity' : 'entities'}`}
                              {n.coversRepresentatives && <div className="doc-sub">and the acquirer's advisors</div>}
                            </td>
                            <td>{formatDate(n.effectiveAt)}</td>
                            <td>
                              {formatDate(n.expiresAt)}
                              {n.status === 'confirmed' && !n.expired && days <= EXPIRY_WARNING_DAYS && <div className="badge badge-warning">in {days} {days === 1 ? 'day' : 'days'}</div>}
                            </td>
                            {staff && (
                              <td className="doc-sub">
                                by {who(n.registeredBy)} {n.registeredAt && <>on {formatDate(n.registeredAt)}</>}
                                {n.confirmedBy && <div>confirmed by {who(n.confirmedBy)}, {formatTime(n.confirmedAt)}</div>}
                                {!n.confirmedBy && n.decidedBy && <div>{n.status} by {who(n.decidedBy)}</div>}
                              </td>
                            )}
                            {staff && (
                              <td className="row-actions">
                                {n.status === 'pending' && isCounsel && (
                                  ownRegistration ? (
                                    <span className="four-eyes-note">You registered this NDA: another counsel must confirm it.</span>
                                  ) : (
                                    <button type="button" className="button button-primary button-small" onClick={() => void confirm(n)} aria-label={`Confirm the NDA of ${reg.orgs.get(n.orgId)?.name}`}>Confirm</button>
                                  )
                                )}
                                {n.status === 'pending' && isCounsel && (
                                  <button type="button" className="button button-secondary button-small" onClick={() => setDeciding({ nda: n, action: 'reject' })}>Reject</button>
                                )}
                                {n.status === 'pending' && !isCounsel && <span className="four-eyes-note">Awaiting counsel</span>}
                                {n.status === 'confirmed' && isCounsel && (
                                  <button type="button" className="button button-danger-outline button-small" onClick={() => setDeciding({ nda: n, action: 'terminate' })}>Terminate</button>
                                )}
                              </td>
                            )}
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            {registering && <RegisterNdaDialog ctx={ctx} orgs={[...reg.orgs.values()]} onClose={() => setRegistering(false)} onDone={() => { setRegistering(false); setNotice('NDA registered. Another counsel must now confirm it.'); reload(); }} />}
            {deciding && (
              <DecisionDialog
                ctx={ctx}
                nda={deciding.nda}
                action={deciding.action}
                orgName={reg.orgs.get(deciding.nda.orgId)?.name ?? 'the organisation'}
                onClose={() => setDeciding(null)}
                onDone={() => { setDeciding(null); reload(); }}
              />
            )}
          </div>
        );
      }}
    </LoadView>
  );
}

function RegisterNdaDialog({ ctx, orgs, onClose, onDone }: { ctx: RoomContext; orgs: Org[]; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const [file, setFile] = useState<File | null>(null);
  const [orgId, setOrgId] = useState('');
  const [kind, setKind] = useState<Nda['kind']>('nda');
  const [signedAt, setSigned] = useState(today);
  const [effectiveAt, setEffective] = useState(today);
  const [expiresAt, setExpires] = useState(nextYear);
  const [entityIds, setEntityIds] = useState<string[]>(ctx.room.entityIds ?? []);
  const [coversRepresentatives, setCoversReps] = useState(true);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const counterparties = orgs.filter((o) => o.kind !== 'seller');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return setError('Attach the signed PDF.');
    if (!orgId) return setError('Choose the counterparty organisation.');
    if (entityIds.length === 0) return setError('Choose at least one entity the NDA covers.');
    if (expiresAt <= effectiveAt) return setError('The expiry date must be after the effective date.');
    setError(null);
    setProgress(0);
    try {
      await api.registerNda(
        ctx.room.id,
        file,
        {
          orgId,
          kind,
          signedAt: dateInputToIso(signedAt),
          effectiveAt: dateInputToIso(effectiveAt),
          expiresAt: dateInputToIso(expiresAt),
          entityIds: JSON.stringify(entityIds),
          coversRepresentatives: String(coversRepresentatives),
        },
        setProgress,
      ).promise;
      onDone();
    } catch (err) {
      setProgress(null);
      setError(messageOf(err));
    }
  }

  return (
    <Modal title="Register a signed NDA" onClose={onClose} wide>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-file`}>Signed PDF</label>
          <input id={`${id}-file`} type="file" accept="application/pdf,.pdf" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-org`}>Counterparty</label>
            <select id={`${id}-org`} value={orgId} onChange={(e) => setOrgId(e.target.value)}>
              <option value="">Choose an organisation…</option>
              {counterparties.map((o) => <option key={o.id} value={o.id}>{o.name} ({o.kind})</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-kind`}>Kind</label>
            <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Nda['kind'])}>
              <option value="nda">NDA</option>
              <option value="joinder">Joinder</option>
              <option value="clean_team">Clean-team NDA</option>
            </select>
          </div>
        </div>
        <div className="field-row field-row-3">
          <div className="field">
            <label htmlFor={`${id}-signed`}>Signed on</label>
            <input id={`${id}-signed`} type="date" value={signedAt} onChange={(e) => setSigned(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-eff`}>Effective from</label>
            <input id={`${id}-eff`} type="date" value={effectiveAt} onChange={(e) => setEffective(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-exp`}>Expires on</label>
            <input id={`${id}-exp`} type="date" value={expiresAt} onChange={(e) => setExpires(e.target.value)} />
          </div>
        </div>
        <fieldset className="fieldset">
          <legend>Entities covered</legend>
          <div className="checkbox-list">
            {(ctx.room.entityIds ?? []).map((eid) => (
              <label key={eid} className="checkbox">
                <input type="checkbox" checked={entityIds.includes(eid)} onChange={(e) => setEntityIds((ids) => (e.target.checked ? [...ids, eid] : ids.filter((x) => x !== eid)))} />
                {entityName(ctx, eid)}
              </label>
            ))}
          </div>
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={coversRepresentatives} onChange={(e) => setCoversReps(e.target.checked)} />
          Covers representatives (the acquirer answers for its advisors)
        </label>
        {progress !== null && <progress className="upload-bar" max={1} value={progress} aria-label="Upload progress of the signed PDF" />}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={progress !== null || undefined}>Register NDA</button>
        </div>
      </form>
    </Modal>
  );
}

function DecisionDialog({ ctx, nda, action, orgName, onClose, onDone }: { ctx: RoomContext; nda: Nda; action: 'reject' | 'terminate'; orgName: string; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!reason.trim()) return setError('Give the reason; it is kept in the audit trail.');
    try {
      if (action === 'reject') await api.rejectNda(ctx.room.id, nda.id, reason.trim());
      else await api.terminateNda(ctx.room.id, nda.id, reason.trim());
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title={action === 'reject' ? `Reject the NDA of ${orgName}` : `Terminate the NDA of ${orgName}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        {action === 'terminate' && <p>Every access this NDA gives ends at once, including download links already handed out.</p>}
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} rows={3} />
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-danger">{action === 'reject' ? 'Reject NDA' : 'Terminate NDA'}</button>
        </div>
      </form>
    </Modal>
  );
}
