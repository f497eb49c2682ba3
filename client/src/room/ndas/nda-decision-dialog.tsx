import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Nda } from '../../api.js';
import { Modal } from '../../components/modal.js';
import type { RoomContext } from '../room-context.js';

/** Rejecting a pending NDA or terminating a confirmed one, with the reason the audit trail keeps. */
export function NdaDecisionDialog({ ctx, nda, action, orgName, onClose, onDone }: { ctx: RoomContext; nda: Nda; action: 'reject' | 'terminate'; orgName: string; onClose: () => void; onDone: () => void }) {
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
