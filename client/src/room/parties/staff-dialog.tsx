import { useId, useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api.js';
import { Modal } from '../../components/modal.js';
import type { Directory } from './party-directory.js';

/** Adding a colleague of the seller group to the room as manager or counsel. */
export function StaffDialog({ roomId, dir, onClose, onDone }: { roomId: string; dir: Directory; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const inRoom = new Set(dir.staff.map((s) => s.userId));
  const candidates = dir.users.filter((u) => u.role !== 'external' && !inRoom.has(u.id));
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<'manager' | 'counsel' | 'expert'>('counsel');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return setError('Choose a person.');
    try {
      await api.addStaff(roomId, { userId, role });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title="Add a team member" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-user`}>Colleague</label>
          <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.name} — {u.email}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role in this room</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as 'manager' | 'counsel' | 'expert')}>
            <option value="manager">Manager — sets up the room</option>
            <option value="counsel">Counsel — registers and confirms NDAs</option>
            <option value="expert">Expert — answers the Q&amp;A questions assigned to them, sees nothing else</option>
          </select>
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Add to room</button>
        </div>
      </form>
    </Modal>
  );
}
