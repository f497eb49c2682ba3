import { useId } from 'react';
import type { Entity } from '../../api.js';
import type { RowSample } from './use-row-sample.js';
import { SAMPLE_STEP } from './use-row-sample.js';

/** More distinct values than this in the rows read, and the column is hardly one of legal entities: the rest are summed up. */
const SHOWN_VALUES = 200;
const count = new Intl.NumberFormat('en-GB');

/** The label of a value's entity select (and what the form's alert calls it). */
export const entityValueLabel = (value: string) => `Entity for “${value === '' ? '(empty)' : value}”`;

export interface EntityValue {
  value: string;
  /** Rows of the sample holding it; null for a value mapped before but not met in the rows read. */
  rows: number | null;
}

interface EntityMapEditorProps {
  column: string;
  values: EntityValue[];
  sample: RowSample;
  entityMap: Record<string, string>;
  onMap: (value: string, entityId: string | null) => void;
  targets: Entity[];
  /** Rows of the sample whose value maps to no entity. */
  unmapped: number;
  errorOf: (value: string) => string | undefined;
  readOnly: boolean;
}

/**
 * Each value of the entity column, with the rows holding it and the target entity they belong to.
 * The values come from the rows read so far (a large sheet is sampled: use-row-sample.ts), so the
 * list says when it may be partial; values mapped before stay listed even if not met again.
 */
export function EntityMapEditor({ column, values, sample, entityMap, onMap, targets, unmapped, errorOf, readOnly }: EntityMapEditorProps) {
  const id = useId();
  const read = sample.rows.length;
  const shown = values.slice(0, SHOWN_VALUES);
  return (
    <div className="dataset-entity-map">
      <p className="field-help" role="status" aria-live="polite">
        {sample.error
          ? null
          : sample.complete
            ? `Every value of ${column} in all ${count.format(read)} rows.`
            : sample.total === null
              ? 'Reading the rows…'
              : `Values found so far in the first ${count.format(read)} of ${count.format(sample.total)} rows — the list may be partial.`}
      </p>
      {sample.error && (
        <p className="alert alert-error" role="alert">The rows could not be read: {sample.error.message}</p>
      )}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table className="table dataset-values-table">
            <thead>
              <tr>
                <th scope="col">Value of {column}</th>
                <th scope="col" className="num">Rows</th>
                <th scope="col">Entity</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((v, i) => {
                const control = `${id}-${i}`;
                const error = errorOf(v.value);
                return (
                  <tr key={v.value}>
                    <th scope="row" className="dataset-value">{v.value === '' ? <em>(empty)</em> : v.value}</th>
                    <td className="num">{v.rows === null ? <span className="page-meta">not in the rows read</span> : count.format(v.rows)}</td>
                    <td>
                      <label htmlFor={control} className="visually-hidden">{entityValueLabel(v.value)}</label>
                      <select
                        id={control}
                        value={entityMap[v.value] ?? ''}
                        disabled={readOnly}
                        onChange={(e) => onMap(v.value, e.target.value || null)}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${control}-error` : undefined}
                      >
                        <option value="">Not mapped — deal team only</option>
                        {targets.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
                      </select>
                      {error && <p className="field-error" id={`${control}-error`}>{error}</p>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {values.length > SHOWN_VALUES && (
        <p className="alert alert-warning">
          {column} holds {count.format(values.length)} different values in the rows read; the first {SHOWN_VALUES} are listed. Is it the column that names each row’s legal entity?
        </p>
      )}
      {read > 0 && (
        <p className={unmapped > 0 ? 'alert alert-warning' : 'alert alert-success'} role="status">
          {unmapped > 0
            ? `${count.format(unmapped)} ${unmapped === 1 ? 'row' : 'rows'}${sample.complete ? '' : ` of the ${count.format(read)} read`} ${unmapped === 1 ? 'has' : 'have'} a value mapped to no entity: these rows go to no one outside the deal team.`
            : `Every row${sample.complete ? '' : ` of the ${count.format(read)} read`} is mapped to an entity.`}
        </p>
      )}
      {!sample.complete && !sample.loading && !sample.error && sample.total !== null && (
        <button type="button" className="button button-secondary button-small" onClick={sample.readMore}>
          Read {count.format(Math.min(SAMPLE_STEP, sample.total - read))} more rows
        </button>
      )}
    </div>
  );
}
