import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { certificationsApi, REASON_LABEL, STATEMENT_MAX, type Certification } from './certifications-api.js';

/**
 * Return-or-destroy. The deal team sees who is outstanding and who certified, with each party's
 * certificate; a party's member sees their party's request and certifies it with a statement.
 */
export function CertificationsTab({ ctx }: { ctx: RoomContext }) {
  const dealTeam = ctx.can.readAudit;
  const [load, reload] = useLoad(async (signal) => {
    const { items } = await certificationsApi.list(ctx.room.id, signal);
    // The deal team names parties; a member is never sent another party's name, nor needs its own.
    const parties = dealTeam ? (await api.parties(ctx.room.id).catch(() => ({ items: [] }))).items : [];
    return { items, partyNames: new Map(parties.map((p) => [p.id, p.name])) };
  }, [ctx.room.id, dealTeam]);
  return (
    <LoadView load={load} retry={reload} label="certifications">
      {({ items, partyNames }) => (dealTeam ? <DealTeamCertifications ctx={ctx} items={items} partyNames={partyNames} /> : <PartyCertifications ctx={ctx} items={items} reload={reload} />)}
    </LoadView>
  );
}

function CertificateLinks({ ctx, c }: { ctx: RoomContext; c: Certification }) {
  return (
    <span className="certificate-links">
      <a href={certificationsApi.certificateUrl(ctx.room.id, c.id, 'pdf')} download>Certificate (PDF)</a>{' · '}
      <a href={certificationsApi.certificateUrl(ctx.room.id, c.id, 'json')} target="_blank" rel="noreferrer">signed JSON</a>
    </span>
  );
}

function DealTeamCertifications({ ctx, items, partyNames }: { ctx: RoomContext; items: Certification[]; partyNames: Map<string, string> }) {
  const outstanding = items.filter((c) => c.status === 'requested').length;
  return (
    <section className="panel section" aria-labelledby="certifications-title">
      <h2 id="certifications-title" className="section-title">Return-or-destroy certifications</h2>
      <p className="section-help">
        A party whose access ends (its last NDA terminated or expired, or the room closed) is asked to certify that every copy its people took was returned or destroyed; its members are reminded weekly until one does.
        {items.length > 0 && ` ${outstanding} of ${items.length} outstanding.`}
      </p>
      {items.length === 0 ? (
        <p className="empty-inline">No party has been asked yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Party</th><th>Why</th><th>Requested</th><th>Copies taken</th><th>Status</th><th>Certificate</th></tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{partyNames.get(c.partyId) ?? c.partyId}</td>
                <td>{REASON_LABEL[c.reason]}</td>
                <td>{formatTime(c.requestedAt)}</td>
                <td>{c.downloads}</td>
                <td>{c.status === 'certified' ? `Certified ${formatTime(c.certifiedAt)}` : `Outstanding${c.reminders ? ` (${c.reminders} reminder${c.reminders === 1 ? '' : 's'})` : ''}`}</td>
                <td><CertificateLinks ctx={ctx} c={c} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A member's view: their party's requests only, the open one with a statement to certify. */
export function PartyCertifications({ ctx, items, reload }: { ctx: RoomContext; items: Certification[]; reload: () => void }) {
  if (items.length === 0) return <p className="empty-inline">Nothing to certify for your party.</p>;
  return (
    <div className="stack">
      {items.map((c) => (c.status === 'requested' ? <CertifyForm key={c.id} ctx={ctx} c={c} onDone={reload} /> : (
        <section key={c.id} className="panel section">
          <h2 className="section-title">Return or destruction certified</h2>
          <p>Certified {formatTime(c.certifiedAt)}: “{c.statement}”</p>
          <CertificateLinks ctx={ctx} c={c} />
        </section>
      )))}
    </div>
  );
}

function CertifyForm({ ctx, c, onDone }: { ctx: RoomContext; c: Certification; onDone: () => void }) {
  const [statement, setStatement] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await certificationsApi.certify(ctx.room.id, c.id, statement.trim());
      onDone();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="panel section" aria-labelledby={`certify-${c.id}`}>
      <h2 id={`certify-${c.id}`} className="section-title">Certify return or destruction</h2>
      <p className="section-help">
        Your party's access to {ctx.room.codeName ?? ctx.room.name} ended ({REASON_LABEL[c.reason].toLowerCase()}, {formatTime(c.requestedAt)}). Your party's people took {c.downloads} {c.downloads === 1 ? 'copy' : 'copies'}; the certificate lists each of them. <CertificateLinks ctx={ctx} c={c} />
      </p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <label className="field">
          <span className="field-label">Statement</span>
          <textarea value={statement} onChange={(e) => setStatement(e.target.value)} maxLength={STATEMENT_MAX} rows={5} required placeholder="We confirm that every copy of the documents received, including back-ups, has been returned or destroyed." />
          <span className="field-help">{statement.length} / {STATEMENT_MAX}</span>
        </label>
        {error && <p className="alert alert-error" role="alert">{error}</p>}
        <div><button type="submit" className="button button-primary" disabled={busy || statement.trim().length === 0}>Certify for my party</button></div>
      </form>
    </section>
  );
}

/**
 * For a member the room gives no content any more (closed, or their NDA ended): their party's
 * certification, shown on the room's page in place of its tabs. Nothing shows when none is asked.
 */
export function PartyCertificationNotice({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad((signal) => certificationsApi.list(ctx.room.id, signal).catch(() => ({ items: [] as Certification[] })), [ctx.room.id]);
  if (load.state !== 'ready' || load.data.items.length === 0) return null;
  return (
    <div className="tab-panel">
      <PartyCertifications ctx={ctx} items={load.data.items} reload={reload} />
    </div>
  );
}
