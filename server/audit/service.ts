import type { Knex } from 'knex';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { AuditEventRow } from '../ledger/ledger.js';
import { withAddresses, type AuditEventView } from './addresses.js';
import type { ChainVerification } from '../ledger/verify-chain.js';
import { verifyLedgerIntegrity } from '../ledger/verify-ledger.js';
import type { AuditFilters } from './schema.js';

/** Managers and counsel of the room; anyone else who cannot see the room gets the room's 404. */
async function assertMayReadTrail(ctx: ServiceContext, roomId: string, event: string) {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, 'oversee', 'Room', room, { event, roomId, subjectId: roomId, reason: 'managers and counsel only' });
}

function filteredTrail(ctx: ServiceContext, roomId: string, f: AuditFilters): Knex.QueryBuilder {
  const query = ctx.db('auditEvents').where({ roomId });
  if (f.actorId) query.where({ actorId: f.actorId });
  if (f.action) query.where({ action: f.action });
  if (f.decision) query.where({ decision: f.decision });
  // Times are fixed-width ISO strings, so text comparison is time order; `to` is exclusive.
  if (f.from) query.where('at', '>=', f.from);
  if (f.to) query.where('at', '<', f.to);
  if (f.documentId) query.where({ subjectType: 'Document', subjectId: f.documentId });
  return query;
}

export async function listRoomAudit(
  ctx: ServiceContext,
  roomId: string,
  q: AuditFilters & { limit: number; before?: number },
): Promise<{ items: AuditEventView[]; nextBefore: number | null }> {
  await assertMayReadTrail(ctx, roomId, 'audit.read');
  const query = filteredTrail(ctx, roomId, q).orderBy('seq', 'desc').limit(q.limit + 1);
  if (q.before) query.where('seq', '<', q.before);
  const rows: AuditEventRow[] = await query;
  const items = rows.slice(0, q.limit);
  await recordAllowed(ctx.db, ctx, { action: 'audit.read', subjectType: 'Room', subjectId: roomId, roomId, details: { count: items.length, filters: filtersOf(q) } });
  return { items: await withAddresses(ctx.db, items), nextBefore: rows.length > q.limit ? Number(items[items.length - 1].seq) : null };
}

const EXPORT_BATCH = 1000;

/**
 * The whole filtered trail for a CSV export, newest first, read in keyset batches so a long trail
 * streams instead of sitting in memory. The export itself is recorded before the first row leaves.
 */
export async function exportRoomAudit(ctx: ServiceContext, roomId: string, f: AuditFilters): Promise<AsyncGenerator<AuditEventView[]>> {
  await assertMayReadTrail(ctx, roomId, 'audit.export');
  await recordAllowed(ctx.db, ctx, { action: 'audit.export', subjectType: 'Room', subjectId: roomId, roomId, details: { format: 'csv', filters: filtersOf(f) } });
  return (async function* batches() {
    let before: number | null = null;
    for (;;) {
      const query = filteredTrail(ctx, roomId, f).orderBy('seq', 'desc').limit(EXPORT_BATCH);
      if (before !== null) query.where('seq', '<', before);
      const rows: AuditEventRow[] = await query;
      if (rows.length === 0) return;
      yield await withAddresses(ctx.db, rows);
      if (rows.length < EXPORT_BATCH) return;
      before = Number(rows[rows.length - 1].seq);
    }
  })();
}

const filtersOf = (f: AuditFilters) =>
  Object.fromEntries(Object.entries({ actorId: f.actorId, action: f.action, decision: f.decision, from: f.from, to: f.to, documentId: f.documentId }).filter(([, v]) => v !== undefined));

export async function verifyLedger(ctx: ServiceContext): Promise<ChainVerification> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'audit.verify', reason: 'admins only' });
  const result = await verifyLedgerIntegrity(ctx);
  await recordAllowed(ctx.db, ctx, { action: 'audit.verify', details: { ...result } });
  return result;
}
