import { Fragment, useState, type CSSProperties, type ReactNode, type Ref } from 'react';
import { Link } from 'wouter';
import { useDndContext } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { api, type DocumentItem } from '../../api.js';
import { ClassificationBadge, DeliveryNotesBadge, DocumentStatusBadge, LevelBadge, PersonalDataBadge } from '../../components/badges.js';
import { formatDate, formatSize, formatType } from '../../display-format.js';
import { entityName, type RoomContext } from '../room-context.js';
import type { DragData } from './documents-dnd.js';
import { DocumentDetails } from './document-details.js';

/** What a manager of an open room does with the list: pick documents to publish. */
export interface Selection {
  selected: ReadonlySet<string>;
  toggle: (ids: string[], on: boolean) => void;
}

interface DocumentTableProps {
  docs: DocumentItem[];
  ctx: RoomContext;
  onNewVersion: (d: DocumentItem) => void;
  selection?: Selection;
  /** Rows can be dragged (inside a DocumentsDnd). */
  arrange?: boolean;
  /** A document was changed (renamed, withdrawn, deleted…): reload, and say what happened. */
  onChanged?: (message: string) => void;
}

/** Drafts and withdrawn documents can be published (a withdrawn one is put back); published ones are out already. */
export const publishable = (d: DocumentItem) => d.status === 'draft' || d.status === 'withdrawn';

/**
 * The documents of a folder or a search: the deal team sees each one's stage and entity, a bidder
 * their own level (and never a stage: all they ever get is published).
 */
export function DocumentTable({ docs, ctx, onNewVersion, selection, arrange, onChanged }: DocumentTableProps) {
  const staff = ctx.can.viewAllDocuments;
  const [open, setOpen] = useState<string | null>(null);
  const { active } = useDndContext();
  const pickable = docs.filter(publishable);
  const allPicked = selection !== undefined && pickable.length > 0 && pickable.every((d) => selection.selected.has(d.id));
  // The deal team's rows carry more (stage, selection, handle): type, size and version share one column.
  const columns = (staff ? 7 : 8) + (selection || arrange ? 1 : 0);
  const rows = docs.map((d) => {
    const props: RowProps = { doc: d, ctx, onNewVersion, selection, detailsOpen: open === d.id, onToggleDetails: staff ? () => setOpen((o) => (o === d.id ? null : d.id)) : undefined };
    return (
      <Fragment key={d.id}>
        {arrange ? <SortableRow {...props} /> : <Row {...props} lead={selection ? <td className="col-pick">{pickBox(d, selection)}</td> : undefined} />}
        {/* The details stay shut while something is dragged: a row of them would not move with its document. */}
        {staff && open === d.id && !active && (
          <tr className="document-details-row">
            <td colSpan={columns} id={`details-${d.id}`}>
              <DocumentDetails
                doc={d}
                ctx={ctx}
                onNewVersion={() => onNewVersion(d)}
                onChanged={(message, gone) => {
                  if (gone) setOpen(null);
                  onChanged?.(message);
                }}
              />
            </td>
          </tr>
        )}
      </Fragment>
    );
  });
  return (
    <div className="table-wrap">
      <table className={staff ? 'table documents-table documents-table-staff' : 'table documents-table'}>
        <thead>
          <tr>
            {(selection || arrange) && (
              <th scope="col" className="col-pick">
                {selection && pickable.length > 0 ? (
                  <input type="checkbox" checked={allPicked} onChange={(e) => selection.toggle(pickable.map((d) => d.id), e.target.checked)} aria-label="Select every draft and withdrawn document shown" />
                ) : (
                  <span className="visually-hidden">Select and move</span>
                )}
              </th>
            )}
            <th scope="col" className="col-index">Index</th>
            <th scope="col">Title</th>
            {staff && <th scope="col">Status</th>}
            {staff ? (
              <th scope="col">File</th>
            ) : (
              <>
                <th scope="col">Type</th>
                <th scope="col" className="num">Size</th>
                <th scope="col" className="num">Version</th>
              </>
            )}
            <th scope="col">Classification</th>
            {staff ? <th scope="col">Entity</th> : <th scope="col">Your access</th>}
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>{arrange ? <SortableContext items={docs.map((d) => `doc:${d.id}`)} strategy={verticalListSortingStrategy}>{rows}</SortableContext> : rows}</tbody>
      </table>
    </div>
  );
}

