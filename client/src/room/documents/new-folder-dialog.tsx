import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Folder } from '../../api.js';
import { Modal } from '../../components/modal.js';

/** A new folder in the selected one (or at the top of the index). */
export function NewFolderDialog({ roomId, parent, onClose, onCreated }: { roomId: string; parent: Folder | null; onClose: () => void; onCreated: (f: Folder) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Give the folder a name.');
    setBusy(true);
    try {
      onCreated(await api.createFolder(roomId, { name: name.trim(), parentId: parent?.id ?? null }));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <Modal title={parent ? `New folder in ${parent.index} ${parent.name}` : 'New top-level folder'} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-name`}>Folder name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>Create folder</button>
        </div>
      </form>
    </Modal>
  );
}
