import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, type GrantsChange, type GrantsImport } from '../api.js';
import { Modal } from '../components/modal.js';
import { ErrorNotice } from '../components/error-notice.js';

const KIND: Record<string, string> = { created: 'new', deleted: 'removed', changed: 'changed' };

/** One changed cell as a line: "E7 · Bidder A on 1.2 Payroll (changed): view/standard/none → download/confidential/none". */
export function describeChange(change: GrantsChange | string): string {
  if (typeof change === 'string') return change;
  const where = change.folderId === null ? 'the whole room' : [change.folderIndex, change.folderName].filter(Boolean).join(' ') || 'a folder';
  const head = [change.cell, `${change.partyName ?? 'A party'} on ${where}`].filter(Boolean).join(' · ');
  const kind = change.kind ? ` (${KIND[change.kind] ?? change.kind})` : '';
  return `${head}${kind}: ${change.before ?? 'no grant'} → ${change.after ?? 'no grant'}`;
}

/**
 * The permission matrix back from a spreadsheet: first checked (dryRun) — every change, and per
 * party what it would gain or lose, personal data standing out — then applied as a whole, or not
 * at all when any cell is wrong (the server names the cell).
 */
export function GrantsImportDialog({ roomId, onClose, onApplied }: { roomId: string; onClose: () => void; onApplied: (message: string) => void }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [checked, setChecked] = useState<{ file: File; result: GrantsImport } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function check(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!file) return setError(new ApiError(400, 'invalid_request', 'Choose the permission spreadsheet (XLSX) to check.'));
    setBusy(true);
    setError(null);
    setChecked(null);
    try {
      setChecked({ file, result: await api.importGrants(roomId, file, true).promise });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function apply() {
    if (busy || !checked) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.importGrants(roomId, checked.file, false).promise;
      const n = result.changes.length;
      onApplied(`Applied ${checked.file.name}: ${n} ${n === 1 ? 'change' : 'changes'} to the permissions.`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
      setBusy(false);
    }
  }

  const result = checked?.result;
  return (
    <Modal title="Import permissions" onClose={onClose} wide>
      <form className="form" onSubmit={check} noValidate aria-busy={busy || undefined}>
        <ErrorNotice error={error} />
        <p className="field-help">Edit the spreadsheet from “Export permissions”: one row per folder, one column per party, cells like download/confidential/pseudonymised. Nothing changes until you apply the checked file.</p>
        <div className="field">
          <label htmlFor={`${id}-file`}>Permission spreadsheet (XLSX)</label>
          <input id={`${id}-file`} type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setChecked(null); setError(null); }} />
        </div>
        {!result && (
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
            <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Checking…' : 'Check the file'}</button>
          </div>
        )}
      </form>
      {result && (
        <div className="form grants-import-result">
          {result.changes.length === 0 ? (
            <p className="empty-inline">The file matches the permissions as they are: nothing would change.</p>
          ) : (
            <>
              <h3 className="section-title">{result.changes.length} {result.changes.length === 1 ? 'change' : 'changes'}</h3>
              <ul className="grants-import-changes">
                {result.changes.slice(0, 200).map((c, i) => <li key={i}>{describeChange(c)}</li>)}
                {result.changes.length > 200 && <li>and {result.changes.length - 200} more</li>}
              </ul>
            </>
          )}
          {result.exposure.length > 0 && (
            <div className="table-wrap">
              <table className="table exposure-table">
                <caption className="visually-hidden">What each party would gain or lose</caption>
                <thead>
                  <tr>
                    <th scope="col">Party</th>
                    <th scope="col" className="num">Documents gained</th>
                    <th scope="col" className="num">Documents lost</th>
                    <th scope="col" className="num">Gained with personal data</th>
                    <th scope="col" className="num">Gained highly confidential</th>
                  </tr>
                </thead>
                <tbody>
                  {result.exposure.map((x) => (
                    <tr key={x.partyId} className={x.gainedPersonalData > 0 ? 'exposure-personal' : x.gained === 0 && x.lost === 0 ? 'exposure-none' : undefined}>
                      <th scope="row">
                        {x.name}
                        {x.gainedPersonalData > 0 && <span className="badge badge-pd exposure-flag">Gains personal data</span>}
                      </th>
                      <td className="num">{x.gained}</td>
                      <td className="num">{x.lost}</td>
                      <td className="num">{x.gainedPersonalData}</td>
                      <td className="num">{x.gainedHighlyConfidential ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div className="form-actions">
            <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
            {result.changes.length > 0 && (
              <button type="button" className="button button-primary" onClick={() => void apply()} aria-disabled={busy || undefined}>
                {busy ? 'Applying…' : `Apply ${result.changes.length} ${result.changes.length === 1 ? 'change' : 'changes'}`}
              </button>
            )}
          </div>
        </div>
      )}
    </Modal>
  );
}
