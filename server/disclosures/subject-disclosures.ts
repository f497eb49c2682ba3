import { createHmac } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { DatasetClassification, DatasetDescription } from '../datasets/dataset-types.js';
import { planDelivery } from '../datasets/delivery-plan.js';
import { readDataset } from '../datasets/read-dataset.js';
import { roomDatasetSecret } from '../datasets/repository.js';
import { datasetDeliveriesOfRoom, type DatasetDeliveryOfRoom } from './repository.js';

/**
 * The data subject's question (GDPR Art. 15(1)(c), CJEU C-154/21): which recipients received my data?
 * Answered from what was delivered, not from today's settings: every dataset delivery to someone
 * outside the seller group (downloads, inline views, grid pages) made under a classification whose
 * subject column holds the value in a row that delivery included —
 * - rows: the delivery's own row scope, decided by delivery-plan.ts from the scope and classification
 *   recorded with it; a grid page (/rows) only when the row fell into its offset/limit window, counted
 *   over the rows of that scope in stored order as the page was cut;
 * - columns: a `none` delivery left the subject column out, so it disclosed nothing of the person;
 *   `identified` and `pseudonymised` ones are listed with their form.
 * The stored versions are read as a stream; nothing of the person is kept, and the ledger holds an
 * HMAC of the value under the room's dataset secret — enough to tell two questions about the same
 * person apart or alike, never the value.
 */
export interface SubjectDisclosure {
  orgId: string;
  orgName: string;
  userId: string;
  downloadId: string;
  documentId: string;
  at: string;
  form: 'identified' | 'pseudonymised';
}

type DeliverySnapshot = DatasetClassification & { sheets: number[]; coversDocumentEntity: boolean; offset?: number; limit?: number };

interface Candidate {
  delivery: DatasetDeliveryOfRoom;
  form: 'identified' | 'pseudonymised';
  sheet: number;
  column: number;
  /** A grid page's window over the rows of its scope; null for a file, which holds them all. */
  window: { offset: number; limit: number } | null;
  /** The row filter the delivery was made under (its scope's key, shared by deliveries of the same scope). */
  scope: string;
}

/** The value under the room's secret, as the ledger keeps it: a keyed hash, not a pseudonym anyone is given. */
export const subjectDigestOf = (roomSecret: Buffer, value: string) => createHmac('sha256', roomSecret).update('subject\0').update(value).digest('hex');

export async function subjectDisclosures(ctx: ServiceContext, roomId: string, value: string): Promise<SubjectDisclosure[]> {
  const room = await findVisibleRoom(ctx, roomId, 'disclosures.subjects');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'disclosures.subjects', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  const secret = await roomDatasetSecret(ctx.db, roomId);
  const byVersion = new Map<string, DatasetDeliveryOfRoom[]>();
  for (const d of await datasetDeliveriesOfRoom(ctx.db, roomId)) byVersion.set(d.versionId, [...(byVersion.get(d.versionId) ?? []), d]);

  const found: SubjectDisclosure[] = [];
  for (const deliveries of byVersion.values()) {
    const { objectKey, description: json } = deliveries[0]!;
    const description = JSON.parse(json) as DatasetDescription;
    const candidates = deliveries.map((d) => candidateOf(d, description)).filter((c): c is Candidate => c !== null);
    if (candidates.length === 0) continue;
    for (const c of await deliveriesHolding(ctx, secret, objectKey, description, candidates, value)) {
      const d = c.delivery;
      found.push({ orgId: d.orgId, orgName: d.orgName, userId: d.userId, downloadId: d.downloadId, documentId: d.documentId, at: d.at, form: c.form });
    }
  }
  found.sort((a, b) => a.at.localeCompare(b.at) || a.downloadId.localeCompare(b.downloadId));
  await recordAllowed(ctx.db, ctx, {
    action: 'disclosures.subjects',
    subjectType: 'Room',
    subjectId: roomId,
    roomId,
    details: { subjectDigest: subjectDigestOf(secret, value), count: found.length, downloadIds: found.map((f) => f.downloadId) },
  });
  return found;
}

