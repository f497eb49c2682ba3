import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError, type Classification, type DocumentItem, type PersonalData, type StaffMember, type TextStatus } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { personName, VersionPanel } from './version-panel.js';
import './lifecycle.css';
import { SensitivityFields } from './sensitivity-fields.js';

/**
 * One document for the deal team: its record (published, withdrawn and why), its versions and who
 * received each, and for managers of an open room, renaming, reclassifying, withdrawing and deleting.
 * `onChanged(message, gone)`: something changed (gone: the document no longer exists).
 */
export function DocumentDetails({ doc, ctx, onChanged, onNewVersion }: { doc: DocumentItem; ctx: RoomContext; onChanged: (message: string, gone?: boolean) => void; onNewVersion: () => void }) {
  const isManager = ctx.can.manageDocuments && ctx.room.status === 'open';
  // Names for the user ids of the record; without them the record still reads, with fewer names.
  const [staff] = useLoad(() => api.staff(ctx.room.id).then((p) => p.items, () => [] as StaffMember[]), [ctx.room.id]);
  const [versions, reloadVersions] = useLoad((signal) => api.versions(doc.id, signal).then((p) => p.items), [doc.id, doc.versionId]);
  const people = staff.state === 'ready' ? staff.data : null;
  // Delete is for what never left the deal team: no version went to any party (the server checks again: 409 delivered).
  const neverLeft = versions.state === 'ready' && versions.data.every((v) => v.receivedBy.length === 0);

  return (
    <div className="document-details" aria-label={`Details of ${doc.title}`} role="region">
      <p className="document-record">
        {doc.status === 'draft' && 'Draft: only the deal team sees it until it is published.'}
        {doc.status === 'published' && (doc.publishedAt ? `Published ${formatTime(doc.publishedAt)} by ${personName(people, doc.publishedBy)}.` : 'Published.')}
        {doc.status === 'withdrawn' && (
          <>
            Withdrawn {doc.withdrawnAt ? `${formatTime(doc.withdrawnAt)} by ${personName(people, doc.withdrawnBy)}` : ''}
            {doc.withdrawnReason ? `: “${doc.withdrawnReason}”` : '.'} No one outside the deal team sees it; what they received stays on the record.
          </>
        )}
      </p>
      <TextStatusLine doc={doc} />
      {isManager && <EditDocument doc={doc} onSaved={(m) => onChanged(m)} />}
      {isManager && <LifecycleActions doc={doc} offerDelete={neverLeft} onDone={onChanged} />}
      <VersionPanel doc={doc} versions={versions} reload={reloadVersions} people={people} onNewVersion={isManager ? onNewVersion : undefined} />
    </div>
  );
}

/** How often a document being indexed is asked about again: extraction takes seconds, OCR longer. */
const TEXT_STATUS_POLL_MS = 4000;

/**
 * Whether the room's search finds the document's words, for the deal team to act on (a clearer
 * scan, a new version). While it is being indexed, the status is asked for again until it settles.
 */
