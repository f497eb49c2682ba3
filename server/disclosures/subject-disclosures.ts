import { createHmac } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { DatasetClassification, DatasetDescription } from '../datasets/dataset-types.js';
import { planDelivery } from '../datasets/delivery-plan.js';
import { BLOCK_ROWS, orderBlock, viewOrderKeyOf } from '../datasets/fingerprint.js';
import { readDataset } from '../datasets/read-dataset.js';
import { roomDatasetSecret } from '../datasets/repository.js';
import { datasetDeliveriesOfRoom, type DatasetDeliveryOfRoom } from './repository.js';
import { assertRoomContentKept } from '../purge/purged-content.js';

/**
 * The data subject's question (GDPR Art. 15(1)(c), CJEU C-154/21): which recipients received my data?
 * Answered from what was delivered, not from today's settings: every dataset delivery to someone
 * outside the seller group (downloads, inline views, grid pages) made under a classification whose
 * subject column holds the value in a row that delivery included —
 * - rows: the delivery's own row scope, decided by delivery-plan.ts from the scope and classification
 *   recorded with it; a grid page (/rows) only when the row fell into its offset/limit window, counted
 *   over the rows of that scope in the order the page was cut from: its viewer's order of the version
 *   (fingerprint.ts, viewOrderKeyOf), or stored order for pages recorded before grids had one;
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

type DeliverySnapshot = DatasetClassification & { sheets: number[]; coversDocumentEntity: boolean; offset?: number; limit?: number; order?: 'view' };

interface Candidate {
  delivery: DatasetDeliveryOfRoom;
  form: 'identified' | 'pseudonymised';
  sheet: number;
  column: number;
  /** A grid page's window over the rows of its scope; null for a file, which holds them all. */
  window: { offset: number; limit: number } | null;
  /** The row filter the delivery was made under (its scope's key, shared by deliveries of the same scope). */
  scope: string;
  /** The order a grid page was cut from: its viewer's (null: stored order, for older pages, and for files). */
  orderKey: Buffer | null;
  /** The scope and order a grid page's window counts rows in (shared by the pages of one viewer). */
  counter: string;
}

/** The value under the room's secret, as the ledger keeps it: a keyed hash, not a pseudonym anyone is given. */
export const subjectDigestOf = (roomSecret: Buffer, value: string) => createHmac('sha256', roomSecret).update('subject\0').update(value).digest('hex');

