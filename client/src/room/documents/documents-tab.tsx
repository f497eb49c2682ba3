import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useDropzone } from 'react-dropzone';
import { api, ApiError, serverHasRoute, type DocumentItem, type DocumentStatus, type PublishSelection } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { ErrorNotice } from '../../components/error-notice.js';
import type { RoomContext } from '../room-context.js';
import { NdaGate } from '../nda-gate.js';
import { DocumentsIndex } from './documents-index.js';
import { DocumentsToolbar } from './documents-toolbar.js';
import { DocumentList } from './document-list.js';
import { UploadQueue } from './upload-queue.js';
import { UploadDialog } from './upload-dialog.js';
import { NewFolderDialog } from './new-folder-dialog.js';
import { pendingOf, type PendingFile } from './pending-files.js';
import { useUploadQueue } from './use-upload-queue.js';
import { DocumentsDnd } from './documents-dnd.js';
import { sortByIndex } from './document-order.js';
import { publishable } from './document-table.js';
import { PublishBar } from './publish-bar.js';
import { PublishDialog } from './publish-dialog.js';
import { ImportZipDialog } from './import-zip-dialog.js';
import './lifecycle.css';

/** Parts of the API that land separately: asked of the server's OpenAPI document, not guessed from a 404. */
const loadRoutes = async () => {
  const [zip, imports] = await Promise.all([serverHasRoute('GET /api/rooms/{roomId}/download.zip'), serverHasRoute('POST /api/rooms/{roomId}/imports')]);
  return { zip, imports };
};

/**
 * The room's index and documents: browse and search; the deal team also filters by stage; managers
 * of an open room upload, arrange the index by drag and drop, rename, reclassify, publish
 * (after a preview of what each party would gain), withdraw and delete.
 */
export function DocumentsTab({ ctx }: { ctx: RoomContext }) {
  const { room, can } = ctx;
  const isManager = can.manageDocuments && room.status === 'open';
  const staff = can.viewAllDocuments;
  const [folderId, setFolderId] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<DocumentStatus | ''>('');
  const [folders, reloadFolders] = useLoad((signal) => api.folders(room.id, signal).then((p) => p.items), [room.id]);
  const [docs, reloadDocs] = useLoad(
    (signal) => api.documents(room.id, { ...(query ? { q: query } : { folderId: folderId ?? undefined }), status: status || undefined }, signal).then((p) => sortByIndex(p.items)),
    [room.id, folderId, query, status],
  );
  const [routes] = useLoad(loadRoutes, []);
  const [pending, setPending] = useState<PendingFile[] | null>(null);
  const [newFolder, setNewFolder] = useState(false);
  const [importing, setImporting] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [publishing, setPublishing] = useState<{ selection: PublishSelection; label: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const uploads = useUploadQueue(room.id, { folders: reloadFolders, docs: reloadDocs });
  const versionInput = useRef<HTMLInputElement>(null);
  const versionTarget = useRef<DocumentItem | null>(null);

  // Search as the user types, without a request per keystroke.
  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);

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
  const shown = docs.state === 'ready' ? docs.data : [];
  const picked = shown.filter((d) => selected.has(d.id) && publishable(d));
  const hasRoute = (r: 'zip' | 'imports') => routes.state === 'ready' && routes.data[r];

  /** Something changed: say what, and read the index and the list again. */
  const changed = (message: string) => {
    setProblem(null);
    setNotice(message);
    reloadDocs();
    reloadFolders();
  };
  const browse = (next: () => void) => {
    next();
    setSelected(new Set());
    setNotice(null);
    setProblem(null);
  };

  const layout = (
    <div className="documents-layout">
      <DocumentsIndex
        folders={folders}
        reload={reloadFolders}
        selected={folderId}
        onSelect={(id) => browse(() => { setFolderId(id); setSearch(''); setQuery(''); })}
        onNewFolder={isManager ? () => setNewFolder(true) : null}
        arrange={isManager}
      />

      <div className="documents-main">
        <DocumentsToolbar
          search={search}
          onSearch={(text) => browse(() => setSearch(text))}
          status={staff ? { value: status, onChange: (s) => browse(() => setStatus(s)) } : null}
          upload={isManager ? { chooseFiles: open, onFolderChosen: (files) => setPending(pendingOf(files)) } : null}
          onImportZip={isManager && hasRoute('imports') ? () => setImporting(true) : null}
        />
        {isManager && (
          <PublishBar
            roomId={room.id}
            uploadsStartAs={room.uploadsStartAs}
            picked={picked}
            folder={query ? null : current}
            onPreview={(selection, label) => setPublishing({ selection, label })}
            onClear={() => setSelected(new Set())}
          />
        )}
        <p role="status" className="documents-notice">{notice}</p>
        <ErrorNotice error={problem} />

        {/* Only managers get a drop target: react-dropzone marks a disabled root aria-disabled, which would grey out every link inside. */}
        <div {...(isManager ? getRootProps({ className: isDragActive ? 'panel dropzone dropzone-active' : 'panel dropzone' }) : { className: 'panel dropzone' })}>
          {isManager && <input {...getInputProps({ 'aria-label': 'Choose files to upload' })} />}
          <DocumentList
            ctx={ctx}
            docs={docs.state === 'ready' ? { state: 'ready', data: shown } : docs}
            reload={reloadDocs}
            query={query}
            folder={current}
            status={status}
            isManager={isManager}
            dragActive={isDragActive}
            onNewVersion={(doc) => {
              versionTarget.current = doc;
              versionInput.current?.click();
            }}
            selection={isManager ? { selected, toggle: (ids, on) => setSelected((s) => { const next = new Set(s); for (const id of ids) if (on) next.add(id); else next.delete(id); return next; }) } : undefined}
            arrange={isManager}
            onChanged={changed}
            zipDownloads={hasRoute('zip')}
          />
        </div>
        <input
          ref={versionInput}
          type="file"
          hidden
          aria-label="Choose the new version's file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file && versionTarget.current) void uploads.uploadVersion(versionTarget.current, file);
          }}
        />
        <UploadQueue items={uploads.queue} onDismiss={uploads.clear} />
      </div>
    </div>
  );

  const dialogs: ReactNode = (
    <>
      {pending && (
        <UploadDialog
          ctx={ctx}
          files={pending}
          folders={folderList}
          defaultFolderId={folderId}
          onCancel={() => setPending(null)}
          onStart={(target) => {
            setPending(null);
            void uploads.uploadFiles(pending, target, folderList);
          }}
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
      {importing && (
        <ImportZipDialog
          ctx={ctx}
          folders={folderList}
          defaultFolderId={folderId}
          onClose={() => setImporting(false)}
          onImported={(message) => {
            setImporting(false);
            changed(message);
          }}
        />
      )}
      {publishing && (
        <PublishDialog
          roomId={room.id}
          selection={publishing.selection}
          label={publishing.label}
          onClose={() => setPublishing(null)}
          onPublished={(message) => {
            setPublishing(null);
            setSelected(new Set());
            changed(message);
          }}
        />
      )}
    </>
  );

  return isManager ? (
    <DocumentsDnd roomId={room.id} folders={folderList} onMoved={changed} onError={(err) => { setNotice(null); setProblem(err); }}>
      {layout}
      {dialogs}
    </DocumentsDnd>
  ) : (
    <>
      {layout}
      {dialogs}
    </>
  );
}
