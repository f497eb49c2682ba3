import type { Folder } from '../../api.js';
import type { Load } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { FolderTree } from '../folder-tree.js';
import { SortableFolderTree } from './sortable-folder-tree.js';

interface DocumentsIndexProps {
  folders: Load<Folder[]>;
  reload: () => void;
  selected: string | null;
  onSelect: (folderId: string | null) => void;
  /** Managers of an open room get "New folder". */
  onNewFolder: (() => void) | null;
  /** Managers of an open room arrange the index by drag and drop (inside a DocumentsDnd). */
  arrange?: boolean;
}

/** The room's index: its folder tree, to browse by. */
export function DocumentsIndex({ folders, reload, selected, onSelect, onNewFolder, arrange }: DocumentsIndexProps) {
  return (
    <aside className="panel documents-sidebar">
      <div className="sidebar-head">
        <h2 className="section-title">Index</h2>
        {onNewFolder && (
          <button type="button" className="button button-secondary button-small" onClick={onNewFolder}>
            New folder
          </button>
        )}
      </div>
      <LoadView load={folders} retry={reload} label="folders">
        {(list) => (arrange ? <SortableFolderTree folders={list} selected={selected} onSelect={onSelect} /> : <FolderTree folders={list} selected={selected} onSelect={onSelect} />)}
      </LoadView>
    </aside>
  );
}
