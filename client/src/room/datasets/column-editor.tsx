import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { ApiError, type DocumentItem, type Entity, type Room } from '../../api.js';
import { alertOf, fieldErrorsOf, type FieldErrors } from '../../field-errors.js';
import type { ColumnRef, ColumnRole, Dataset } from './dataset-api.js';
import { datasetApi } from './dataset-api.js';
import { columnKey, draftDiffers, draftOf, entityMapField, requestOf, roleOf, sameColumn, type ClassificationDraft } from './classification-draft.js';
import { ColumnRolesTable, roleLabel } from './column-roles-table.js';
import { EntityMapEditor, entityValueLabel, type EntityValue } from './entity-map-editor.js';
import { PartyPreview } from './party-preview.js';
import { useRowSample, valueCounts } from './use-row-sample.js';
import './datasets.css';

interface Failure {
  message: string;
  fields: FieldErrors;
  /** Which column each `columns.<i>` of the refused request was. */
  columnAt: ColumnRef[];
}

const SUBJECT_MUST_BE_DIRECT = 'the subject column names a person: give it the role direct';
const count = new Intl.NumberFormat('en-GB');

/** A `<select>` value for a column: its sheet and name. */
const refValue = (ref: ColumnRef | null) => (ref ? JSON.stringify([ref.sheet, ref.name]) : '');
const refOf = (value: string): ColumnRef | null => {
  if (!value) return null;
  const [sheet, name] = JSON.parse(value) as [string, string];
  return { sheet, name };
};

interface ColumnEditorProps {
  doc: DocumentItem;
  room: Room;
  dataset: Dataset;
  entities: Map<string, Entity>;
  canEdit: boolean;
}

/**
 * The deal team's classification of a dataset: each column's role, the subject column, the entity
 * column and which target entity each of its values stands for — with, beside it, what each party
 * would receive under it. Managers save it; counsel read it.
 */