function pickBox(d: DocumentItem, selection: Selection) {
  // An empty slot keeps the handles of every row in one column.
  if (!publishable(d)) return <span className="pick-slot" aria-hidden="true" />;
  return (
    <input
      type="checkbox"
      checked={selection.selected.has(d.id)}
      onChange={(e) => selection.toggle([d.id], e.target.checked)}
      aria-label={`Select ${d.title} for publication`}
    />
  );
}

interface RowProps {
  doc: DocumentItem;
  ctx: RoomContext;
  onNewVersion: (d: DocumentItem) => void;
  selection?: Selection;
  detailsOpen: boolean;
  onToggleDetails?: () => void;
}

/** A row a manager can drag by its handle: onto another row to take its place, or onto a folder of the index. */
function SortableRow(props: RowProps) {
  const { doc, selection } = props;
  const { active } = useDndContext();
  const data: DragData = { type: 'document', doc };
  // A folder is never dropped on a document: while one is held, rows are no targets.
  const folderHeld = (active?.data.current as DragData | undefined)?.type === 'folder';
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: `doc:${doc.id}`, data, disabled: { draggable: false, droppable: folderHeld } });
  return (
    <Row
      {...props}
      rowRef={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      dragging={isDragging}
      lead={
        <td className="col-pick">
          {selection && pickBox(doc, selection)}
          {/* Named "Move <title> (<index>)": links and cells keep their names. */}
          <button type="button" ref={setActivatorNodeRef} className="drag-handle" {...attributes} {...listeners} aria-label={`Move ${doc.title} (${doc.index})`}>
            <span aria-hidden="true">⠿</span>
          </button>
        </td>
      }
    />
  );
}

function Row({ doc: d, ctx, detailsOpen, onToggleDetails, lead, rowRef, style, dragging }: RowProps & { lead?: ReactNode; rowRef?: Ref<HTMLTableRowElement>; style?: CSSProperties; dragging?: boolean }) {
  // The deal team sees every document: its entity matters to them, not a level of their own.
  const staff = ctx.can.viewAllDocuments;
  const canDownload = d.access === 'download' || d.access === 'original';
  return (
    <tr ref={rowRef} style={style} className={[dragging ? 'is-dragging' : '', d.status === 'withdrawn' && staff ? 'document-withdrawn' : ''].filter(Boolean).join(' ') || undefined}>
      {lead}
      <td className="col-index mono">{d.index}</td>
      <td>
        <div className="doc-title">
          <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="doc-link">{d.title}</Link>
          <PersonalDataBadge value={d.personalData} />
          {staff && <DeliveryNotesBadge notes={d.deliveryNotes} />}
        </div>
        <div className="doc-sub">Added {formatDate(d.createdAt)}</div>
      </td>
      {staff && <td>{d.status && <DocumentStatusBadge value={d.status} reason={d.withdrawnReason} />}</td>}
      {staff ? (
        <td className="nowrap">
          {formatType(d.mimeType)} · {formatSize(d.size)}
          <div className="doc-sub">version {d.version}</div>
        </td>
      ) : (
        <>
          <td>{formatType(d.mimeType)}</td>
          <td className="num">{formatSize(d.size)}</td>
          <td className="num">v{d.version}</td>
        </>
      )}
      <td><ClassificationBadge value={d.classification} /></td>
      {staff ? <td>{entityName(ctx, d.entityId)}</td> : <td><LevelBadge value={d.access} /></td>}
      <td className="row-actions">
        <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="button button-secondary button-small" aria-label={`View ${d.title}`}>View</Link>
        {canDownload && !staff && (
          <a href={api.contentUrl(d.id, 'attachment')} className="button button-secondary button-small" download aria-label={`Download ${d.title}`}>
            Download
          </a>
        )}
        {staff && d.kind === 'dataset' && (
          <Link href={`/rooms/${ctx.room.id}/documents/${d.id}/columns`} className="button button-secondary button-small" aria-label={`Columns of ${d.title}`}>Columns</Link>
        )}
        {onToggleDetails && (
          <button type="button" className="button button-ghost button-small" onClick={onToggleDetails} aria-expanded={detailsOpen} aria-controls={detailsOpen ? `details-${d.id}` : undefined} aria-label={`Details of ${d.title}`}>
            Details <span aria-hidden="true">{detailsOpen ? '▴' : '▾'}</span>
          </button>
        )}
      </td>
    </tr>
  );
}
