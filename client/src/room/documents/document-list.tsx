import type { DocumentItem, Folder } from '../../api.js';
import type { Load } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import type { RoomContext } from '../room-context.js';
import { DocumentTable } from './document-table.js';

interface DocumentListProps {
  ctx: RoomContext;
  docs: Load<DocumentItem[]>;
  reload: () => void;
  /** The search being shown, if any; else the folder (null: the whole room). */
  query: string;
  folder: Folder | null;
  isManager: boolean;
  /** Files are being dragged over the list (managers only). */
  dragActive: boolean;
  onNewVersion: (doc: DocumentItem) => void;
}

/** The heading and the documents of the folder or search, or what to do when there are none. */
export function DocumentList({ ctx, docs, reload, query, folder, isManager, dragActive, onNewVersion }: DocumentListProps) {
  return (
    <>
      <div className="documents-heading">
        <h2 className="section-title">
          {query ? `Search results for “${query}”` : folder ? `${folder.index} ${folder.name}` : 'All documents'}
        </h2>
        {docs.state === 'ready' && <span className="page-meta">{docs.data.length} {docs.data.length === 1 ? 'document' : 'documents'}</span>}
      </div>
      {dragActive && <div className="dropzone-overlay" aria-hidden="true">Drop files or folders to upload them{folder ? ` into ${folder.index} ${folder.name}` : ''}</div>}
      <LoadView load={docs} retry={reload} label="documents">
        {(list) =>
          list.length === 0 ? (
            <div className="empty-state">
              <p className="empty-state-title">{query ? 'No documents match your search' : 'No documents here yet'}</p>
              <p className="empty-state-text">
                {isManager ? 'Drag files or whole folders here, or use “Upload files”.' : query ? 'Try other words, or browse the index.' : 'Documents you may see will appear here.'}
              </p>
            </div>
          ) : (
            <DocumentTable docs={list} ctx={ctx} onNewVersion={onNewVersion} />
          )
        }
      </LoadView>
    </>
  );
}
