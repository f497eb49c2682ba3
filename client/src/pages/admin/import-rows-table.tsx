import { useId } from 'react';
import type { ImportReport, ImportRow } from '../../api.js';

const ACTION: Record<ImportRow['action'], { label: string; tone: string }> = {
  create: { label: 'Invite, and create the organisation', tone: 'info' },
  invite: { label: 'Invite', tone: 'success' },
  unchanged: { label: 'Already there', tone: 'muted' },
  error: { label: 'Error', tone: 'danger' },
};

/** What an import will do (dry run) or did, row by row, with each wrong row's field and reason. */
export function ImportRowsTable({ dryRun, fileName, report }: { dryRun: boolean; fileName: string; report: ImportReport }) {
  const id = useId();
  const errorsOf = (row: number) => report.errors.filter((e) => e.row === row);
  const rowNumbers = new Set(report.rows.map((r) => r.row));
  // A wrong header or an unreadable file concerns no one row of the table.
  const fileErrors = report.errors.filter((e) => !rowNumbers.has(e.row));
  const count = (...actions: Array<ImportRow['action']>) => report.rows.filter((r) => actions.includes(r.action)).length;
  const newOrgs = new Set(report.rows.filter((r) => r.action === 'create').map((r) => r.organisation.trim().toLowerCase())).size;
  const failed = report.errors.length > 0;

  const summary = [
    `${count('create', 'invite')} ${dryRun ? 'to invite' : 'invited'}`,
    newOrgs > 0 ? `${newOrgs} new organisation${newOrgs === 1 ? '' : 's'}` : null,
    `${count('unchanged')} already there`,
    failed ? `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}` : null,
  ].filter(Boolean);

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">{dryRun ? `Dry run of ${fileName}` : `Imported ${fileName}`}</h2>
      {failed ? (
        <p role="alert" className="alert alert-error">
          {report.errors.length === 1 ? 'One row is wrong' : `${report.errors.length} errors`}: nothing {dryRun ? 'can be' : 'was'} imported. Correct the file and run the dry run again.
        </p>
      ) : (
        <p className={dryRun ? 'alert alert-warning' : 'alert alert-success'} role="status">
          {dryRun ? 'Nothing has been written yet. ' : ''}{summary.join(' · ')}.
        </p>
      )}
      {failed && <p className="section-help">{summary.join(' · ')}</p>}
      {fileErrors.length > 0 && (
        <ul className="import-file-errors">
          {fileErrors.map((e, i) => <li key={i}>{e.row > 0 ? `Row ${e.row}, ` : ''}{e.field}: {e.message}</li>)}
        </ul>
      )}
      {report.rows.length > 0 && (
        <div className="table-wrap import-table-wrap">
          <table className="table" aria-labelledby={`${id}-title`}>
            <thead>
              <tr>
                <th scope="col" className="num">Row</th>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Organisation</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col">{dryRun ? 'What happens' : 'What happened'}</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={r.row} className={r.action === 'error' ? 'import-row-error' : undefined}>
                  <td className="num mono">{r.row}</td>
                  <td>{r.email}</td>
                  <td>{r.name}</td>
                  <td>{r.organisation}</td>
                  <td>{r.kind}</td>
                  <td>{r.role}</td>
                  <td>
                    <span className={`badge badge-${ACTION[r.action].tone}`}>{ACTION[r.action].label}</span>
                    {errorsOf(r.row).map((e, i) => (
                      <span key={i} className="text-error admin-cell-line">{e.field}: {e.message}</span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
