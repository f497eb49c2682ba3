import { useEffect, useRef, useState } from 'react';
import { useDropzone } from 'react-dropzone';
import { api, ApiError, type DocumentItem } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
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

/** The room's index and documents: browse, search, and for managers of an open room, upload. */
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
  const [newFolder, setNewFolder] = useState(false);
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

  return (
    <div className="documents-layout">
      <DocumentsIndex
        folders={folders}
        reload={reloadFolders}
        selected={folderId}
        onSelect={(id) => { setFolderId(id); setSearch(''); setQuery(''); }}
        onNewFolder={isManager ? () => setNewFolder(true) : null}
      />

      <div className="documents-main">
        <DocumentsToolbar search={search} onSearch={setSearch} upload={isManager ? { chooseFiles: open, onFolderChosen: (files) => setPending(pendingOf(files)) } : null} />

        {/* Only managers get a drop target: react-dropzone marks a disabled root aria-disabled, which would grey out every link inside. */}
        <div {...(isManager ? getRootProps({ className: isDragActive ? 'panel dropzone dropzone-active' : 'panel dropzone' }) : { className: 'panel dropzone' })}>
          {isManager && <input {...getInputProps({ 'aria-label': 'Choose files to upload' })} />}
          <DocumentList
            ctx={ctx}
            docs={docs}
            reload={reloadDocs}
            query={query}
            folder={current}
            isManager={isManager}
            dragActive={isDragActive}
            onNewVersion={(doc) => {
              versionTarget.current = doc;
              versionInput.current?.click();
            }}
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
    </div>
  );
}
