import { useId, useState } from 'react';
import { api, ApiError, messageOf, type AccessExplanation, type DocumentItem, type Party, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView, NotAvailable } from '../components/load-view.js';
import { LevelBadge } from '../components/badges.js';
import type { RoomContext } from './room-context.js';

interface Row {
  doc: DocumentItem;
  access: AccessExplanation | null;
  error?: string;
}

/** How many documents "view as" explains at once: one access check per document. */
const VIEW_AS_LIMIT = 100;

async function explain(roomId: string, userId: string): Promise<Row[]> {
  const docs = (await api.documents(roomId, {})).items.slice(0, VIEW_AS_LIMIT);
  return Promise.all(
    docs.map((doc) =>
      api.access(roomId, userId, doc.id).then(
        (access) => ({ doc, access }),
        (err: unknown) => ({ doc, access: null, error: err instanceof ApiError ? err.message : 'The check failed.' }),
      ),
    ),
  );
}

/** "View as": what one member of a party reaches, and why, from the server's own access rule. */
export function ViewAs({ ctx, parties, available }: { ctx: RoomContext; parties: Party[]; available: boolean }) {
  const id = useId();
  const [users] = useLoad(() => api.users().then((p) => p.items), []);
  const [userId, setUserId] = useState('');
  if (!available) return <NotAvailable what="“View as” (the access explanation)" />;
  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`} className="section-title">View as a bidder</h2>
          <p className="section-help">Pick a member of a party to see which documents they reach, at which level, and which rule decides.</p>
        </div>
      </div>
      <LoadView load={users} label="people">
        {(list: User[]) => (
          <div className="field field-inline">
            <label htmlFor={`${id}-user`}>Member</label>
            <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">Choose a party member…</option>
              {parties.map((p) => (
                <optgroup key={p.id} label={p.name}>
                  {(p.members ?? []).map((m) => {
                    const u = list.find((x) => x.id === m.userId);
                    return <option key={m.userId} value={m.userId}>{u ? `${u.name} (${u.email})` : m.userId}</option>;
                  })}
                </optgroup>
              ))}
            </select>
          </div>
        )}
      </LoadView>
      {userId && <ViewAsTable roomId={ctx.room.id} userId={userId} />}
    </section>
  );
}

function ViewAsTable({ roomId, userId }: { roomId: string; userId: string }) {
  const [rows, reload] = useLoad(() => explain(roomId, userId), [roomId, userId]);
  return (
    <LoadView load={rows} retry={reload} label="access checks">
      {(list) =>
        list.length === 0 ? (
          <p className="empty-inline">The room has no documents yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Index</th>
                  <th scope="col">Document</th>
                  <th scope="col">Level</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {list.map((r) => (
                  <tr key={r.doc.id}>
                    <td className="mono">{r.doc.index}</td>
                    <td>{r.doc.title}</td>
                    <td>{r.access ? <LevelBadge value={r.access.level} /> : '—'}</td>
                    <td>
                      {r.error ? (
                        <span className="text-error">{messageOf(new ApiError(0, 'x', r.error))}</span>
                      ) : (
                        <ul className="reasons">
                          {r.access!.reasons.map((reason, i) => (
                            <li key={i} className={reason.ok ? 'reason-ok' : 'reason-fail'}>
                              <span aria-hidden="true">{reason.ok ? '✓' : '✗'}</span>
                              <span className="visually-hidden">{reason.ok ? 'met: ' : 'not met: '}</span> {reason.rule}
                              {reason.detail ? ` — ${reason.detail}` : ''}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </LoadView>
  );
}
