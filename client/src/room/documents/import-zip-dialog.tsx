import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, type Classification, type Folder, type PersonalData, type ZipImport } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { formatSize } from '../../display-format.js';
import { sortFolders } from '../folder-tree.js';
import { entityName, type RoomContext } from '../room-context.js';
import { SensitivityFields } from './sensitivity-fields.js';

const count = (v: number | unknown[]) => (Array.isArray(v) ? v.length : Number(v) || 0);

/**
 * A ZIP archive into a folder: its folders become subfolders and its files documents, all as
 * drafts, or nothing at all (the server refuses the whole archive naming the entry at fault).
 */
export function ImportZipDialog({ ctx, folders, defaultFolderId, onClose, onImported }: {
  ctx: RoomContext;
  folders: Folder[];
  defaultFolderId: string | null;
  onClose: () => void;
  onImported: (message: string) => void;
}) {
  const id = useId();
  const entities = [...(ctx.room.entityIds ?? [])].sort((a, b) => entityName(ctx, a).localeCompare(entityName(ctx, b)));
  const [file, setFile] = useState<File | null>(null);
  const [folderId, setFolderId] = useState(defaultFolderId ?? sortFolders(folders)[0]?.id ?? '');
  const [entityId, setEntityId] = useState(entities[0] ?? '');
  const [classification, setClassification] = useState<Classification>('standard');
  const [personalData, setPersonalData] = useState<PersonalData>('none');
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (progress !== null) return;
    if (!file) return setError(new ApiError(400, 'invalid_request', 'Choose the ZIP archive to import.'));
    if (!folderId) return setError(new ApiError(400, 'invalid_request', 'Choose the folder it goes into (create one first if the index is empty).'));
    if (!entityId) return setError(new ApiError(400, 'invalid_request', 'Choose the legal entity its documents belong to.'));
    setError(null);
    setProgress(0);
    try {
      const result: ZipImport = await api.importZip(ctx.room.id, file, { folderId, entityId, classification, personalData }, setProgress).promise;
      const f = count(result.folders);
      const d = count(result.documents);
      const skipped = result.skipped ?? [];
      const left = skipped.length
        ? ` ${skipped.length} ${skipped.length === 1 ? 'entry was' : 'entries were'} left out: ${skipped.slice(0, 5).map((s) => `${s.entry} (${s.reason})`).join('; ')}${skipped.length > 5 ? '…' : ''}.`
        : '';
      onImported(`Imported ${file.name}: ${d} ${d === 1 ? 'document' : 'documents'} and ${f} new ${f === 1 ? 'folder' : 'folders'}, as drafts.${left}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
      setProgress(null);
    }
  }

  return (
    <Modal title="Import a ZIP archive" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate aria-busy={progress !== null || undefined}>
        <ErrorNotice error={error} />
        <p className="field-help">Its folders become subfolders of the folder you choose, its files documents. Everything is created as drafts, or nothing if any entry is refused.</p>
        <div className="field">
          <label htmlFor={`${id}-file`}>ZIP archive</label>
          <input id={`${id}-file`} type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          {file && <p className="field-help">{file.name}, {formatSize(file.size)}</p>}
        </div>
        <div className="field">
          <label htmlFor={`${id}-folder`}>Into folder</label>
          <select id={`${id}-folder`} value={folderId} onChange={(e) => setFolderId(e.target.value)}>
            {!folderId && <option value="">Choose a folder…</option>}
            {sortFolders(folders).map((f) => <option key={f.id} value={f.id}>{f.index} {f.name}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-entity`}>Entity</label>
          <select id={`${id}-entity`} value={entityId} onChange={(e) => setEntityId(e.target.value)}>
            {entities.map((eid) => <option key={eid} value={eid}>{entityName(ctx, eid)}</option>)}
          </select>
        </div>
        <div className="field-row">
          <SensitivityFields id={id} classification={classification} personalData={personalData} onClassification={setClassification} onPersonalData={setPersonalData} />
        </div>
        {progress !== null && <progress className="upload-bar" max={1} value={progress} aria-label="Import progress" />}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={progress !== null || undefined}>{progress !== null ? 'Importing…' : 'Import'}</button>
        </div>
      </form>
    </Modal>
  );
}
