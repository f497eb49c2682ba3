import { useRef, useState, type ReactNode } from 'react';
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragMoveEvent,
  type KeyboardCoordinateGetter,
} from '@dnd-kit/core';
import { api, ApiError, type DocumentItem, type Folder } from '../../api.js';
import { dropFolder, dropOnDocument, dropOnFolder, type DocumentPatch, type FolderPatch } from './document-order.js';

/** What a draggable row or folder carries, so a drop knows what moved and onto what. */
export type DragData = { type: 'document'; doc: DocumentItem } | { type: 'folder'; folder: Folder };

/** How far right a folder is dragged to go inside the folder it is over, rather than to its place. */
export const NEST_OFFSET = 48;

const docLabel = (d: DocumentItem) => `${d.index} ${d.title}`;
const folderLabel = (f: Folder) => `${f.index} ${f.name}`;

type Plan =
  | { kind: 'document'; doc: DocumentItem; patch: DocumentPatch; text: string }
  | { kind: 'folder'; folder: Folder; patch: FolderPatch; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'none'; text: string };

/** What dropping here would do, in words for the drag hint and for screen readers. */
function planOf(folders: Folder[], active: DragData | undefined, over: DragData | undefined, nest: boolean): Plan {
  if (!active) return { kind: 'none', text: '' };
  const name = active.type === 'document' ? docLabel(active.doc) : folderLabel(active.folder);
  if (!over) return { kind: 'none', text: `${name} is not over a place to drop it.` };
  if (active.type === 'document') {
    if (over.type === 'document') {
      const patch = dropOnDocument(active.doc, over.doc);
      return patch ? { kind: 'document', doc: active.doc, patch, text: `${name} goes to place ${over.doc.index}.` } : { kind: 'none', text: `${name} stays where it is.` };
    }
    const patch = dropOnFolder(active.doc, over.folder);
    return patch ? { kind: 'document', doc: active.doc, patch, text: `${name} goes last into ${folderLabel(over.folder)}.` } : { kind: 'none', text: `${name} is already in ${folderLabel(over.folder)}.` };
  }
  if (over.type !== 'folder') return { kind: 'none', text: `${name} can only be dropped on a folder.` };
  const plan = dropFolder(folders, active.folder, { mode: nest ? 'into' : 'place', target: over.folder });
  if (!plan) return { kind: 'none', text: `${name} stays where it is.` };
  if ('refused' in plan) return { kind: 'refused', text: plan.refused };
  return {
    kind: 'folder',
    folder: active.folder,
    patch: plan.patch,
    text: nest ? `${name} goes inside ${folderLabel(over.folder)}.` : `${name} goes to the place of ${folderLabel(over.folder)}.`,
  };
}

const typeOf = (c: { data: { current?: unknown } }) => (c.data.current as DragData | undefined)?.type;

/**
 * Documents land on documents and folders; folders on folders only. The pointer's own position
 * decides (no drop when it is over nothing: a stray release moves nothing). From the keyboard, the
 * target whose top-left corner the held item was moved to (see keyboardCoordinates).
 */
const collisions: CollisionDetection = (args) => {
  const type = typeOf(args.active);
  const droppableContainers = args.droppableContainers.filter((c) => type === 'document' || typeOf(c) === 'folder');
  if (args.pointerCoordinates) return pointerWithin({ ...args, droppableContainers });
  const { left, top } = args.collisionRect;
  return droppableContainers
    .flatMap((c) => {
      const rect = args.droppableRects.get(c.id);
      return rect ? [{ id: c.id, data: { droppableContainer: c, value: Math.hypot(rect.left - left, rect.top - top) } }] : [];
    })
    .sort((a, b) => a.data.value - b.data.value);
};

/**
 * The arrow keys move the held item to the next target that way: up and down along its own column
 * (the rows, or the index), left and right between the list and the index. A folder held goes
 * right to say "inside the folder it is over", left to say "beside it".
 */
const keyboardCoordinates: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
  const { active, collisionRect, droppableRects, droppableContainers } = context;
  const arrows = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'];
  if (!active || !collisionRect || !arrows.includes(event.code)) return undefined;
  event.preventDefault();
  if (typeOf(active) === 'folder' && (event.code === 'ArrowRight' || event.code === 'ArrowLeft')) {
    return { x: currentCoordinates.x + (event.code === 'ArrowRight' ? NEST_OFFSET : -NEST_OFFSET), y: currentCoordinates.y };
  }
  const vertical = event.code === 'ArrowUp' || event.code === 'ArrowDown';
  let best: { x: number; y: number; score: number } | null = null;
  for (const c of droppableContainers.getEnabled()) {
    const rect = droppableRects.get(c.id);
    if (!rect || c.id === active.id) continue;
    const dx = rect.left - collisionRect.left;
    const dy = rect.top - collisionRect.top;
    const ahead = event.code === 'ArrowDown' ? dy > 1 : event.code === 'ArrowUp' ? dy < -1 : event.code === 'ArrowRight' ? dx > 1 : dx < -1;
    if (!ahead) continue;
    // Along the way pressed first, then closest across it: down from a row is the next row, not a folder beside it.
    const score = vertical ? Math.abs(dy) + 4 * Math.abs(dx) : Math.abs(dx) + 4 * Math.abs(dy);
    if (!best || score < best.score) best = { x: rect.left, y: rect.top, score };
  }
  return best ? { x: best.x, y: best.y } : undefined;
};

