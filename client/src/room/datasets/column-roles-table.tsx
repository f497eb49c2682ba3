import { useId } from 'react';
import type { ColumnRef, ColumnRole, DatasetSheet } from './dataset-api.js';
import { COLUMN_ROLES } from './dataset-api.js';
import { sameColumn } from './classification-draft.js';

export const ROLE_LABEL: Record<ColumnRole, string> = { none: 'Not personal', direct: 'Direct identifier', quasi: 'Quasi-identifier' };
const TYPE_LABEL: Record<string, string> = { empty: 'Empty', integer: 'Whole number', decimal: 'Number', date: 'Date', boolean: 'Yes/no', text: 'Text' };

/** The label a column's role select goes by (and the form's alert names it by). */
export const roleLabel = (ref: ColumnRef, multiSheet: boolean) => `Role of ${ref.name}${multiSheet ? ` (${ref.sheet})` : ''}`;

interface ColumnRolesTableProps {
  sheet: DatasetSheet;
  multiSheet: boolean;
  roleOf: (ref: ColumnRef) => ColumnRole;
  onRole: (ref: ColumnRef, role: ColumnRole) => void;
  subjectColumn: ColumnRef | null;
  entityColumn: ColumnRef | null;
  /** The server's reason a column was refused, if it was. */
  errorOf: (ref: ColumnRef) => string | undefined;
  readOnly: boolean;
}

/** One sheet's columns: the type read at upload, and the role the deal team gives each. */
export function ColumnRolesTable({ sheet, multiSheet, roleOf, onRole, subjectColumn, entityColumn, errorOf, readOnly }: ColumnRolesTableProps) {
  const id = useId();
  return (
    <div className="table-wrap">
      <table className="table dataset-columns-table">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Role</th>
          </tr>
        </thead>
        <tbody>
          {sheet.columns.map((c, i) => {
            const ref = { sheet: sheet.name, name: c.name };
            const role = roleOf(ref);
            const error = errorOf(ref);
            const control = `${id}-${i}`;
            return (
              <tr key={i} className={role === 'none' ? undefined : `dataset-role-${role}`}>
                <th scope="row" className="dataset-column-name">
                  <span>{c.name}</span>
                  {sameColumn(ref, subjectColumn) && <span className="badge badge-info">Subject</span>}
                  {sameColumn(ref, entityColumn) && <span className="badge badge-neutral">Entity</span>}
                </th>
                <td className="nowrap">{TYPE_LABEL[c.type] ?? c.type}</td>
                <td>
                  <label htmlFor={control} className="visually-hidden">{roleLabel(ref, multiSheet)}</label>
                  <select
                    id={control}
                    className="dataset-role-select"
                    value={role}
                    disabled={readOnly}
                    onChange={(e) => onRole(ref, e.target.value as ColumnRole)}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${control}-error` : undefined}
                  >
                    {COLUMN_ROLES.map((r) => <option key={r} value={r}>{ROLE_LABEL[r]}</option>)}
                  </select>
                  {error && <p className="field-error" id={`${control}-error`}>{error}</p>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
