import { api, type DocumentItem, type Entity, type PersonalData } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { CLASSIFICATION_LABEL } from '../../display-format.js';
import type { Dataset, DatasetSheet } from './dataset-api.js';
import { roleOf, type ClassificationDraft } from './classification-draft.js';
import { orgNames, partyDeliveries, treatmentOf, type ColumnTreatment, type PartyDelivery } from './delivery-preview.js';
import type { RowSample } from './use-row-sample.js';

const FORM_LABEL: Record<PersonalData, string> = { identified: 'Identified', pseudonymised: 'Pseudonymised', none: 'No personal data' };
const TREATMENTS: Array<{ treatment: ColumnTreatment; label: string }> = [
  { treatment: 'stored', label: 'As stored' },
  { treatment: 'pseudonymised', label: 'Pseudonymised' },
  { treatment: 'generalised', label: 'Generalised' },
  { treatment: 'left out', label: 'Left out' },
];
const count = new Intl.NumberFormat('en-GB');

async function loadFacts(roomId: string, signal: AbortSignal) {
  const [parties, grants, ndas, folders, orgs] = await Promise.all([api.parties(roomId), api.grants(roomId), api.ndas(roomId, signal), api.folders(roomId, signal), api.orgs()]);
  return { parties: parties.items, grants: grants.items, ndas: ndas.items, folders: folders.items, orgs: new Map(orgs.items.map((o) => [o.id, o])) };
}

interface PartyPreviewProps {
  doc: DocumentItem;
  dataset: Dataset;
  draft: ClassificationDraft;
  sample: RowSample;
  /** Rows of the sample by value of the entity column. */
  valueRows: Map<string, number>;
  entities: Map<string, Entity>;
}

/**
 * "What each party would receive" under the draft classification: its rows (by the entities its
 * NDAs in force cover) and how each column reaches it (by its grants' personal-data limit). Worked
 * out here from the room's parties, grants and NDAs (delivery-preview.ts); the server decides each
 * real delivery the same way.
 */
export function PartyPreview({ doc, dataset, draft, sample, valueRows, entities }: PartyPreviewProps) {
  const [facts, reload] = useLoad((signal) => loadFacts(doc.roomId, signal), [doc.roomId]);
  const multiSheet = dataset.sheets.length > 1;
  return (
    <section className="panel section dataset-preview" aria-labelledby="dataset-preview-title">
      <div className="section-head">
        <div>
          <h2 id="dataset-preview-title" className="section-title">What each party would receive</h2>
          <p className="section-help">From the classification on this page, each party’s grants and the NDAs in force today. Saving applies it to every delivery from then on.</p>
        </div>
      </div>
      <LoadView load={facts} retry={reload} label="parties, grants and NDAs">
        {(f) => {
          const deliveries = partyDeliveries(doc, f.parties, f.grants, f.ndas, f.folders);
          const folder = f.folders.find((x) => x.id === doc.folderId);
          if (deliveries.length === 0) return <p className="empty-inline">No party has been invited to this room yet.</p>;
          return (
            <div className="dataset-parties">
              {deliveries.map((d) => (
                <PartyCard
                  key={d.party.id}
                  delivery={d}
                  where={`${folder ? `${folder.index} ${folder.name}` : 'its folder'}, ${CLASSIFICATION_LABEL[doc.classification].toLowerCase()}`}
                  rowsOf={(sheet, entityIds) => rowsFor(sheet, entityIds, doc, draft, sample, valueRows)}
                  columnsOf={(form) => columnsFor(dataset, draft, form, multiSheet)}
                  sheets={dataset.sheets}
                  orgName={(ids) => orgNames(ids, f.orgs)}
                  entityName={(id) => entities.get(id)?.name ?? 'an entity'}
                />
              ))}
            </div>
          );
        }}
      </LoadView>
    </section>
  );
}

interface SheetRows {
  rows: number;
  /** Counted in the rows read so far, not the whole sheet. */
  partial: boolean;
  read: number;
}

