import { useId, useState, type FormEvent } from 'react';
import { type Classification, type Folder, type PersonalData } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { formatSize } from '../../display-format.js';
import { sortFolders } from '../folder-tree.js';
import { entityName, type RoomContext } from '../room-context.js';
import type { PendingFile, UploadTarget } from './pending-files.js';
import { SensitivityFields } from './sensitivity-fields.js';

/** Where dropped or chosen files go, and how they are classified, before any of them is sent. */
export function UploadDialog({
  ctx,
  files,
  folders,
  defaultFolderId,
  onCancel,
  onStart,
}: {
  ctx: RoomContext;
  files: PendingFile[];
  folders: Folder[];
  defaultFolderId: string | null;
  onCancel: () => void;
  onStart: (t: UploadTarget) => void;
}) {
  const id = useId();
  const allInDirs = files.every((f) => f.dirs.length > 0);
  const [folderId, setFolderId] = useState<string>(defaultFolderId ?? (allInDirs ? '' : sortFolders(folders)[0]?.id ?? ''));
  const [entityId, setEntityId] = useState([...(ctx.room.entityIds ?? [])].sort((a, b) => entityName(ctx, a).localeCompare(entityName(ctx, b)))[0] ?? '');
  const [classification, setClassification] = useState<Classification>('standard');
  const [personalData, setPersonalData] = useState<PersonalData>('none');
  const [error, setError] = useState<string | null>(null);
  const total = files.reduce((n, f) => n + f.file.size, 0);
  const dirs = [...new Set(files.filter((f) => f.dirs.length).map((f) => f.dirs.join(' / ')))];

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!folderId && !allInDirs) return setError('Choose the folder these files go into.');
    if (!entityId) return setError('Choose the legal entity these documents belong to.');
    onStart({ folderId: folderId || null, entityId, classification, personalData });
  }

  return (
    <Modal title={`Upload ${files.length} ${files.length === 1 ? 'file' : 'files'}`} onClose={onCancel}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <p className="field-help">
          {formatSize(total)} in total{dirs.length ? `, with the folders ${dirs.slice(0, 4).join(', ')}${dirs.length > 4 ? '…' : ''}, which are created in the index` : ''}.
        </p>
        <ul className="pending-list">
          {files.slice(0, 6).map((f, i) => (
            <li key={i}>{[...f.dirs, f.file.name].join(' / ')}</li>
          ))}
          {files.length > 6 && <li>and {files.length - 6} more</li>}
        </ul>
        <div className="field">
          <label htmlFor={`${id}-folder`}>Folder</label>
          <select id={`${id}-folder`} value={folderId} onChange={(e) => setFolderId(e.target.value)}>
            {allInDirs && <option value="">Top level of the index</option>}
            {!allInDirs && !folderId && <option value="">Choose a folder…</option>}
            {sortFolders(folders).map((f) => (
              <option key={f.id} value={f.id}>{f.index} {f.name}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-entity`}>Entity</label>
          <select id={`${id}-entity`} value={entityId} onChange={(e) => setEntityId(e.target.value)}>
            {[...(ctx.room.entityIds ?? [])].sort((a, b) => entityName(ctx, a).localeCompare(entityName(ctx, b))).map((eid) => (
              <option key={eid} value={eid}>{entityName(ctx, eid)}</option>
            ))}
          </select>
        </div>
        <div className="field-row">
          <SensitivityFields id={id} classification={classification} personalData={personalData} onClassification={setClassification} onPersonalData={setPersonalData} />
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
          <button type="submit" className="button button-primary">Start upload</button>
        </div>
      </form>
    </Modal>
  );
}