/** What a delivery could have disclosed of a subject: null when it had no subject column or left it out. */
function candidateOf(delivery: DatasetDeliveryOfRoom, description: DatasetDescription): Candidate | null {
  if (delivery.form === 'none') return null;
  const snapshot = JSON.parse(delivery.classification) as DeliverySnapshot;
  const subject = snapshot.subjectColumn;
  if (!subject) return null;
  const sheet = subject.sheet === undefined ? 0 : description.sheets.findIndex((s) => s.name === subject.sheet);
  const column = sheet < 0 ? -1 : description.sheets[sheet]!.columns.findIndex((c) => c.name === subject.name);
  if (column < 0 || !snapshot.sheets.includes(sheet)) return null;
  const window = delivery.format === 'rows' ? { offset: Number(snapshot.offset ?? 0), limit: Number(snapshot.limit ?? 0) } : null;
  const scope = JSON.stringify([delivery.entityIds, snapshot.coversDocumentEntity, snapshot.entityColumn, snapshot.entityMap, snapshot.columns]);
  return { delivery, form: delivery.form, sheet, column, window, scope };
}

/**
 * One pass over a stored version: the candidates that included a row whose subject column holds
 * `value`. Each distinct scope's row filter is built once (delivery-plan.ts, with the `none` form so
 * no pseudonym is computed), and counts the rows of its scope so far, for the grid pages' windows.
 */
async function deliveriesHolding(ctx: ServiceContext, secret: Buffer, objectKey: string, description: DatasetDescription, candidates: Candidate[], value: string): Promise<Candidate[]> {
  const scopes = new Map<string, { keeps: (sheet: number, cells: string[]) => boolean; counted: Map<number, number> }>();
  for (const c of candidates) {
    if (scopes.has(c.scope)) continue;
    const d = c.delivery;
    const snapshot = JSON.parse(d.classification) as DeliverySnapshot;
    const entityIds = d.entityIds === null ? null : (JSON.parse(d.entityIds) as string[]);
    const plans = planDelivery(description, snapshot, { form: 'none', entityIds, partyId: d.partyId, coversDocumentEntity: snapshot.coversDocumentEntity }, secret);
    scopes.set(c.scope, { keeps: (sheet, cells) => plans[sheet]?.deliver(cells) != null, counted: new Map() });
  }
  const sheets = new Set(candidates.map((c) => c.sheet));
  const counting = new Set(candidates.filter((c) => c.window).map((c) => c.scope));
  const holding = new Set<Candidate>();
  for await (const event of readDataset(() => ctx.store.get(objectKey), description.format)) {
    if (event.kind !== 'row' || !sheets.has(event.row.sheet)) continue;
    const { sheet, cells } = event.row;
    const isSubject = candidates.some((c) => c.sheet === sheet && cells[c.column] === value);
    if (!isSubject && counting.size === 0) continue;
    // The position of this row among the rows of each scope, before it: a grid page's window is cut there.
    const positions = new Map<string, number | null>();
    for (const [key, scope] of scopes) {
      if (!isSubject && !counting.has(key)) continue;
      const kept = scope.keeps(sheet, cells);
      const before = scope.counted.get(sheet) ?? 0;
      positions.set(key, kept ? before : null);
      if (kept) scope.counted.set(sheet, before + 1);
    }
    if (!isSubject) continue;
    for (const c of candidates) {
      if (c.sheet !== sheet || cells[c.column] !== value) continue;
      const position = positions.get(c.scope);
      if (position === null || position === undefined) continue;
      if (c.window && (position < c.window.offset || position >= c.window.offset + c.window.limit)) continue;
      holding.add(c);
    }
  }
  return [...holding];
}
