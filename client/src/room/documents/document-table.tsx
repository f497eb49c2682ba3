import { Link } from 'wouter';
import { api, type DocumentItem } from '../../api.js';
import { ClassificationBadge, DeliveryNotesBadge, LevelBadge, PersonalDataBadge } from '../../components/badges.js';
import { formatDate, formatSize, formatType } from '../../display-format.js';
import { entityName, type RoomContext } from '../room-context.js';

/** The documents of a folder or a search: the deal team sees each one's entity, a bidder their own level. */
export function DocumentTable({ docs, ctx, onNewVersion }: { docs: DocumentItem[]; ctx: RoomContext; onNewVersion: (d: DocumentItem) => void }) {
  // The deal team sees every document: its entity matters to them, not a level of their own.
  const staff = ctx.can.viewAllDocuments;
  const isManager = ctx.can.manageDocuments && ctx.room.status === 'open';
  return (
    <div className="table-wrap">
      <table className="table documents-table">
        <thead>
          <tr>
            <th scope="col" className="col-index">Index</th>
            <th scope="col">Title</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Classification</th>
            {staff ? <th scope="col">Entity</th> : <th scope="col">Your access</th>}
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {docs.map((d) => {
            const canDownload = d.access === 'download' || d.access === 'original';
            return (
              <tr key={d.id}>
                <td className="col-index mono">{d.index}</td>
                <td>
                  <div className="doc-title">
                    <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="doc-link">{d.title}</Link>
                    <PersonalDataBadge value={d.personalData} />
                    {staff && <DeliveryNotesBadge notes={d.deliveryNotes} />}
                  </div>
                  <div className="doc-sub">Added {formatDate(d.createdAt)}</div>
                </td>
                <td>{formatType(d.mimeType)}</td>
                <td className="num">{formatSize(d.size)}</td>
                <td className="num">v{d.version}</td>
                <td><ClassificationBadge value={d.classification} /></td>
                {staff ? <td>{entityName(ctx, d.entityId)}</td> : <td><LevelBadge value={d.access} /></td>}
                <td className="row-actions">
                  <Link href={`/rooms/${ctx.room.id}/documents/${d.id}`} className="button button-secondary button-small" aria-label={`View ${d.title}`}>View</Link>
                  {canDownload && (
                    <a href={api.contentUrl(d.id, 'attachment')} className="button button-secondary button-small" download aria-label={`Download ${d.title}`}>
                      Download
                    </a>
                  )}
                  {staff && d.kind === 'dataset' && (
                    <Link href={`/rooms/${ctx.room.id}/documents/${d.id}/columns`} className="button button-secondary button-small" aria-label={`Columns of ${d.title}`}>Columns</Link>
                  )}
                  {isManager && (
                    <button type="button" className="button button-ghost button-small" onClick={() => onNewVersion(d)} aria-label={`Upload a new version of ${d.title}`}>
                      New version
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
