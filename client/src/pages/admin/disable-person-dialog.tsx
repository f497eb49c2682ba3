import { useState } from 'react';
import { adminApi, messageOf, type DirectoryUser } from '../../api.js';
import { Modal } from '../../components/modal.js';

/** Disabling is asked twice: it signs the person out everywhere, at once, and there is no undo here. */
export function DisablePersonDialog({ person, onClose, onDisabled }: { person: DirectoryUser; onClose: () => void; onDisabled: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function disable() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await adminApi.disableUser(person.id);
      onDisabled();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <Modal title={`Disable ${person.name}?`} onClose={onClose}>
      <div className="form">
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <p>{person.name} ({person.email}) can no longer sign in, and every session and API token of theirs stops working from the next request on.</p>
        <p>What they did stays in the ledger, and their downloads stay traceable.</p>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose} autoFocus>Keep</button>
          <button type="button" className="button button-danger" onClick={() => void disable()} aria-disabled={busy || undefined}>{busy ? 'Disabling…' : 'Disable'}</button>
        </div>
      </div>
    </Modal>
  );
}
