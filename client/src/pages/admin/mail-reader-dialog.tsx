import { adminApi, type OutboxMail } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { LoadView } from '../../components/load-view.js';
import { useLoad } from '../../hooks/use-load.js';
import { formatTime } from '../../display-format.js';
import { LinkedText } from './linked-text.js';

/** One mail as its recipient reads it: the plain-text body, its links clickable. */
export function MailReaderDialog({ mail, onClose }: { mail: OutboxMail; onClose: () => void }) {
  const [load, reload] = useLoad((signal) => adminApi.mail(mail.id, signal), [mail.id]);
  return (
    <Modal title={mail.subject} onClose={onClose} wide>
      <div className="stack">
        <dl className="facts">
          <dt>To</dt>
          <dd>{mail.to}</dd>
          <dt>Created</dt>
          <dd>{formatTime(mail.createdAt)}</dd>
          <dt>Sent</dt>
          <dd>{mail.sentAt ? formatTime(mail.sentAt) : `not yet (${mail.attempts} attempt${mail.attempts === 1 ? '' : 's'})`}</dd>
          {mail.lastError && (
            <>
              <dt>Last error</dt>
              <dd>{mail.lastError}</dd>
            </>
          )}
        </dl>
        <LoadView load={load} retry={reload} label="mail">
          {(full) =>
            full.text ? (
              <pre className="mail-text" aria-label="Mail text"><LinkedText text={full.text} /></pre>
            ) : (
              <p className="empty-inline">The text of this mail is not kept any more.</p>
            )
          }
        </LoadView>
      </div>
    </Modal>
  );
}