const INSTRUCTIONS =
  'To move a document or a folder, press space or enter on its move handle, then the arrow keys. ' +
  'Drop a document on another to take its place, or on a folder to put it there. For a folder, press right to put it inside the folder it is over, left to put it beside. ' +
  'Press space or enter again to drop, escape to cancel.';

/**
 * Drag and drop for the deal team's index: documents reorder within a folder and move to another
 * (onto a row, or onto a folder in the tree); folders reorder among their siblings and move under
 * another parent. Mouse, touch and keyboard alike; each drop is one PATCH, then the lists reload.
 */
export function DocumentsDnd({ roomId, folders, onMoved, onError, children }: {
  roomId: string;
  folders: Folder[];
  onMoved: (message: string) => void;
  onError: (err: unknown) => void;
  children: ReactNode;
}) {
  const sensors = useSensors(
    // A few pixels of travel before a drag starts: a click on the handle stays a click.
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor, { coordinateGetter: keyboardCoordinates }),
  );
  const [dragging, setDragging] = useState<DragData | null>(null);
  const [hint, setHint] = useState('');
  const nest = useRef(false);
  const lastHint = useRef('');

  const describe = (active: DragData | undefined, over: DragData | undefined) => planOf(folders, active, over, nest.current).text;
  const announcements: Announcements = {
    onDragStart: ({ active }) => {
      const data = active.data.current as DragData | undefined;
      return data ? `Picked up ${data.type === 'document' ? docLabel(data.doc) : `folder ${folderLabel(data.folder)}`}.` : undefined;
    },
    onDragOver: ({ active, over }) => describe(active.data.current as DragData | undefined, over?.data.current as DragData | undefined),
    onDragMove: ({ active, over }) => {
      // Right and left change where a folder goes without changing what it is over: say so.
      const text = describe(active.data.current as DragData | undefined, over?.data.current as DragData | undefined);
      if (text === lastHint.current) return undefined;
      lastHint.current = text;
      return text;
    },
    onDragEnd: ({ active, over }) => describe(active.data.current as DragData | undefined, over?.data.current as DragData | undefined).replace(' goes ', ' dropped: goes '),
    onDragCancel: () => 'Move cancelled: nothing changed.',
  };

  function track(event: DragMoveEvent) {
    const active = event.active.data.current as DragData | undefined;
    nest.current = active?.type === 'folder' && event.delta.x >= NEST_OFFSET;
    const text = planOf(folders, active, event.over?.data.current as DragData | undefined, nest.current).text;
    setHint((h) => (h === text ? h : text));
  }

  async function drop(event: DragEndEvent) {
    const plan = planOf(folders, event.active.data.current as DragData | undefined, event.over?.data.current as DragData | undefined, nest.current);
    setDragging(null);
    setHint('');
    nest.current = false;
    lastHint.current = '';
    if (plan.kind === 'refused') return onError(new ApiError(400, 'refused', plan.text));
    if (plan.kind === 'none') return;
    try {
      if (plan.kind === 'document') {
        const moved = await api.updateDocument(plan.doc.id, plan.patch);
        onMoved(`Moved ${plan.doc.title}: now ${moved.index}.`);
      } else {
        const moved = await api.updateFolder(roomId, plan.folder.id, plan.patch);
        onMoved(`Moved folder ${plan.folder.name}: now ${moved.index}.`);
      }
    } catch (err) {
      onError(err);
    }
  }

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collisions}
      accessibility={{ announcements, screenReaderInstructions: { draggable: INSTRUCTIONS } }}
      onDragStart={(e) => {
        nest.current = false;
        setDragging((e.active.data.current as DragData | undefined) ?? null);
      }}
      onDragMove={track}
      onDragOver={track}
      onDragEnd={(e) => void drop(e)}
      onDragCancel={() => {
        setDragging(null);
        setHint('');
        nest.current = false;
      }}
    >
      {children}
      <DragOverlay dropAnimation={null}>
        {dragging && (
          <div className="drag-chip">
            <span className="drag-chip-name">{dragging.type === 'document' ? docLabel(dragging.doc) : folderLabel(dragging.folder)}</span>
            {hint && <span className="drag-chip-hint">{hint}</span>}
          </div>
        )}
      </DragOverlay>
    </DndContext>
  );
}
