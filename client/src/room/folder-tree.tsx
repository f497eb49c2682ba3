import type { Folder } from '../api.js';

/** "1.10" sorts after "1.9": compare index numbers part by part. */
export function compareIndex(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

export const sortFolders = (folders: Folder[]) => [...folders].sort((a, b) => compareIndex(a.index, b.index));
export const depthOf = (f: Folder) => f.index.split('.').length - 1;

/** The index's first entry, above every folder: the whole room's documents. */
export function AllDocumentsEntry({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }) {
  return (
    <li>
      <button type="button" className={selected === null ? 'folder-item folder-item-active' : 'folder-item'} aria-current={selected === null ? 'true' : undefined} onClick={() => onSelect(null)}>
        <span className="folder-icon" aria-hidden="true">▤</span>
        <span className="folder-name">All documents</span>
      </button>
    </li>
  );
}

/** The room's index as a list the keyboard can walk: each entry a button, the open folder marked current. */
export function FolderTree({ folders, selected, onSelect }: { folders: Folder[]; selected: string | null; onSelect: (id: string | null) => void }) {
  return (
    <nav className="folder-tree" aria-label="Folders">
      <ul>
        <AllDocumentsEntry selected={selected} onSelect={onSelect} />
        {sortFolders(folders).map((f) => (
          <li key={f.id} className={`folder-depth-${Math.min(depthOf(f), 5)}`}>
            <button type="button" className={selected === f.id ? 'folder-item folder-item-active' : 'folder-item'} aria-current={selected === f.id ? 'true' : undefined} onClick={() => onSelect(f.id)}>
              <span className="folder-index">{f.index}</span>
              <span className="folder-name">{f.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
