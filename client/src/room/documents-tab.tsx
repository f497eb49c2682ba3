import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useDropzone } from 'react-dropzone';
import { api, ApiError, CLASSIFICATIONS, messageOf, PERSONAL_DATA, type Classification, type DocumentItem, type Folder, type PersonalData } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { Modal } from '../components/modal.js';
import { ClassificationBadge, DeliveryNotesBadge, LevelBadge, PersonalDataBadge } from '../components/badges.js';
import { CLASSIFICATION_LABEL, PERSONAL_DATA_LABEL, formatDate, formatSize, formatType } from '../display-format.js';
import { FolderTree, sortFolders } from './folder-tree.js';
import { UploadQueue, type UploadItem } from './upload-queue.js';
import { entityName, type RoomContext } from './room-context.js';
import { NdaGate } from './nda-gate.js';

/** Files waiting for the manager to say where they go and how they are classified. */
interface PendingFile {
  file: File;
  /** Folder names from a dropped or chosen directory, outermost first. */
  dirs: string[];
}

function pendingOf(files: File[]): PendingFile[] {
  return files.map((file) => {
    const withPath = file as File & { path?: string; relativePath?: string };
    const raw = withPath.webkitRelativePath || withPath.relativePath || withPath.path || file.name;
    const parts = raw.replace(/^\.?\/+/, '').split('/').filter(Boolean);
    return { file, dirs: parts.slice(0, -1) };
  });
}

const UPLOAD_CONCURRENCY = 3;

