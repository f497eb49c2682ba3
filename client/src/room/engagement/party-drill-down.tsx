import { useId } from 'react';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatTime } from '../../display-format.js';
import { engagementApi, type EngagementItem } from './engagement-api.js';
import { formatDuration } from './engagement-format.js';
import type { Selection } from './heat-map.js';

/**
 * One party looked at closely: each document it may see (or looked at), whether and how its people
 * read it, and each of its people. From a heat map cell, the documents are those of that folder.
 */
export function PartyDrillDown({
  roomId,
  selection,
  partyLabel,
  folderLabel,
  period,
  onAllFolders,
  onClose,
}: {
  roomId: string;
  selection: Selection;
  partyLabel: string;
  folderLabel: string | null;
  period: { from?: string; to?: string };
  onAllFolders: () => void;
  onClose: () => void;
}) {
  const id = useId();
  const { partyId, folderId } = selection;
  const documentsQuery = { by: 'document' as const, partyId, ...period };
  const usersQuery = { by: 'user' as const, partyId, ...period };
  const [load, reload] = useLoad(
    async (signal) => {
      const [documents, users] = await Promise.all([engagementApi.figures(roomId, documentsQuery, signal), engagementApi.figures(roomId, usersQuery, signal)]);
      return { documents: documents.items, users: users.items };
    },
    [roomId, partyId, period.from, period.to],
  );
  const title = folderLabel ? `${partyLabel} in ${folderLabel}` : partyLabel;
  return (
    <section className="panel section engagement-drill-down" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h3 id={`${id}-title`} className="section-title">{title}</h3>
          <p className="section-help">What its people looked at, document by document and person by person.</p>
        </div>
        <div className="toolbar-actions">
          {folderId && <button type="button" className="button button-secondary" onClick={onAllFolders}>All folders</button>}
          <button type="button" className="button button-secondary" onClick={onClose}>Close</button>
        </div>
      </div>
      <LoadView load={load} retry={reload} label={`figures of ${partyLabel}`}>
        {({ documents, users }) => {
          const shown = folderId ? documents.filter((d) => d.folderId === folderId) : documents;
          return (
            <div className="stack">
              <div>
                <div className="section-head engagement-subhead">
                  <h4 className="engagement-subtitle">Documents</h4>
                  <a className="button button-secondary button-small" href={engagementApi.csvUrl(roomId, documentsQuery)} download>Export CSV</a>
                </div>
                {shown.length === 0 ? (
                  <p className="empty-inline">{folderId ? 'The party may see no document of this folder, and looked at none.' : 'The party may see no document yet, and looked at none.'}</p>
                ) : (
                  <FiguresTable caption={`Documents: ${title}`} first="Document" items={shown} seen={(d) => (d.visible ? 'May see' : 'Not any more')} />
                )}
              </div>
              <div>
                <div className="section-head engagement-subhead">
                  <h4 className="engagement-subtitle">People</h4>
                  <a className="button button-secondary button-small" href={engagementApi.csvUrl(roomId, usersQuery)} download>Export CSV</a>
                </div>
                {users.length === 0 ? (
                  <p className="empty-inline">The party has no members.</p>
                ) : (
                  <FiguresTable caption={`People: ${partyLabel}`} first="Person" items={users} seen={(u) => `${u.documents} of ${u.visible}`} seenLabel="Looked at" />
                )}
              </div>
            </div>
          );
        }}
      </LoadView>
    </section>
  );
}

function FiguresTable({ caption, first, items, seen, seenLabel = 'Access' }: { caption: string; first: string; items: EngagementItem[]; seen: (i: EngagementItem) => string; seenLabel?: string }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{first}</th>
            <th scope="col">{seenLabel}</th>
            <th scope="col" className="num">Views</th>
            <th scope="col" className="num">Downloads</th>
            <th scope="col" className="num">Pages read</th>
            <th scope="col" className="num">Time reading</th>
            <th scope="col">Last activity</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.key} className={i.views + i.downloads === 0 ? 'engagement-untouched' : undefined}>
              <th scope="row">{i.label}</th>
              <td>{seen(i)}</td>
              <td className="num">{i.views}</td>
              <td className="num">{i.downloads}</td>
              <td className="num">{i.pagesViewed}</td>
              <td className="num">{formatDuration(i.seconds)}</td>
              <td className="nowrap">{formatTime(i.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
