import type { DocumentItem, DocumentVersion, StaffMember } from '../../api.js';
import { api } from '../../api.js';
import type { Load } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatDate, formatSize, formatTime, formatType } from '../../display-format.js';

/** Who a user id is, among the room's deal team (the only people who upload, publish or withdraw). */
export const personName = (staff: StaffMember[] | null, userId: string | null | undefined) =>
  !userId ? 'someone' : (staff?.find((s) => s.userId === userId)?.name ?? 'someone not on the room’s team list');

/**
 * Every stored version of a document, newest first: what was stored (size, digest), by whom and
 * when, and which parties received it — the deal team's answer to "which version did they see?".
 * Any version's stored file can be downloaded (recorded as a delivery, like any original).
 */
export function VersionPanel({ doc, versions, reload, people, onNewVersion }: {
  doc: DocumentItem;
  versions: Load<DocumentVersion[]>;
  reload: () => void;
  people: StaffMember[] | null;
  /** Managers of an open room upload a new version from here. */
  onNewVersion?: () => void;
}) {
  return (
    <section className="version-panel" aria-label={`Versions of ${doc.title}`}>
      <div className="version-panel-head">
        <h3 className="version-panel-title">Versions</h3>
        {onNewVersion && (
          <button type="button" className="button button-secondary button-small" onClick={onNewVersion} aria-label={`Upload a new version of ${doc.title}`}>
            New version
          </button>
        )}
      </div>
      <LoadView load={versions} retry={reload} label="versions">
        {(list) => (
          <div className="table-wrap">
            <table className="table version-table">
              <thead>
                <tr>
                  <th scope="col" className="num">Version</th>
                  <th scope="col">File</th>
                  <th scope="col" className="num">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Received by</th>
                  <th scope="col"><span className="visually-hidden">Download</span></th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v.versionId}>
                    <td className="num">v{v.version}{v.versionId === doc.versionId && <span className="version-current"> (current)</span>}</td>
                    <td>{v.fileName ?? formatType(v.mimeType)}</td>
                    <td className="num">{formatSize(v.size)}</td>
                    <td className="mono" title={v.sha256}>
                      {v.sha256.slice(0, 12)}…<span className="visually-hidden"> (full digest: {v.sha256})</span>
                    </td>
                    <td>
                      {v.createdByName ?? personName(people, v.createdBy)}
                      <div className="doc-sub">{formatTime(v.createdAt)}</div>
                    </td>
                    <td>
                      {v.receivedBy.length === 0 ? (
                        <span className="muted">No one outside the deal team</span>
                      ) : (
                        <ul className="received-list">
                          {v.receivedBy.map((r, i) => (
                            <li key={`${r.partyId ?? r.orgId}-${i}`}>
                              <strong>{r.partyName ?? 'No longer in a party'}</strong>: {r.deliveries} {r.deliveries === 1 ? 'delivery' : 'deliveries'}
                              , {r.first === r.last ? formatDate(r.first) : `${formatDate(r.first)} – ${formatDate(r.last)}`}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="row-actions">
                      <a className="button button-secondary button-small" href={api.versionOriginalUrl(doc.id, v.versionId)} download aria-label={`Download version ${v.version} of ${doc.title}`}>
                        Download
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadView>
    </section>
  );
}
