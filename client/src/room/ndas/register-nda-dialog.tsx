import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Nda, type Org } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { dateInputToIso } from '../../display-format.js';
import { entityName, type RoomContext } from '../room-context.js';

/** The date `days` from today, as a date input holds it. */
const dateInputIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Registering a signed NDA: the PDF, the counterparty, its dates and the entities it covers. */
export function RegisterNdaDialog({ ctx, orgs, onClose, onDone }: { ctx: RoomContext; orgs: Org[]; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [orgId, setOrgId] = useState('');
  const [kind, setKind] = useState<Nda['kind']>('nda');
  const [signedAt, setSigned] = useState(() => dateInputIn(0));
  const [effectiveAt, setEffective] = useState(() => dateInputIn(0));
  const [expiresAt, setExpires] = useState(() => dateInputIn(365));
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
