import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Org } from '../../api.js';
import { Modal } from '../../components/modal.js';

/** Inviting a bidder party: its name, its acquirer and its advisors. */
export function PartyDialog({ roomId, orgs, onClose, onDone }: { roomId: string; orgs: Org[]; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const acquirers = orgs.filter((o) => o.kind === 'acquirer');
  const advisors = orgs.filter((o) => o.kind === 'advisor');
  const [name, setName] = useState('');
  const [acquirerOrgId, setAcquirer] = useState('');
  const [advisorOrgIds, setAdvisors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Give the party a name, e.g. “Bidder A”.');
    if (!acquirerOrgId) return setError('Choose the acquirer organisation.');
    try {
      await api.createParty(roomId, { name: name.trim(), acquirerOrgId, advisorOrgIds });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title="Invite a bidder party" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-name`}>Party name</label>
          <p className="field-help" id={`${id}-name-help`}>The name the deal team uses; bidders never see other parties.</p>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} aria-describedby={`${id}-name-help`} autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-acq`}>Acquirer</label>
          <select id={`${id}-acq`} value={acquirerOrgId} onChange={(e) => setAcquirer(e.target.value)}>
            <option value="">Choose an organisation…</option>
            {acquirers.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </div>
        <fieldset className="fieldset">
          <legend>Advisors</legend>
          {advisors.length === 0 && <p className="field-help">No advisor organisations are registered.</p>}
          <div className="checkbox-list">
            {advisors.map((o) => (
              <label key={o.id} className="checkbox">
                <input type="checkbox" checked={advisorOrgIds.includes(o.id)} onChange={(e) => setAdvisors((ids) => (e.target.checked ? [...ids, o.id] : ids.filter((x) => x !== o.id)))} />
                {o.name}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Invite party</button>
        </div>
      </form>
    </Modal>
  );
}
