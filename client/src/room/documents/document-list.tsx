import type { DocumentItem, DocumentStatus, Folder } from '../../api.js';
import { api } from '../../api.js';
import type { Load } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import type { RoomContext } from '../room-context.js';
import { DocumentTable, type Selection } from './document-table.js';

interface DocumentListProps {
  ctx: RoomContext;
  docs: Load<DocumentItem[]>;
  reload: () => void;
  /** The search being shown, if any; else the folder (null: the whole room). */
  query: string;
  folder: Folder | null;
  /** The deal team's stage filter ('' : every stage). */
  status: DocumentStatus | '';
  isManager: boolean;
  /** Files are being dragged over the list (managers only). */
  dragActive: boolean;
  onNewVersion: (doc: DocumentItem) => void;
  selection?: Selection;
  arrange?: boolean;
  onChanged?: (message: string) => void;
  /** The server builds ZIPs of a folder: offered to whoever may download something here. */
  zipDownloads: boolean;
}

const STATUS_WORD: Record<DocumentStatus, string> = { draft: 'drafts', published: 'published documents', withdrawn: 'withdrawn documents' };

/** The heading and the documents of the folder or search, or what to do when there are none. */
export function DocumentList({ ctx, docs, reload, query, folder, status, isManager, dragActive, onNewVersion, selection, arrange, onChanged, zipDownloads }: DocumentListProps) {
  const downloadable = docs.state === 'ready' && docs.data.some((d) => d.access === 'download' || d.access === 'original');
  return (
    <>
      <div className="documents-heading">
        <h2 className="section-title">
          {query ? `Search results for “${query}”` : folder ? `${folder.index} ${folder.name}` : 'All documents'}
          {status && <span className="documents-heading-filter"> · {STATUS_WORD[status]}</span>}
        </h2>
        <div className="documents-heading-meta">
          {docs.state === 'ready' && <span className="page-meta">{docs.data.length} {docs.data.length === 1 ? 'document' : 'documents'}</span>}
          {zipDownloads && !query && downloadable && (
            // Every document of the subtree the reader may download, each stamped for them: the server decides what goes in.
            <a className="button button-secondary button-small" href={api.folderZipUrl(ctx.room.id, folder?.id ?? null)} download>
              {folder ? 'Download folder' : 'Download all'}
            </a>
          )}
        </div>
      </div>
      {dragActive && <div className="dropzone-overlay" aria-hidden="true">Drop files or folders to upload them{folder ? ` into ${folder.index} ${folder.name}` : ''}</div>}
      <LoadView load={docs} retry={reload} label="documents">
        {(list) =>
          list.length === 0 ? (
            <div className="empty-state">
              <p className="empty-state-title">{query ? 'No documents match your search' : status ? `No ${STATUS_WORD[status]} here` : 'No documents here yet'}</p>
              <p className="empty-state-text">
                {isManager ? 'Drag files or whole folders here, or use “Upload files”.' : query ? 'Try other words, or browse the index.' : 'Documents you may see will appear here.'}
              </p>
            </div>
          ) : (
            <DocumentTable docs={list} ctx={ctx} onNewVersion={onNewVersion} selection={selection} arrange={arrange} onChanged={onChanged} />
          )
        }
      </LoadView>
    </>
  );
}
