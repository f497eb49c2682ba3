import { useState } from 'react';
import { Link } from 'wouter';
import { api, type DocumentItem, type Room, type RoomActions } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { ClassificationBadge, LevelBadge, PersonalDataBadge } from '../../components/badges.js';
import { formatSize } from '../../display-format.js';
import { datasetApi } from './dataset-api.js';
import { DatasetGrid, type GridSummary } from './dataset-grid.js';
import { CopyNote } from './copy-note.js';
import './datasets.css';

export type DatasetDocument = DocumentItem & { can: RoomActions; room: Room };

const FORMAT_LABEL = { csv: 'CSV', xlsx: 'Excel' } as const;
const count = new Intl.NumberFormat('en-GB');

/**
 * A dataset opened by anyone who may view it: their own copy of it in a virtualised grid (the rows
 * and columns a download would hold), what was done to it, and downloads of it as CSV or XLSX.
 */
export function DatasetViewer({ doc }: { doc: DatasetDocument }) {
  const staff = doc.can.viewAllDocuments;
  // The deal team reads the sheets' names from the description (GET …/dataset); anyone else learns
  // the sheets of their own copy from its first page (GET …/rows), and pages its first sheet meanwhile.
  const [described] = useLoad((signal) => (staff ? datasetApi.dataset(doc.id, signal) : Promise.resolve(null)), [doc.id, staff]);
  const [copySheets, setCopySheets] = useState<string[]>([]);
  const sheets = staff ? (described.state === 'ready' && described.data ? described.data.sheets.map((s) => s.name) : []) : copySheets;
  const [chosen, setChosen] = useState<string | null>(null);
  const sheet = chosen ?? sheets[0];
  // A bidder's grid asks for its default sheet until a tab is chosen: learning the names must not reload it.
  const gridSheet = staff ? sheet : (chosen ?? undefined);
  const canDownload = doc.access === 'download' || doc.access === 'original';
  const format = doc.mimeType.startsWith('text/csv') ? 'csv' : 'xlsx';

  const summary = ({ columns, total, treatments }: GridSummary) => (
    <div className="dataset-summary">
      <p className="dataset-total">
        <strong>{count.format(total)}</strong> {total === 1 ? 'row' : 'rows'} × {columns.length} {columns.length === 1 ? 'column' : 'columns'}
        {staff ? ' · the deal team’s copy' : ' in your copy'}
      </p>
      <CopyNote staff={staff} room={doc.room} columns={columns} treatments={treatments} />
    </div>
  );

  return (
    <>
      <div className="viewer-header">
        <div>
          <h1 id="viewer-title" className="page-title"><span className="folder-index">{doc.index}</span> {doc.title}</h1>
          <div className="room-header-meta">
            <span>Dataset ({FORMAT_LABEL[format]}) · {formatSize(doc.size)} · version {doc.version}</span>
            <ClassificationBadge value={doc.classification} />
            <PersonalDataBadge value={doc.personalData} />
            {!staff && <LevelBadge value={doc.access} />}
          </div>
        </div>
        <div className="toolbar-actions">
          {staff && (
            <Link href={`/rooms/${doc.roomId}/documents/${doc.id}/columns`} className="button button-secondary">
              {doc.can.manageDocuments ? 'Classify columns' : 'Columns'}
            </Link>
          )}
          {canDownload && (
            <>
              <a className="button button-primary" href={datasetApi.contentUrl(doc.id, 'csv', sheet)} download>Download CSV</a>
              <a className="button button-secondary" href={datasetApi.contentUrl(doc.id, 'xlsx')} download>Download XLSX</a>
            </>
          )}
          {doc.access === 'original' && <a className="button button-secondary" href={api.originalUrl(doc.id)} download>Download original</a>}
        </div>
      </div>
      {sheets.length > 1 && (
        <div className="tabs dataset-sheet-tabs" role="tablist" aria-label="Sheets">
          {sheets.map((name) => (
            <button key={name} type="button" role="tab" aria-selected={name === sheet} className={name === sheet ? 'tab tab-active' : 'tab'} onClick={() => setChosen(name)}>
              {name}
            </button>
          ))}
        </div>
      )}
      {/* One grid per sheet: its pages, cache and requests start afresh. The deal team's grid waits for the sheets' names. */}
      {staff && described.state === 'loading' ? (
        <div className="panel panel-message" role="status"><span className="spinner" aria-hidden="true" /> Loading the dataset…</div>
      ) : (
      <DatasetGrid
        key={gridSheet ?? ''}
        documentId={doc.id}
        sheet={gridSheet}
        label={`${doc.title}${sheet && sheets.length > 1 ? `, sheet ${sheet}` : ''}`}
        summary={summary}
        onSheets={staff ? undefined : setCopySheets}
      />
      )}
    </>
  );
}