export async function subjectDisclosures(ctx: ServiceContext, roomId: string, value: string): Promise<SubjectDisclosure[]> {
  const room = await findVisibleRoom(ctx, roomId, 'disclosures.subjects');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'disclosures.subjects', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  // The answer is read from the stored datasets, row by row: once they are purged it cannot be given.
  await assertRoomContentKept(ctx.db, roomId, { action: 'disclosures.subjects', subjectType: 'Room', subjectId: roomId });
  const secret = await roomDatasetSecret(ctx.db, roomId);
  const byVersion = new Map<string, DatasetDeliveryOfRoom[]>();
  for (const d of await datasetDeliveriesOfRoom(ctx.db, roomId)) byVersion.set(d.versionId, [...(byVersion.get(d.versionId) ?? []), d]);

  const found: SubjectDisclosure[] = [];
  for (const deliveries of byVersion.values()) {
    const { objectKey, description: json } = deliveries[0]!;
    const description = JSON.parse(json) as DatasetDescription;
    const candidates = deliveries.map((d) => candidateOf(d, description, secret)).filter((c): c is Candidate => c !== null);
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
function candidateOf(delivery: DatasetDeliveryOfRoom, description: DatasetDescription, secret: Buffer): Candidate | null {
  if (delivery.form === 'none') return null;
  const snapshot = JSON.parse(delivery.classification) as DeliverySnapshot;
  const subject = snapshot.subjectColumn;
  if (!subject) return null;
  const sheet = subject.sheet === undefined ? 0 : description.sheets.findIndex((s) => s.name === subject.sheet);
  const column = sheet < 0 ? -1 : description.sheets[sheet]!.columns.findIndex((c) => c.name === subject.name);
  if (column < 0 || !snapshot.sheets.includes(sheet)) return null;
  const window = delivery.format === 'rows' ? { offset: Number(snapshot.offset ?? 0), limit: Number(snapshot.limit ?? 0) } : null;
  const scope = JSON.stringify([delivery.entityIds, snapshot.coversDocumentEntity, snapshot.entityColumn, snapshot.entityMap, snapshot.columns]);
  const orderKey = window && snapshot.order === 'view' ? viewOrderKeyOf(secret, delivery.userId, delivery.versionId) : null;
  return { delivery, form: delivery.form, sheet, column, window, scope, orderKey, counter: `${scope}\0${orderKey?.toString('hex') ?? 'stored'}` };
}

/** A row of a subject, kept by a counter's scope, awaiting its position in the counter's order. */
interface PendingSubject {
  index: number;
  candidates: Candidate[];
}

/**
 * The rows of one scope counted in one order, for the windows of the grid pages cut from it. In stored
 * order a row's position is the count before it; in a viewer's order it is known once the row's block
 * (fingerprint.ts) is read: the count before the block plus the row's place among the block's kept
 * rows in that order. So a block's kept rows are held as stored indexes until it ends.
 */
interface Counter {
  /** The scope whose rows are counted (its key among the row filters). */
  scope: string;
  orderKey: Buffer | null;
  /** Per sheet: rows of the scope before the current row (stored order) or block (a viewer's order). */
  before: Map<number, number>;
  block: { sheet: number; number: number; kept: number[]; pending: PendingSubject[] } | null;
}

/** The candidates whose window a subject's row at `position` fell into. */
function inWindow(candidates: Candidate[], position: number): Candidate[] {
  return candidates.filter((c) => position >= c.window!.offset && position < c.window!.offset + c.window!.limit);
}

/** Ends a counter's block in a viewer's order: each pending subject's position, then the count moves on. */
function endBlock(counter: Counter, holding: Set<Candidate>) {
  const block = counter.block;
  if (!block) return;
  const ordered = orderBlock(counter.orderKey!, block.kept.map((index) => ({ sheet: block.sheet, index })));
  const start = counter.before.get(block.sheet) ?? 0;
  for (const p of block.pending) {
    for (const c of inWindow(p.candidates, start + ordered.findIndex((r) => r.index === p.index))) holding.add(c);
  }
  counter.before.set(block.sheet, start + block.kept.length);
  counter.block = null;
}

/**
 * One pass over a stored version: the candidates that included a row whose subject column holds
 * `value`. Each distinct scope's row filter is built once (delivery-plan.ts, with the `none` form so
 * no pseudonym is computed); the grid pages' windows are counted per scope and order (Counter).
 */
async function deliveriesHolding(ctx: ServiceContext, secret: Buffer, objectKey: string, description: DatasetDescription, candidates: Candidate[], value: string): Promise<Candidate[]> {
  const filters = new Map<string, (sheet: number, cells: string[]) => boolean>();
  for (const c of candidates) {
    if (filters.has(c.scope)) continue;
    const d = c.delivery;
    const snapshot = JSON.parse(d.classification) as DeliverySnapshot;
    const entityIds = d.entityIds === null ? null : (JSON.parse(d.entityIds) as string[]);
    const plans = planDelivery(description, snapshot, { form: 'none', entityIds, partyId: d.partyId, coversDocumentEntity: snapshot.coversDocumentEntity }, secret);
    filters.set(c.scope, (sheet, cells) => plans[sheet]?.deliver(cells) != null);
  }
  const counters = new Map<string, Counter>();
  for (const c of candidates) {
    if (c.window && !counters.has(c.counter)) counters.set(c.counter, { scope: c.scope, orderKey: c.orderKey, before: new Map(), block: null });
  }
  // The subject columns there are (one, mostly), each with its candidates: a row is looked at once per column, not per candidate.
  const subjectColumns = new Map<string, { sheet: number; column: number; candidates: Candidate[] }>();
  for (const c of candidates) {
    const key = `${c.sheet}:${c.column}`;
    const group = subjectColumns.get(key) ?? { sheet: c.sheet, column: c.column, candidates: [] };
    group.candidates.push(c);
    subjectColumns.set(key, group);
  }
  const sheets = new Set(candidates.map((c) => c.sheet));
  const holding = new Set<Candidate>();
  for await (const event of readDataset(() => ctx.store.get(objectKey), description.format)) {
    if (event.kind !== 'row' || !sheets.has(event.row.sheet)) continue;
    const { sheet, index, cells } = event.row;
    const subjectOf: Candidate[] = [];
    for (const g of subjectColumns.values()) if (g.sheet === sheet && cells[g.column] === value) subjectOf.push(...g.candidates);
    if (subjectOf.length === 0 && counters.size === 0) continue;
    // Whether each scope keeps the row, decided once per row.
    const kept = new Map<string, boolean>();
    const keptBy = (scope: string) => {
      let keeps = kept.get(scope);
      if (keeps === undefined) kept.set(scope, (keeps = filters.get(scope)!(sheet, cells)));
      return keeps;
    };
    for (const c of subjectOf) if (!c.window && keptBy(c.scope)) holding.add(c);
    for (const [key, counter] of counters) {
      const pages = subjectOf.filter((c) => c.counter === key);
      const keeps = keptBy(counter.scope);
      if (!counter.orderKey) {
        const position = counter.before.get(sheet) ?? 0;
        if (!keeps) continue;
        for (const c of inWindow(pages, position)) holding.add(c);
        counter.before.set(sheet, position + 1);
        continue;
      }
      const number = Math.floor(index / BLOCK_ROWS);
      if (counter.block && (counter.block.sheet !== sheet || counter.block.number !== number)) endBlock(counter, holding);
      if (!keeps) continue;
      counter.block ??= { sheet, number, kept: [], pending: [] };
      counter.block.kept.push(index);
      if (pages.length > 0) counter.block.pending.push({ index, candidates: pages });
    }
  }
  for (const counter of counters.values()) endBlock(counter, holding);
  return [...holding];
}
