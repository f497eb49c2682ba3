import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type DeletionCertificate, type PurgeState } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { Modal } from '../../components/modal.js';
import { formatSize, formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';

/**
 * An administrator's end of a room's life: how long its files are kept once it is closed, and the
 * purge itself, which cannot be undone. The purge asks for the room's name typed out, so that no
 * one purges a room by a stray click or the wrong tab; the server's own guard is that the room is closed.
 */
export function RetentionAndPurge({ ctx }: { ctx: RoomContext }) {
  const roomId = ctx.room.id;
  const [state, reload] = useLoad((signal) => api.purgeState(roomId, signal), [roomId]);
  return (
    <LoadView load={state} retry={reload} label="retention and purge">
      {(s) => (
        <>
          {s.status !== 'purged' && s.status !== 'purging' && <RetentionSetting ctx={ctx} state={s} onSaved={reload} />}
          <PurgeSection ctx={ctx} state={s} onPurged={() => { reload(); ctx.reloadRoom(); }} />
        </>
      )}
    </LoadView>
  );
}

function RetentionSetting({ ctx, state, onSaved }: { ctx: RoomContext; state: PurgeState; onSaved: () => void }) {
  const id = useId();
  const [days, setDays] = useState(state.retainDays === null ? '' : String(state.retainDays));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const retainDays = days.trim() === '' ? null : Number(days);
    if (retainDays !== null && (!Number.isInteger(retainDays) || retainDays < 1 || retainDays > 36_500)) {
      setError('Enter a whole number of days from 1 to 36,500, or leave it empty to keep the files until an administrator purges them.');
      return;
    }
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await api.updateRoom(ctx.room.id, { retainDays });
      setStatus(retainDays === null ? 'Saved. The files are kept until an administrator purges them.' : `Saved. The files are purged ${retainDays} days after the room closes; administrators are mailed a week before.`);
      onSaved();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">Retention</h2>
      <p className="section-help">
        How long the room's files stay once the deal is over. When the room has been closed this many days, every stored file of it — documents, renditions, NDAs,
        archives — is deleted and a signed deletion certificate is kept. The room's record and its ledger stay.
        {state.dueAt && <> The purge is due on <strong>{formatTime(state.dueAt)}</strong>.</>}
      </p>
      <form className="form section-form" onSubmit={save} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-days`}>Days kept after closing</label>
          <p className="field-help" id={`${id}-days-help`}>Empty: kept until an administrator purges them.</p>
          <input id={`${id}-days`} type="number" min={1} max={36_500} step={1} inputMode="numeric" value={days} onChange={(e) => { setDays(e.target.value); setStatus(null); }} aria-describedby={`${id}-days-help`} />
        </div>
        <div className="form-actions form-actions-start">
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : 'Save'}</button>
          <p role="status" className="form-status">{status}</p>
        </div>
      </form>
    </section>
  );
}

function PurgeSection({ ctx, state, onPurged }: { ctx: RoomContext; state: PurgeState; onPurged: () => void }) {
  const id = useId();
  const [confirming, setConfirming] = useState(false);
  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">Purge the room's files</h2>
      {state.certificate ? (
        <CertificateSummary certificate={state.certificate} publicKey={state.publicKey} />
      ) : ctx.room.status !== 'closed' ? (
        <p className="section-help">A room's files can be purged once the room is closed.</p>
      ) : (
        <>
          <p className="section-help">
            Deletes every stored file of this room for good: documents and their versions, renditions, NDAs, dataset copies and archives. Take an archive first if
            anyone may need them. The room's record, its ledger and return-or-destroy certificates stay.
            {state.status === 'purging' && ' A purge was started and did not finish: purging again completes it.'}
          </p>
          <div className="form-actions form-actions-start">
            <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>Purge files…</button>
          </div>
        </>
      )}
      {confirming && <PurgeDialog roomId={ctx.room.id} roomName={ctx.room.name} onClose={() => setConfirming(false)} onPurged={() => { setConfirming(false); onPurged(); }} />}
    </section>
  );
}

function PurgeDialog({ roomId, roomName, onClose, onPurged }: { roomId: string; roomName: string; onClose: () => void; onPurged: () => void }) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matches = typed === roomName;

  async function purge(e: FormEvent) {
    e.preventDefault();
    if (busy || !matches) return;
    setBusy(true);
    setError(null);
    try {
      await api.purgeRoom(roomId);
      onPurged();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Modal title="Purge this room's files" onClose={onClose}>
      <form className="form" onSubmit={purge} noValidate aria-busy={busy || undefined}>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <p>This cannot be undone. Type the room's name, <strong>{roomName}</strong>, to confirm.</p>
        <div className="field">
          <label htmlFor={`${id}-name`}>Room name</label>
          <input id={`${id}-name`} type="text" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />
        </div>
        <div className="form-actions">
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-danger" disabled={!matches || busy}>{busy ? 'Purging…' : 'Purge files for good'}</button>
        </div>
      </form>
    </Modal>
  );
}

function CertificateSummary({ certificate, publicKey }: { certificate: DeletionCertificate; publicKey: string }) {
  // The certificate is offered exactly as the server sent it, with the key beside it: its signature
  // covers the fields, not this layout.
  const href = useMemo(() => URL.createObjectURL(new Blob([JSON.stringify({ certificate, publicKey }, null, 2)], { type: 'application/json' })), [certificate, publicKey]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <div className="stack">
      <p className="section-help">
        Purged on <strong>{formatTime(certificate.purgedAt)}</strong>
        {certificate.purgedBy ? <> by {certificate.purgedBy.name}</> : <> by the retention schedule</>}: {certificate.counts.deleted} files deleted
        ({formatSize(certificate.counts.bytes)}) of {certificate.counts.documents} documents, {certificate.counts.versions} versions and {certificate.counts.ndas} NDAs.
        Staff now get “gone” for the room's content; its record and ledger remain.
      </p>
      <p className="section-help">
        The deletion certificate lists each file's SHA-256 and is signed with the ledger key <code>{certificate.keyId}</code>.
      </p>
      <div className="form-actions form-actions-start">
        <a className="button" href={href} download={`deletion-certificate-${certificate.roomId}.json`}>Download the certificate</a>
      </div>
    </div>
  );
}
