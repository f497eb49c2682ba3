import { useId, useRef, useState } from 'react';
import { adminApi, messageOf, type ImportReport } from '../../api.js';
import { ImportRowsTable } from './import-rows-table.js';

interface Outcome {
  file: File;
  dryRun: boolean;
  report: ImportReport;
}

/**
 * People from a CSV or XLSX file. A dry run comes first and shows what every row would do; the
 * import itself is offered only for the file that dry run read, and only when no row was wrong
 * (the server writes nothing at all while any row is, so an import could only fail).
 */
export function PeopleImportPanel() {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<'dry-run' | 'import' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dryRunPassed = outcome !== null && outcome.dryRun && outcome.file === file && outcome.report.errors.length === 0;

  async function run(dryRun: boolean) {
    if (!file || busy) return;
    setBusy(dryRun ? 'dry-run' : 'import');
    setError(null);
    try {
      const report = await adminApi.importUsers(file, dryRun).promise;
      setOutcome({ file, dryRun, report });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="stack">
      <section className="panel section" aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`} className="section-title">Import people from a spreadsheet</h2>
        <p className="section-help">
          A CSV or XLSX file whose first row names the columns <span className="mono">email, name, organisation, kind, role</span>. Everyone new is invited by mail; an
          organisation named but not registered yet is created with the kind given. Nothing is written until you import, and nothing at all while any row is wrong.
        </p>
        <div className="import-form">
          <div className="field">
            <label htmlFor={`${id}-file`}>Spreadsheet (CSV or XLSX)</label>
            <input
              ref={input}
              id={`${id}-file`}
              type="file"
              accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setOutcome(null);
                setError(null);
              }}
            />
          </div>
          <div className="toolbar-actions">
            <button type="button" className="button button-secondary" onClick={() => void run(true)} disabled={!file} aria-disabled={busy !== null || undefined}>
              {busy === 'dry-run' ? 'Checking…' : 'Dry run'}
            </button>
            <button type="button" className="button button-primary" onClick={() => void run(false)} disabled={!dryRunPassed} aria-disabled={busy !== null || undefined} aria-describedby={`${id}-import-help`}>
              {busy === 'import' ? 'Importing…' : 'Import'}
            </button>
          </div>
          <p id={`${id}-import-help`} className="field-help">Import is possible once a dry run of this file shows no error.</p>
        </div>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
      </section>
      <div aria-live="polite">{outcome && <ImportRowsTable dryRun={outcome.dryRun} fileName={outcome.file.name} report={outcome.report} />}</div>
    </div>
  );
}
