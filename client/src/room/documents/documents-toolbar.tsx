import { useEffect, useId, useRef } from 'react';

interface DocumentsToolbarProps {
  search: string;
  onSearch: (text: string) => void;
  /** Managers of an open room get the upload buttons: choose files, or a whole folder. */
  upload: { chooseFiles: () => void; onFolderChosen: (files: File[]) => void } | null;
}

/** Search above the list, and for managers the upload buttons. */
export function DocumentsToolbar({ search, onSearch, upload }: DocumentsToolbarProps) {
  const searchId = useId();
  const folderInput = useRef<HTMLInputElement>(null);
  const canUpload = upload !== null;

  // Chromium and Safari pick directories only with this non-standard attribute, which React does not type.
  useEffect(() => {
    folderInput.current?.setAttribute('webkitdirectory', '');
  }, [canUpload]);

  return (
    <div className="documents-toolbar">
      <div className="search-field">
        <label htmlFor={searchId} className="visually-hidden">Search documents</label>
        <input id={searchId} type="search" placeholder="Search documents in this room" value={search} onChange={(e) => onSearch(e.target.value)} />
      </div>
      {upload && (
        <div className="toolbar-actions">
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
        </div>
      )}
    </div>
  );
}
