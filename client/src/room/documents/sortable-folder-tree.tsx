import { useDndContext } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { Folder } from '../../api.js';
import { AllDocumentsEntry, depthOf, sortFolders } from '../folder-tree.js';
import type { DragData } from './documents-dnd.js';

/**
 * The index as the deal team's managers arrange it: each folder has a move handle (drag it, or
 * focus it and use the keyboard), and takes documents dropped on it. The folder's own button still
 * opens it, with the same name as in the plain tree.
 */
export function SortableFolderTree({ folders, selected, onSelect }: { folders: Folder[]; selected: string | null; onSelect: (id: string | null) => void }) {
  const sorted = sortFolders(folders);
  return (
    <nav className="folder-tree" aria-label="Folders">
      <ul>
        <AllDocumentsEntry selected={selected} onSelect={onSelect} />
        <SortableContext items={sorted.map((f) => `folder:${f.id}`)} strategy={verticalListSortingStrategy}>
          {sorted.map((f) => (
            <SortableFolder key={f.id} folder={f} current={selected === f.id} onSelect={onSelect} />
          ))}
        </SortableContext>
      </ul>
    </nav>
  );
}

function SortableFolder({ folder, current, onSelect }: { folder: Folder; current: boolean; onSelect: (id: string) => void }) {
  const data: DragData = { type: 'folder', folder };
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging, isOver } = useSortable({ id: `folder:${folder.id}`, data });
  const { active } = useDndContext();
  // A document held over a folder is about to go into it: show which one.
  const documentOver = isOver && (active?.data.current as DragData | undefined)?.type === 'document';
  const classes = [`folder-row folder-depth-${Math.min(depthOf(folder), 5)}`, isDragging ? 'is-dragging' : '', documentOver ? 'folder-drop-target' : ''].filter(Boolean).join(' ');
  return (
    <li ref={setNodeRef} className={classes} style={{ transform: CSS.Translate.toString(transform), transition }}>
      <button type="button" className={current ? 'folder-item folder-item-active' : 'folder-item'} aria-current={current ? 'true' : undefined} onClick={() => onSelect(folder.id)}>
        <span className="folder-index">{folder.index}</span>
        <span className="folder-name">{folder.name}</span>
      </button>
      {/* Named "Move <name> (<index>)": the folder's own button keeps the name "<index> <name>" alone. */}
      <button type="button" ref={setActivatorNodeRef} className="drag-handle" {...attributes} {...listeners} aria-label={`Move ${folder.name} (${folder.index})`}>
        <span aria-hidden="true">⠿</span>
      </button>
    </li>
  );
}
