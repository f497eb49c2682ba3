import type { Db } from '../../server/db.js';
import { loadAccess } from '../../server/policy/load-access.js';
import { asSubject } from '../../server/policy/ability.js';
import { datasetScopeFor, type DatasetSubject } from '../../server/policy/dataset-scope.js';
import { planDelivery } from '../../server/datasets/delivery-plan.js';
import { roomDatasetSecret } from '../../server/datasets/repository.js';
import { coveringNdas } from './access-reference.js';
import { referenceDelivery } from './dataset-reference.js';
import { differenceInOrder, PseudonymBook } from './dataset-compare.js';
import { LEVELS, type PersonalData, type World } from './world-model.js';
import { datasetClassificationOf, datasetDescriptionOf, requestContext } from './world-store.js';

/** What the dataset comparisons have met so far: so a run that never meets a case says so. */
export const datasetCoverage = {
  deliveries: 0,
  /** Deliveries to outsiders (the rest are the deal team's whole tables). */
  outsiders: 0,
  /** Rows delivered to outsiders. */
  rows: 0,
  forms: new Set<PersonalData>(),
  /** Deliveries to an outsider whom no NDA covers for the file's own entity: seen through its entity map alone. */
  throughMapOnly: 0,
  pseudonymsChecked: 0,
  valuesAcrossParties: 0,
};

/**
 * Every user of the stored world against every dataset at every level, at `at`: the ability's
 * decision, then datasetScopeFor's scope and planDelivery's rows and columns (each stored row through
 * `deliver`, in stored order), against referenceDelivery. The scope's `coversDocumentEntity` is
 * worked out as the service does (datasets/service.ts, scopeOf). Returns the differences, empty when
 * there are none.
 */
export async function datasetDeliveryDifferences(db: Db, world: World, at: string = world.at): Promise<object[]> {
  const datasets = world.datasets ?? [];
  if (datasets.length === 0) return [];
  const rows = new Map<string, DatasetSubject & { id: string; entityId: string }>(
    (await db('documents').whereIn('id', datasets.map((d) => d.documentId)).select()).map((r: DatasetSubject & { id: string; entityId: string }) => [r.id, r]),
  );
  const secrets = new Map<string, Buffer>();
  for (const roomId of new Set(datasets.map((d) => rows.get(d.documentId)!.roomId))) secrets.set(roomId, await roomDatasetSecret(db, roomId));
  const book = new PseudonymBook();
  const differences: object[] = [];
  for (const user of world.users) {
    const { actor, client } = requestContext(world, user);
    const { facts, ability } = await loadAccess(db, actor, at, client);
    for (const dataset of datasets) {
      const doc = world.documents.find((d) => d.id === dataset.documentId)!;
      const row = rows.get(doc.id)!;
      for (const level of LEVELS) {
        const context = { user: user.id, dataset: doc.id, level };
        const expected = referenceDelivery(world, user, doc, level, at);
        const can = ability.can(level, asSubject('Document', row));
        if (can !== (expected !== null)) {
          differences.push({ ...context, allowedByAbility: can, allowedByReference: expected !== null });
          continue;
        }
        // The original is the stored file (the deal team's only): no delivery to shape.
        if (!expected || level === 'original') continue;
        const scope = datasetScopeFor(facts, row, level);
        if (!scope || scope.form !== expected.form || scope.partyId !== expected.partyId) {
          differences.push({ ...context, scope, expected: { form: expected.form, partyId: expected.partyId } });
          continue;
        }
        const plans = planDelivery(
          datasetDescriptionOf(dataset),
          datasetClassificationOf(dataset),
          { ...scope, coversDocumentEntity: scope.entityIds === null || scope.entityIds.includes(row.entityId) },
          secrets.get(row.roomId)!,
        ).filter((p) => p.forRecipient);
        for (const [s, sheet] of expected.sheets.entries()) {
          const plan = plans[s];
          if (!plan || plan.name !== sheet.name || JSON.stringify(plan.header) !== JSON.stringify(sheet.header)) {
            differences.push({ ...context, sheet: sheet.name, header: plan?.header, expectedHeader: sheet.header });
            continue;
          }
          const delivered = dataset.sheets[plan.sheet]!.rows.map((cells) => plan.deliver(cells)).filter((r): r is string[] => r !== null);
          const difference = differenceInOrder(book, expected.partyId, sheet.rows, delivered);
          if (difference) differences.push({ ...context, sheet: sheet.name, form: expected.form, ...difference });
          if (expected.partyId) datasetCoverage.rows += delivered.length;
        }
        if (plans.length !== expected.sheets.length) differences.push({ ...context, sheets: plans.map((p) => p.name), expectedSheets: expected.sheets.map((s) => s.name) });
        datasetCoverage.deliveries++;
        if (expected.partyId) {
          datasetCoverage.outsiders++;
          datasetCoverage.forms.add(expected.form);
        }
        if (expected.partyId && coveringNdas(world, user, expected.partyId, doc.roomId, doc.entityId, at).length === 0) datasetCoverage.throughMapOnly++;
      }
    }
  }
  datasetCoverage.pseudonymsChecked += book.size;
  datasetCoverage.valuesAcrossParties += book.valuesAcrossParties();
  return differences;
}