export function DocumentsTab({ ctx }: { ctx: RoomContext }) {
  const { room, can } = ctx;
  const isManager = can.manageDocuments && room.status === 'open';
  const [folderId, setFolderId] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [folders, reloadFolders] = useLoad((signal) => api.folders(room.id, signal).then((p) => p.items), [room.id]);
  const [docs, reloadDocs] = useLoad(
    (signal) => api.documents(room.id, query ? { q: query } : { folderId: folderId ?? undefined }, signal).then((p) => p.items),
    [room.id, folderId, query],
  );
  const [pending, setPending] = useState<PendingFile[] | null>(null);
  const [queue, setQueue] = useState<UploadItem[]>([]);
  const [newFolder, setNewFolder] = useState(false);
  const folderInput = useRef<HTMLInputElement>(null);
  const versionInput = useRef<HTMLInputElement>(null);
  const versionTarget = useRef<DocumentItem | null>(null);
  const searchId = useId();

  // Search as the user types, without a request per keystroke.
  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);

  // Chromium and Safari pick directories only with this non-standard attribute, which React does not type.
  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, [isManager]);

  const { getRootProps, getInputProps, isDragActive, open } = useDropzone({
    noClick: true,
    noKeyboard: true,
    disabled: !isManager,
    onDrop: (files) => files.length && setPending(pendingOf(files)),
  });

  // An external user whose coverage ended since the room loaded: the gate, not an error.
  if (docs.state === 'error' && docs.error instanceof ApiError && docs.error.code === 'nda_required') return <NdaGate ctx={ctx} />;

  const folderList = folders.state === 'ready' ? folders.data : [];
  const current = folderList.find((f) => f.id === folderId) ?? null;

  async function runUploads(items: PendingFile[], target: { folderId: string | null; entityId: string; classification: Classification; personalData: PersonalData }) {
    setPending(null);
    // Folders of a dropped directory are created first, once each, under the destination.
    // Promises, not folders: parallel uploads of one dropped directory must create it only once.
    const known = new Map<string, Promise<Folder>>(folderList.map((f) => [`${f.parentId ?? ''}/${f.name}`, Promise.resolve(f)]));
    const byIndex = new Map(folderList.map((f) => [f.id, f]));
    const start = queue.length;
    const entries: UploadItem[] = items.map((p, i) => ({
      key: `${Date.now()}-${start + i}`,
      name: p.file.name,
      destination: [byIndex.get(target.folderId ?? '')?.index ?? '', ...p.dirs].filter(Boolean).join(' / ') || 'Top level',
      size: p.file.size,
      progress: 0,
      status: 'queued',
    }));
    setQueue((q) => [...q, ...entries]);
    const update = (key: string, patch: Partial<UploadItem>) => setQueue((q) => q.map((it) => (it.key === key ? { ...it, ...patch } : it)));

    const folderFor = async (dirs: string[]): Promise<string | null> => {
      let parent = target.folderId;
      for (const name of dirs) {
        const k = `${parent ?? ''}/${name}`;
        let f = known.get(k);
        if (!f) {
          f = api.createFolder(room.id, { name, parentId: parent });
          known.set(k, f);
        }
        parent = (await f).id;
      }
      return parent;
    };

    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i];
        const entry = entries[i];
        try {
          const destination = await folderFor(item.dirs);
          if (!destination) throw new Error('Choose a folder for files that are not inside a dropped folder.');
          update(entry.key, { status: 'uploading' });
          await api.uploadDocument(
            room.id,
            item.file,
            { folderId: destination, entityId: target.entityId, classification: target.classification, personalData: target.personalData, title: item.file.name.replace(/\.[^.]+$/, '') || item.file.name },
            (progress) => update(entry.key, { progress }),
          ).promise;
          update(entry.key, { status: 'done', progress: 1 });
        } catch (err) {
          update(entry.key, { status: 'failed', error: messageOf(err, (err as Error).message) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, items.length) }, worker));
    reloadFolders();
    reloadDocs();
  }

  async function uploadVersion(doc: DocumentItem, file: File) {
    const key = `v-${Date.now()}`;
    setQueue((q) => [...q, { key, name: file.name, destination: `New version of ${doc.index} ${doc.title}`, size: file.size, progress: 0, status: 'uploading' }]);
    const update = (patch: Partial<UploadItem>) => setQueue((q) => q.map((it) => (it.key === key ? { ...it, ...patch } : it)));
    try {
      await api.uploadVersion(doc.id, file, (progress) => update({ progress })).promise;
      update({ status: 'done', progress: 1 });
      reloadDocs();
    } catch (err) {
      update({ status: 'failed', error: messageOf(err) });
    }
  }

  return (
    <div className="documents-layout">
      <aside className="panel documents-sidebar">
        <div className="sidebar-head">
          <h2 className="section-title">Index</h2>
          {isManager && (
            <button type="button" className="button button-secondary button-small" onClick={() => setNewFolder(true)}>
              New folder
            </button>
          )}
        </div>
        <LoadView load={folders} retry={reloadFolders} label="folders">
          {(list) => <FolderTree folders={list} selected={folderId} onSelect={(id) => { setFolderId(id); setSearch(''); setQuery(''); }} />}
        </LoadView>
      </aside>

      <div className="documents-main">
        <div className="documents-toolbar">
          <div className="search-field">
            <label htmlFor={searchId} className="visually-hidden">Search documents</label>
            <input id={searchId} type="search" placeholder="Search documents in this room" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          {isManager && (
            <div className="toolbar-actions">
              <button type="button" className="button button-secondary" onClick={() => folderInput.current?.click()}>
                Upload folder
              </button>
              <button type="button" className="button button-primary" onClick={open}>
                Upload files
              </button>
              <input
                ref={folderInput}
                type="file"
                multiple
                hidden
                aria-label="Choose a folder to upload"
                onChange={(e) => {
                  const files = [...(e.target.files ?? [])];
                  e.target.value = '';
                  if (files.length) setPending(pendingOf(files));
                }}
              />
            </div>
          )}
        </div>

        {/* Only managers get a drop target: react-dropzone marks a disabled root aria-disabled, which would grey out every link inside. */}
        <div {...(isManager ? getRootProps({ className: isDragActive ? 'panel dropzone dropzone-active' : 'panel dropzone' }) : { className: 'panel dropzone' })}>
          {isManager && <input {...getInputProps({ 'aria-label': 'Choose files to upload' })} />}
          <div className="documents-heading">
            <h2 className="section-title">
              {query ? `Search results for “${query}”` : current ? `${current.index} ${current.name}` : 'All documents'}
            </h2>
            {docs.state === 'ready' && <span className="page-meta">{docs.data.length} {docs.data.length === 1 ? 'document' : 'documents'}</span>}
          </div>
          {isDragActive && <div className="dropzone-overlay" aria-hidden="true">Drop files or folders to upload them{current ? ` into ${current.index} ${current.name}` : ''}</div>}
          <LoadView load={docs} retry={reloadDocs} label="documents">
            {(list) =>
              list.length === 0 ? (
                <div className="empty-state">
                  <p className="empty-state-title">{query ? 'No documents match your search' : 'No documents here yet'}</p>
                  <p className="empty-state-text">
                    {isManager ? 'Drag files or whole folders here, or use “Upload files”.' : query ? 'Try other words, or browse the index.' : 'Documents you may see will appear here.'}
                  </p>
                </div>
              ) : (
                <DocumentTable
                  docs={list}
                  ctx={ctx}
                  onNewVersion={(doc) => {
                    versionTarget.current = doc;
                    versionInput.current?.click();
                  }}
                />
              )
            }
          </LoadView>
        </div>
        <input
          ref={versionInput}
          type="file"
          hidden
          aria-label="Choose the new version's file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file && versionTarget.current) void uploadVersion(versionTarget.current, file);
          }}
        />
        <UploadQueue items={queue} onDismiss={() => setQueue([])} />
      </div>

      {pending && (
        <UploadDialog
          ctx={ctx}
          files={pending}
          folders={folderList}
          defaultFolderId={folderId}
          onCancel={() => setPending(null)}
          onStart={(target) => void runUploads(pending, target)}
        />
      )}
      {newFolder && (
        <NewFolderDialog
          roomId={room.id}
          parent={current}
          onClose={() => setNewFolder(false)}
          onCreated={(f) => {
            setNewFolder(false);
            reloadFolders();
            setFolderId(f.id);
          }}
        />
      )}
    </div>
  );
}