function TextStatusLine({ doc }: { doc: DocumentItem }) {
  const [latest, setLatest] = useState<{ versionId: string; status: TextStatus; reason?: string } | null>(null);
  const current = latest?.versionId === doc.versionId ? latest : { versionId: doc.versionId, status: doc.textStatus, reason: doc.textReason };
  const pending = current.status === 'pending';
  useEffect(() => {
    if (!pending) return;
    const controller = new AbortController();
    const timer = setInterval(() => {
      api.document(doc.id, controller.signal).then(
        (d) => d.textStatus && setLatest({ versionId: d.versionId, status: d.textStatus, reason: d.textReason }),
        () => undefined, // a missed poll is asked again at the next tick
      );
    }, TEXT_STATUS_POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [pending, doc.id]);
  // A server before full-text search says nothing about it.
  if (!current.status) return null;
  const { label, tone } = TEXT_STATUS[current.status];
  return (
    <p className="document-text-status">
      <span className="document-text-status-label">Full-text search:</span> <span className={`badge badge-${tone}`}>{label}</span>
      {current.status === 'failed' && <span>Text could not be read: {current.reason ?? 'no reason was given.'}</span>}
      {current.status === 'indexed' && current.reason && <span>{current.reason}</span>}
      {current.status === 'none' && <span>No words to find in it: a picture without text, or a file whose text is not read.</span>}
    </p>
  );
}

const TEXT_STATUS: Record<TextStatus, { label: string; tone: string }> = {
  indexed: { label: 'Searchable', tone: 'success' },
  pending: { label: 'Being indexed', tone: 'info' },
  none: { label: 'No text', tone: 'muted' },
  failed: { label: 'Not searchable', tone: 'danger' },
};

/** Rename and reclassify in place: a change of classification or personal data changes who may see it from the next request on. */
function EditDocument({ doc, onSaved }: { doc: DocumentItem; onSaved: (message: string) => void }) {
  const id = useId();
  const [title, setTitle] = useState(doc.title);
  const [classification, setClassification] = useState<Classification>(doc.classification);
  const [personalData, setPersonalData] = useState<PersonalData>(doc.personalData);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const changes = {
    ...(title.trim() !== doc.title ? { title: title.trim() } : {}),
    ...(classification !== doc.classification ? { classification } : {}),
    ...(personalData !== doc.personalData ? { personalData } : {}),
  };
  const changed = Object.keys(changes).length > 0;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy || !changed) return;
    if (!title.trim()) return setError(new ApiError(400, 'invalid_request', 'Give the document a title.'));
    setBusy(true);
    setError(null);
    try {
      await api.updateDocument(doc.id, changes);
      onSaved(`Saved ${title.trim()}.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="document-edit" onSubmit={save} noValidate aria-label={`Rename or reclassify ${doc.title}`}>
      <ErrorNotice error={error} />
      <div className="field">
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} />
      </div>
      <SensitivityFields id={id} classification={classification} personalData={personalData} onClassification={setClassification} onPersonalData={setPersonalData} />
      <div className="document-edit-actions">
        <button type="submit" className="button button-secondary" aria-disabled={busy || !changed || undefined}>{busy ? 'Saving…' : 'Save changes'}</button>
      </div>
    </form>
  );
}

/** Withdraw (asks why) a published document; delete one that never left the deal team. */
function LifecycleActions({ doc, offerDelete, onDone }: { doc: DocumentItem; offerDelete: boolean; onDone: (message: string, gone?: boolean) => void }) {
  const id = useId();
  const [step, setStep] = useState<'idle' | 'withdraw' | 'delete'>('idle');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function act(run: () => Promise<unknown>, message: string, gone?: boolean) {
    setBusy(true);
    setError(null);
    try {
      await run();
      setStep('idle');
      onDone(message, gone);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
    } finally {
      setBusy(false);
    }
  }

  function withdraw(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!reason.trim()) return setError(new ApiError(400, 'invalid_request', 'Say why the document is withdrawn: the reason is kept on the record.'));
    void act(() => api.withdrawDocument(doc.id, reason.trim()), `Withdrew ${doc.title}.`);
  }

  const canWithdraw = doc.status === 'published';
  if (!canWithdraw && !offerDelete) return null;
  return (
    <div className="document-lifecycle">
      <ErrorNotice error={error} />
      {step === 'idle' && (
        <div className="document-lifecycle-actions">
          {canWithdraw && (
            <button type="button" className="button button-danger-outline button-small" onClick={() => { setStep('withdraw'); setError(null); }}>
              Withdraw<span className="visually-hidden"> {doc.title}</span>
            </button>
          )}
          {offerDelete && (
            <button type="button" className="button button-danger-outline button-small" onClick={() => { setStep('delete'); setError(null); }}>
              Delete<span className="visually-hidden"> {doc.title}</span>
            </button>
          )}
        </div>
      )}
      {step === 'withdraw' && (
        <form className="document-withdraw" onSubmit={withdraw} noValidate>
          <div className="field">
            <label htmlFor={`${id}-reason`}>Why is {doc.title} withdrawn?</label>
            <p className="field-help" id={`${id}-help`}>Kept on the record. Parties lose it from their next request; links already handed out stop working; what they received stays on the record.</p>
            <textarea id={`${id}-reason`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} aria-describedby={`${id}-help`} autoFocus />
          </div>
          <div className="form-actions form-actions-start">
            <button type="submit" className="button button-danger" aria-disabled={busy || undefined}>{busy ? 'Withdrawing…' : 'Withdraw document'}</button>
            <button type="button" className="button button-secondary" onClick={() => setStep('idle')}>Cancel</button>
          </div>
        </form>
      )}
      {step === 'delete' && (
        <div className="document-delete" role="group" aria-label={`Delete ${doc.title}`}>
          <p>Delete {doc.title} and every version of it? It never left the deal team, so nothing of it stays on the record but the ledger's note of its deletion.</p>
          <div className="form-actions form-actions-start">
            <button type="button" className="button button-danger" aria-disabled={busy || undefined} onClick={() => !busy && void act(() => api.deleteDocument(doc.id), `Deleted ${doc.title}.`, true)}>
              {busy ? 'Deleting…' : 'Delete document'}
            </button>
            <button type="button" className="button button-secondary" onClick={() => setStep('idle')}>Keep it</button>
          </div>
        </div>
      )}
    </div>
  );
}