export function ColumnEditor({ doc, room, dataset: loaded, entities, canEdit }: ColumnEditorProps) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const [saved, setSaved] = useState(loaded);
  const [draft, setDraft] = useState<ClassificationDraft>(() => draftOf(loaded));
  const [failure, setFailure] = useState<Failure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const multiSheet = saved.sheets.length > 1;
  const allColumns = saved.sheets.flatMap((s) => s.columns.map((c) => ({ sheet: s.name, name: c.name })));
  const directColumns = allColumns.filter((c) => roleOf(draft, c) === 'direct');
  const columnText = (ref: ColumnRef) => (multiSheet ? `${ref.name} (${ref.sheet})` : ref.name);
  const targets = (room.entityIds ?? []).map((e) => entities.get(e) ?? { id: e, name: 'Entity', parentId: null }).sort((a, b) => a.name.localeCompare(b.name));

  // The entity column's values, read from the rows of its sheet.
  const sample = useRowSample(doc.id, draft.entityColumn?.sheet ?? null);
  const entityColumnName = draft.entityColumn?.name ?? null;
  const { columns: sampleColumns, rows: sampleRows } = sample;
  const counted = useMemo(() => (entityColumnName === null ? [] : valueCounts({ columns: sampleColumns, rows: sampleRows }, entityColumnName)), [sampleColumns, sampleRows, entityColumnName]);
  const valueRows = useMemo(() => new Map(counted.map((v) => [v.value, v.rows])), [counted]);
  const values: EntityValue[] = [...counted, ...Object.keys(draft.entityMap).filter((v) => !valueRows.has(v)).map((value) => ({ value, rows: null }))];
  const unmapped = counted.reduce((n, v) => (draft.entityMap[v.value] ? n : n + v.rows), 0);
  const dirty = draftDiffers(saved, draft);

  // After a refusal the keyboard lands on the first field at fault.
  useEffect(() => {
    if (failure) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [failure]);

  const change = (next: (d: ClassificationDraft) => ClassificationDraft) => {
    setDraft(next);
    setNotice(null);
  };
  const setRole = (ref: ColumnRef, role: ColumnRole) =>
    change((d) => {
      const roles = { ...d.roles };
      if (role === 'none') delete roles[columnKey(ref)];
      else roles[columnKey(ref)] = role;
      return { ...d, roles };
    });
  const setEntityColumn = (ref: ColumnRef | null) =>
    // Another column holds other values: the map of the previous one means nothing for it.
    change((d) => (sameColumn(d.entityColumn, ref) ? d : { ...d, entityColumn: ref, entityMap: {} }));
  const setMapping = (value: string, entityId: string | null) =>
    change((d) => {
      const entityMap = { ...d.entityMap };
      if (entityId) entityMap[value] = entityId;
      else delete entityMap[value];
      return { ...d, entityMap };
    });

  const labels = (columnAt: ColumnRef[]): Record<string, string> => ({
    subjectColumn: 'Subject column',
    entityColumn: 'Entity column',
    entityMap: 'Entity column',
    columns: 'Columns',
    ...Object.fromEntries(columnAt.map((ref, i) => [`columns.${i}.name`, roleLabel(ref, multiSheet)])),
    ...Object.fromEntries(values.map((v) => [entityMapField(v.value), entityValueLabel(v.value)])),
  });

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!canEdit || busy) return;
    const { body, columnAt } = requestOf(saved, draft);
    if (draft.subjectColumn && roleOf(draft, draft.subjectColumn) !== 'direct') {
      const fields = { subjectColumn: SUBJECT_MUST_BE_DIRECT };
      return setFailure({ message: alertOf(null, fields, labels(columnAt)), fields, columnAt });
    }
    setBusy(true);
    setFailure(null);
    setNotice(null);
    try {
      const answer = await datasetApi.classify(doc.id, body);
      setSaved(answer);
      setDraft(draftOf(answer));
      setNotice('Saved. Every delivery of this dataset from now on follows this classification.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const fields = fieldErrorsOf(err);
      setFailure({ message: alertOf(err, fields, labels(columnAt)), fields, columnAt });
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (field: string) => failure?.fields[field];
  const columnError = (ref: ColumnRef) => {
    const i = failure?.columnAt.findIndex((c) => sameColumn(c, ref)) ?? -1;
    return i >= 0 ? fieldError(`columns.${i}.name`) : undefined;
  };
  const described = (field: string, help: string) => ({
    'aria-invalid': fieldError(field) ? (true as const) : undefined,
    'aria-describedby': [help, fieldError(field) ? `${id}-${field}-error` : null].filter(Boolean).join(' '),
  });
  const subjectNotDirect = draft.subjectColumn && roleOf(draft, draft.subjectColumn) !== 'direct';

  return (
    <form ref={form} className="dataset-editor" onSubmit={save} noValidate aria-busy={busy || undefined}>
      <div className="viewer-header">
        <div>
          <h1 id="columns-title" className="page-title">Columns of {doc.title}</h1>
          <p className="page-meta">
            {saved.format === 'csv' ? 'CSV' : 'Excel'} dataset · {saved.sheets.map((s) => `${multiSheet ? `${s.name}: ` : ''}${count.format(s.rows)} rows × ${s.columns.length} columns`).join(' · ')}
          </p>
        </div>
        <div className="toolbar-actions">
          <Link href={`/rooms/${doc.roomId}/documents/${doc.id}`} className="button button-secondary">Open the grid</Link>
          {canEdit && (
            <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>
              {busy ? 'Saving…' : 'Save classification'}
            </button>
          )}
        </div>
      </div>

      {!canEdit && (
        <p className="alert alert-warning" role="note">
          {room.status === 'open' ? 'Read only: the room’s managers classify datasets.' : 'Read only: this room is closed.'}
        </p>
      )}
      {failure && <p role="alert" className="alert alert-error">{failure.message}</p>}
      {notice && <p role="status" className="alert alert-success">{notice}</p>}
      {canEdit && dirty && !failure && <p className="dataset-unsaved" role="status">Unsaved changes: deliveries still follow the saved classification.</p>}

      <div className="dataset-editor-layout">
        <div className="stack">
          {saved.sheets.map((sheet) => (
            <section key={sheet.name} className="panel section" aria-label={multiSheet ? `Columns of sheet ${sheet.name}` : 'Columns'}>
              <div className="section-head">
                <div>
                  <h2 className="section-title">{multiSheet ? `Sheet ${sheet.name}` : 'Columns'}</h2>
                  <p className="section-help">
                    <strong>Direct</strong>: identifies a person on its own (name, email, employee number). <strong>Quasi</strong>: identifies in combination (birth date,
                    postcode, salary). Under a pseudonymised grant direct columns become pseudonyms and quasi columns are generalised; where a grant allows no personal data,
                    both are left out.
                  </p>
                </div>
              </div>
              <ColumnRolesTable
                sheet={sheet}
                multiSheet={multiSheet}
                roleOf={(ref) => roleOf(draft, ref)}
                onRole={setRole}
                subjectColumn={draft.subjectColumn}
                entityColumn={draft.entityColumn}
                errorOf={columnError}
                readOnly={!canEdit}
              />
            </section>
          ))}

          <section className="panel section" aria-labelledby={`${id}-people`}>
            <div className="section-head">
              <h2 id={`${id}-people`} className="section-title">Whose data, which entity</h2>
            </div>
            <div className="form">
              <div className="field">
                <label htmlFor={`${id}-subject`}>Subject column</label>
                <p className="field-help" id={`${id}-subject-help`}>
                  The column that names the person each row is about: counsel look people up by it to answer who received their data (GDPR Art. 15). Only a direct column can be
                  it — it identifies a person.{directColumns.length === 0 ? ' Mark a column Direct identifier first.' : ''}
                </p>
                <select id={`${id}-subject`} value={refValue(draft.subjectColumn)} disabled={!canEdit} onChange={(e) => change((d) => ({ ...d, subjectColumn: refOf(e.target.value) }))} {...described('subjectColumn', `${id}-subject-help`)}>
                  <option value="">None</option>
                  {directColumns.map((c) => <option key={refValue(c)} value={refValue(c)}>{columnText(c)}</option>)}
                  {subjectNotDirect && <option value={refValue(draft.subjectColumn)}>{columnText(draft.subjectColumn!)} (not a direct identifier)</option>}
                </select>
                {fieldError('subjectColumn') && <p className="field-error" id={`${id}-subjectColumn-error`}>{fieldError('subjectColumn')}</p>}
                {!fieldError('subjectColumn') && subjectNotDirect && <p className="field-error">{`${columnText(draft.subjectColumn!)} is no longer a direct identifier: mark it Direct, or choose another subject column.`}</p>}
              </div>
              <div className="field">
                <label htmlFor={`${id}-entity`}>Entity column</label>
                <p className="field-help" id={`${id}-entity-help`}>
                  The column that says which legal entity each row belongs to: a party gets only the rows of the entities its NDA covers.
                  {multiSheet ? ' Sheets without it' : ' Without one, the rows'} belong to the entity the file is filed under ({entities.get(doc.entityId)?.name ?? 'its entity'}).
                </p>
                <select id={`${id}-entity`} value={refValue(draft.entityColumn)} disabled={!canEdit} onChange={(e) => setEntityColumn(refOf(e.target.value))} {...described('entityColumn', `${id}-entity-help`)}>
                  <option value="">None — rows follow the document’s entity</option>
                  {allColumns.map((c) => <option key={refValue(c)} value={refValue(c)}>{columnText(c)}</option>)}
                </select>
                {fieldError('entityColumn') && <p className="field-error" id={`${id}-entityColumn-error`}>{fieldError('entityColumn')}</p>}
                {fieldError('entityMap') && <p className="field-error" id={`${id}-entityMap-error`}>{fieldError('entityMap')}</p>}
              </div>
            </div>
          </section>
        </div>

        <div className="stack">
          {draft.entityColumn && (
            <section className="panel section" aria-labelledby={`${id}-map`}>
              <div className="section-head">
                <div>
                  <h2 id={`${id}-map`} className="section-title">Entities of the rows</h2>
                  <p className="section-help">Map each value of {columnText(draft.entityColumn)} to one of the room’s target entities. Rows of a value left unmapped go to no one outside the deal team.</p>
                </div>
              </div>
              <EntityMapEditor
                column={draft.entityColumn.name}
                values={values}
                sample={sample}
                entityMap={draft.entityMap}
                onMap={setMapping}
                targets={targets}
                unmapped={unmapped}
                errorOf={(value) => fieldError(entityMapField(value))}
                readOnly={!canEdit}
              />
            </section>
          )}
          <PartyPreview doc={doc} dataset={saved} draft={draft} sample={sample} valueRows={valueRows} entities={entities} />
        </div>
      </div>
    </form>
  );
}