function DocumentTable({ docs, ctx, onNewVersion }: { docs: DocumentItem[]; ctx: RoomContext; onNewVersion: (d: DocumentItem) => void }) {
  // The deal team sees every document: its entity matters to them, not a level of their own.
  const staff = ctx.can.viewAllDocuments;
  const isManager = ctx.can.manageDocuments && ctx.room.status === 'open';
  return (
    <div className="table-wrap">
      <table className="table documents-table">
        <thead>
          <tr>
            <th scope="col" className="col-index">Index</th>
            <th scope="col">Title</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Classification</th>
            {staff ? <th scope="col">Entity</th> : <th scope="col">Your access</th>}
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {docs.map((d) => {
            const canDownload = d.access === 'download' || d.access === 'original';
            return (
              <tr key={d.id}>
                <td className="col-index mono">{d.index}</td>
                <td>
                  <div className="doc-title">
                    <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="doc-link">{d.title}</Link>
                    <PersonalDataBadge value={d.personalData} />
                    {staff && <DeliveryNotesBadge notes={d.deliveryNotes} />}
                  </div>
                  <div className="doc-sub">Added {formatDate(d.createdAt)}</div>
                </td>
                <td>{formatType(d.mimeType)}</td>
                <td className="num">{formatSize(d.size)}</td>
                <td className="num">v{d.version}</td>
                <td><ClassificationBadge value={d.classification} /></td>
                {staff ? <td>{entityName(ctx, d.entityId)}</td> : <td><LevelBadge value={d.access} /></td>}
                <td className="row-actions">
                  <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="button button-secondary button-small" aria-label={`View ${d.title}`}>View</Link>
                  {canDownload && (
                    <a href={api.contentUrl(d.id, 'attachment')} className="button button-secondary button-small" download aria-label={`Download ${d.title}`}>
                      Download
                    </a>
                  )}
                  {isManager && (
                    <button type="button" className="button button-ghost button-small" onClick={() => onNewVersion(d)} aria-label={`Upload a new version of ${d.title}`}>
                      New version
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function UploadDialog({
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
  onStart: (t: { folderId: string | null; entityId: string; classification: Classification; personalData: PersonalData }) => void;
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
          <div className="field">
            <label htmlFor={`${id}-class`}>Classification</label>
            <select id={`${id}-class`} value={classification} onChange={(e) => setClassification(e.target.value as Classification)}>
              {CLASSIFICATIONS.map((c) => <option key={c} value={c}>{CLASSIFICATION_LABEL[c]}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-pd`}>Personal data</label>
            <select id={`${id}-pd`} value={personalData} onChange={(e) => setPersonalData(e.target.value as PersonalData)}>
              {PERSONAL_DATA.map((p) => <option key={p} value={p}>{PERSONAL_DATA_LABEL[p]}</option>)}
            </select>
          </div>
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
          <button type="submit" className="button button-primary">Start upload</button>
        </div>
      </form>
    </Modal>
  );
}

function NewFolderDialog({ roomId, parent, onClose, onCreated }: { roomId: string; parent: Folder | null; onClose: () => void; onCreated: (f: Folder) => void }) {
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
