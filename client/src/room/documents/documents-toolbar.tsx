import { useEffect, useId, useRef } from 'react';
import type { DocumentStatus } from '../../api.js';

interface DocumentsToolbarProps {
  search: string;
  onSearch: (text: string) => void;
  /** The deal team filters by stage; outsiders get no filter (all they see is published). */
  status: { value: DocumentStatus | ''; onChange: (s: DocumentStatus | '') => void } | null;
  /** Managers of an open room get the upload buttons: choose files, or a whole folder. */
  upload: { chooseFiles: () => void; onFolderChosen: (files: File[]) => void } | null;
  /** Managers of an open room, where the server imports ZIP archives. */
  onImportZip: (() => void) | null;
}

/** Search above the list, the deal team's stage filter, and for managers the upload buttons. */
export function DocumentsToolbar({ search, onSearch, status, upload, onImportZip }: DocumentsToolbarProps) {
  const searchId = useId();
  const statusId = useId();
  const folderInput = useRef<HTMLInputElement>(null);
  const canUpload = upload !== null;

  // Chromium and Safari pick directories only with this non-standard attribute, which React does not type.
  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, [canUpload]);

  return (
    <div className="documents-toolbar">
      <div className="documents-toolbar-filters">
        <div className="search-field">
          <label htmlFor={searchId} className="visually-hidden">Search documents</label>
          <input id={searchId} type="search" placeholder="Search documents in this room" value={search} onChange={(e) => onSearch(e.target.value)} />
        </div>
        {status && (
          <div className="status-filter">
            <label htmlFor={statusId}>Stage</label>
            <select id={statusId} value={status.value} onChange={(e) => status.onChange(e.target.value as DocumentStatus | '')}>
              <option value="">Every stage</option>
              <option value="draft">Drafts</option>
              <option value="published">Published</option>
              <option value="withdrawn">Withdrawn</option>
            </select>
          </div>
        )}
      </div>
      {(upload || onImportZip) && (
        <div className="toolbar-actions">
          {onImportZip && (
            <button type="button" className="button button-secondary" onClick={onImportZip}>
              Import ZIP
            </button>
          )}
          {upload && (
            <>
              <button type="button" className="button button-secondary" onClick={() => folderInput.current?.click()}>
                Upload folder
              </button>
              <button type="button" className="button button-primary" onClick={upload.chooseFiles}>
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
                  if (files.length) upload.onFolderChosen(files);
                }}
              />
            </>
          )}
        </div>
      )}
    </div>
  );
}