function rowsFor(sheet: DatasetSheet, entityIds: string[], doc: DocumentItem, draft: ClassificationDraft, sample: RowSample, valueRows: Map<string, number>): SheetRows {
  const covered = new Set(entityIds);
  if (!draft.entityColumn || draft.entityColumn.sheet !== sheet.name) {
    // A sheet without the entity column belongs to the entity the file is filed under.
    return { rows: covered.has(doc.entityId) ? sheet.rows : 0, partial: false, read: sheet.rows };
  }
  let rows = 0;
  for (const [value, n] of valueRows) {
    const entityId = draft.entityMap[value];
    if (entityId && covered.has(entityId)) rows += n;
  }
  return { rows, partial: !sample.complete, read: sample.rows.length };
}

function columnsFor(dataset: Dataset, draft: ClassificationDraft, form: PersonalData, multiSheet: boolean): Map<ColumnTreatment, string[]> {
  const byTreatment = new Map<ColumnTreatment, string[]>();
  for (const sheet of dataset.sheets) {
    for (const c of sheet.columns) {
      const t = treatmentOf(roleOf(draft, { sheet: sheet.name, name: c.name }), form);
      byTreatment.set(t, [...(byTreatment.get(t) ?? []), multiSheet ? `${c.name} (${sheet.name})` : c.name]);
    }
  }
  return byTreatment;
}

interface PartyCardProps {
  delivery: PartyDelivery;
  where: string;
  rowsOf: (sheet: DatasetSheet, entityIds: string[]) => SheetRows;
  columnsOf: (form: PersonalData) => Map<ColumnTreatment, string[]>;
  sheets: DatasetSheet[];
  orgName: (orgIds: string[]) => string;
  entityName: (entityId: string) => string;
}

function PartyCard({ delivery, where, rowsOf, columnsOf, sheets, orgName, entityName }: PartyCardProps) {
  const { party, form, coverage, cleanTeamOnly } = delivery;
  const titleId = `dataset-party-${party.id}`;
  return (
    <article className="dataset-party" aria-labelledby={titleId}>
      <div className="dataset-party-head">
        <h3 id={titleId} className="dataset-party-name">{party.name}</h3>
        <span className={form === null ? 'badge badge-muted' : form === 'identified' ? 'badge badge-warning' : 'badge badge-info'}>{form === null ? 'No access' : FORM_LABEL[form]}</span>
      </div>
      {form === null ? (
        <p className="dataset-party-text">No grant of {party.name} reaches this dataset ({where}): it receives nothing, and does not see it listed.</p>
      ) : (
        <>
          <ul className="dataset-party-rows" aria-label={`Rows ${party.name} would receive`}>
            {coverage.map((g) => {
              const who = orgName(g.orgIds);
              if (g.entityIds.length === 0) return <li key={g.orgIds.join()}>{who}: <strong>no rows</strong> — no NDA in force covers {g.orgIds.length === 1 ? 'it' : 'them'}.</li>;
              return (
                <li key={g.orgIds.join()}>
                  {who}:{' '}
                  {sheets.map((s, i) => {
                    const r = rowsOf(s, g.entityIds);
                    if (r.partial && r.read === 0) return <span key={s.name}>{i > 0 && '; '}counting rows…</span>;
                    return (
                      <span key={s.name}>
                        {i > 0 && '; '}
                        <strong>{count.format(r.rows)} {r.rows === 1 ? 'row' : 'rows'}</strong>
                        {r.partial ? ` of the ${count.format(r.read)} read` : ` of ${count.format(r.read)}`}
                        {sheets.length > 1 ? ` (${s.name})` : ''}
                      </span>
                    );
                  })}
                  {' '}— covered for {g.entityIds.map(entityName).join(', ')}
                </li>
              );
            })}
          </ul>
          <dl className="dataset-party-columns">
            {TREATMENTS.map(({ treatment, label }) => {
              const names = columnsOf(form).get(treatment) ?? [];
              return names.length ? (
                <div key={treatment} className={`dataset-treatment dataset-treatment-${treatment.replace(' ', '-')}`}>
                  <dt>{label}</dt>
                  <dd>{names.join(', ')}</dd>
                </div>
              ) : null;
            })}
          </dl>
          {cleanTeamOnly && <p className="dataset-party-text">A clean-team document: only the party’s clean-team members receive it.</p>}
        </>
      )}
    </article>
  );
}
