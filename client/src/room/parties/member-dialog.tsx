import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Party } from '../../api.js';
import { Modal } from '../../components/modal.js';
import type { Directory } from './party-directory.js';

/** Adding a person of the party's acquirer or advisors, who is in no party of the room yet. */
export function MemberDialog({ roomId, party, dir, onClose, onDone }: { roomId: string; party: Party; dir: Directory; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const orgIds = [party.acquirerOrgId, ...party.advisorOrgIds];
  const taken = new Set(dir.parties.flatMap((p) => (p.members ?? []).map((m) => m.userId)));
  const candidates = dir.users.filter((u) => u.role === 'external' && orgIds.includes(u.orgId) && !taken.has(u.id));
  const [userId, setUserId] = useState('');
  const [cleanTeam, setCleanTeam] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return setError('Choose a person.');
    try {
      await api.addMember(roomId, party.id, { userId, cleanTeam });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title={`Add a member to ${party.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-user`}>Person</label>
          <p className="field-help" id={`${id}-help`}>People of the party's acquirer and advisors who are not yet in a party of this room.</p>
          <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)} aria-describedby={`${id}-help`}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.name} — {u.email} ({dir.orgs.get(u.orgId)?.name})</option>)}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={cleanTeam} onChange={(e) => setCleanTeam(e.target.checked)} />
          Clean-team member (may see clean-team documents the party's grants allow)
        </label>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Add member</button>
        </div>
      </form>
    </Modal>
  );
}
