import { useState } from 'react';
import { api, ApiError, type PartyExposure, type PublishPreview, type PublishSelection } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { Modal } from '../../components/modal.js';
import { ErrorNotice } from '../../components/error-notice.js';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "Bidder A 3 (1 with personal data, 2 highly confidential)": one party's share, as the confirmation says it. */
function partyLine(p: PartyExposure) {
  const extra = [p.personalData ? `${p.personalData} with personal data` : '', p.highlyConfidential ? `${p.highlyConfidential} highly confidential` : ''].filter(Boolean);
  return `${p.name} ${p.documents}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/**
 * The publication preview: per party, how many of the selected documents it could view once they
 * are published, how many with personal data, how many highly confidential — the access rule on
 * each member, as the server computes it. A party that would gain personal data stands out. The
 * confirmation repeats the counts; publishing is one request, then the list reloads.
 */
export function PublishDialog({ roomId, selection, label, onClose, onPublished }: {
  roomId: string;
  selection: PublishSelection;
  label: string;
  onClose: () => void;
  onPublished: (message: string) => void;
}) {
  const key = JSON.stringify(selection);
  const [preview, reload] = useLoad((signal) => api.publishPreview(roomId, selection, signal), [roomId, key]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function publish(p: PublishPreview) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { published } = await api.publish(roomId, selection);
      // A folder's drafts may have grown since the preview (an upload meanwhile): say so rather than hide it.
      const more = published > p.documents ? ` (${published - p.documents} more than previewed: uploaded since)` : published < p.documents ? ` (${p.documents - published} were already published by someone else)` : '';
      onPublished(`Published ${plural(published, 'document', 'documents')}${more}.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
      setBusy(false);
    }
  }

  return (
    <Modal title={`Publish ${label}`} onClose={onClose} wide>
      <LoadView load={preview} retry={reload} label="publication preview">
        {(p) => {
          const gainers = p.parties.filter((x) => x.documents > 0);
          const personal = p.parties.filter((x) => x.personalData > 0);
          return (
            <div className="form publish-preview">
              <ErrorNotice error={error} />
              {p.documents === 0 ? (
                <p className="empty-inline">Nothing to publish: there are no drafts in this selection.</p>
              ) : (
                <>
                  <p>
                    {plural(p.documents, 'document', 'documents')} would be published. What each party could view of {p.documents === 1 ? 'it' : 'them'} once published, under its grants and NDAs as they stand now:
                  </p>
                  {personal.length > 0 && (
                    <p className="alert alert-warning" role="note">
                      Personal data would go to {personal.map((x) => `${x.name} (${plural(x.personalData, 'document', 'documents')})`).join(', ')}.
                    </p>
                  )}
                  {p.parties.length === 0 ? (
                    <p className="empty-inline">The room has no parties yet: no one outside the deal team would see anything.</p>
                  ) : (
                    <div className="table-wrap">
                      <table className="table exposure-table">
                        <caption className="visually-hidden">What each party would gain</caption>
                        <thead>
                          <tr>
                            <th scope="col">Party</th>
                            <th scope="col" className="num">Documents it would gain</th>
                            <th scope="col" className="num">With personal data</th>
                            <th scope="col" className="num">Highly confidential</th>
                          </tr>
                        </thead>
                        <tbody>
                          {p.parties.map((x) => (
                            <tr key={x.partyId} className={x.personalData > 0 ? 'exposure-personal' : x.documents === 0 ? 'exposure-none' : undefined}>
                              <th scope="row">
                                {x.name}
                                {x.personalData > 0 && <span className="badge badge-pd exposure-flag">Gains personal data</span>}
                              </th>
                              <td className="num">{x.documents}</td>
                              <td className="num">{x.personalData}</td>
                              <td className="num">{x.highlyConfidential}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  )}
                  <p className="publish-confirm">
                    Publishing makes {plural(p.documents, 'document', 'documents')} visible outside the deal team:{' '}
                    {gainers.length ? gainers.map(partyLine).join('; ') : 'no party could view any of them yet'}. Parties without access gain nothing now, but would as soon as a grant or an NDA reaches them.
                  </p>
                </>
              )}
              <div className="form-actions">
                <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
                {p.documents > 0 && (
                  <button type="button" className="button button-primary" onClick={() => void publish(p)} aria-disabled={busy || undefined}>
                    {busy ? 'Publishing…' : `Publish ${plural(p.documents, 'document', 'documents')}`}
                  </button>
                )}
              </div>
            </div>
          );
        }}
      </LoadView>
    </Modal>
  );
}
