import { useId, useState } from 'react';
import { adminApi, type OutboxMail } from '../../api.js';
import { LoadView } from '../../components/load-view.js';
import { formatTime } from '../../display-format.js';
import { useCursorList } from './use-cursor-list.js';
import { LoadMore } from './load-more.js';
import { MailReaderDialog } from './mail-reader-dialog.js';

const STATUS_BADGE: Record<OutboxMail['status'], string> = { queued: 'badge badge-warning', sent: 'badge badge-success' };

/**
 * The mail Gatehouse sends, newest first. Mail waits here through an SMTP outage and is retried;
 * without an SMTP server (the embedded default) it is written to files, and this is where it is read.
 */
export function OutboxPanel() {
  const id = useId();
  const list = useCursorList((cursor, signal) => adminApi.outbox({ cursor }, signal), []);
  const [reading, setReading] = useState<OutboxMail | null>(null);
  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`} className="section-title">Outbox</h2>
          <p className="section-help">Invitations, password resets and notices. A mail that could not be sent is tried again, waiting longer each time (at most a minute). Times are UTC.</p>
        </div>
        <button type="button" className="button button-secondary" onClick={list.reload}>Refresh</button>
      </div>
      <LoadView load={list.load} retry={list.reload} label="outbox">
        {(mails) =>
          mails.length === 0 ? (
            <p className="empty-inline">No mail yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="table outbox-table" aria-labelledby={`${id}-title`}>
                <thead>
                  <tr>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">Attempts</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Created</th>
                    <th scope="col">Sent</th>
                  </tr>
                </thead>
                <tbody>
                  {mails.map((m) => (
                    <tr key={m.id}>
                      <td>{m.to}</td>
                      <td>
                        <button type="button" className="button-link" onClick={() => setReading(m)} aria-label={`Read “${m.subject}” to ${m.to}`}>{m.subject}</button>
                      </td>
                      <td><span className={STATUS_BADGE[m.status] ?? 'badge badge-neutral'}>{m.status === 'sent' ? 'Sent' : 'Queued'}</span></td>
                      <td className="num">{m.attempts}</td>
                      <td className="doc-sub">{m.lastError ?? '—'}</td>
                      <td className="nowrap">{formatTime(m.createdAt)}</td>
                      <td className="nowrap">{formatTime(m.sentAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadView>
      <LoadMore list={list} what="mail" />
      {reading && <MailReaderDialog mail={reading} onClose={() => setReading(null)} />}
    </section>
  );
}
