import { useEffect, useState } from 'react';
import { api, messageOf, request, type Party } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatSize, formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';

/** An archive as GET /api/rooms/:roomId/archives answers it. */
interface Archive {
  id: string;
  partyId: string | null;
  status: 'building' | 'ready' | 'failed';
  size: number | null;
  sha256: string | null;
  documents: number | null;
  progress: { done: number; total: number | null };
  keyId: string | null;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}

const enc = encodeURIComponent;
const archivesPath = (roomId: string) => `/api/rooms/${enc(roomId)}/archives`;
/** While an archive builds, its progress is read again this often. */
const POLL_MS = 2_000;

/**
 * Deal-end archives, for the room's managers and counsel: start one of the whole room or of what one
 * party was shown, follow its progress, download it. The archive checks itself offline (verify.mjs).
 */
export function ArchivesTab({ ctx }: { ctx: RoomContext }) {
  const roomId = ctx.room.id;
  const [load, reload] = useLoad(async (signal) => {
    const [archives, parties] = await Promise.all([
      request<{ items: Archive[] }>('GET', archivesPath(roomId), { signal }),
      api.parties(roomId).then((p) => p.items).catch(() => [] as Party[]),
    ]);
    return { archives: archives.items, parties };
  }, [roomId]);
  const [partyId, setPartyId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const building = load.state === 'ready' && load.data.archives.some((a) => a.status === 'building');
  useEffect(() => {
    if (!building) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [building, load, reload]);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await request('POST', archivesPath(roomId), { body: partyId ? { partyId } : {} });
      reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <LoadView load={load} retry={reload} label="archives">
      {({ archives, parties }) => {
        const partyName = (id: string | null) => (id === null ? 'Whole room' : (parties.find((p) => p.id === id)?.name ?? 'A party'));
        return (
          <section className="panel section" aria-labelledby="archives-title">
            <div className="section-head">
              <div>
                <h2 id="archives-title" className="section-title">Archives</h2>
                <p className="section-help">
                  A ZIP of the room — or of exactly what one party could view, as it was last delivered to it — with the NDAs, the Q&amp;A and the room's
                  ledger. Unzip it and run <code>node verify.mjs</code>: it checks every file and the ledger offline, and prints the key id to compare with
                  the one shown here.
                </p>
              </div>
            </div>
            <div className="form-row">
              <label htmlFor="archive-scope">Archive of</label>
              <select id="archive-scope" value={partyId} onChange={(e) => setPartyId(e.target.value)} disabled={busy}>
                <option value="">The whole room</option>
                {parties.map((p) => (
                  <option key={p.id} value={p.id}>What {p.name} could view</option>
                ))}
              </select>
              <button type="button" className="button" onClick={() => void start()} disabled={busy}>
                {busy ? 'Starting…' : 'Archive'}
              </button>
            </div>
            {error && <p className="form-error" role="alert">{error}</p>}
            {archives.length === 0 ? (
              <p className="empty-inline">No archive of this room yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Scope</th>
                      <th scope="col">Requested</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">Documents</th>
                      <th scope="col" className="num">Size</th>
                      <th scope="col">SHA-256 / key id</th>
                      <th scope="col"><span className="visually-hidden">Download</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    {archives.map((a) => (
                      <tr key={a.id}>
                        <td><strong>{partyName(a.partyId)}</strong></td>
                        <td className="nowrap">{formatTime(a.createdAt)}</td>
                        <td>
                          {a.status === 'building' ? (
                            <span>
                              Building{' '}
                              <progress className="upload-bar" max={a.progress.total ?? 1} value={a.progress.total ? a.progress.done : 0} aria-label="Archive progress" />{' '}
                              {a.progress.total ? `${a.progress.done} of ${a.progress.total} files` : 'planning…'}
                            </span>
                          ) : a.status === 'ready' ? (
                            'Ready'
                          ) : (
                            <span title={a.failureReason ?? undefined}>Failed{a.failureReason ? `: ${a.failureReason}` : ''}</span>
                          )}
                        </td>
                        <td className="num">{a.documents ?? ''}</td>
                        <td className="num">{a.size === null ? '' : formatSize(a.size)}</td>
                        <td><code title={a.sha256 ?? undefined}>{a.sha256 ? `${a.sha256.slice(0, 16)}…` : ''}</code>{a.keyId && <> · key <code>{a.keyId}</code></>}</td>
                        <td>
                          {a.status === 'ready' && (
                            <a className="button button-secondary" href={`${archivesPath(roomId)}/${enc(a.id)}/content`} download>Download</a>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      }}
    </LoadView>
  );
}
