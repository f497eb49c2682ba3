import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../audit/record.js';
import type { AuditEventRow } from './ledger.js';
import { verifyChain, type ChainVerification } from './verify-chain.js';

export async function listRoomAudit(ctx: ServiceContext, roomId: string, q: { limit: number; before?: number }): Promise<{ items: AuditEventRow[]; nextBefore: number | null }> {
  const room = await findVisibleRoom(ctx, roomId, 'audit.read');
  await assertAllowed(ctx, 'oversee', 'Room', room, { event: 'audit.read', roomId, subjectId: roomId, reason: 'managers and counsel only' });
  const query = ctx.db('auditEvents').where({ roomId }).orderBy('seq', 'desc').limit(q.limit + 1);
  if (q.before) query.where('seq', '<', q.before);
  const rows: AuditEventRow[] = await query;
  const items = rows.slice(0, q.limit);
  await recordAllowed(ctx.db, ctx, { action: 'audit.read', subjectType: 'Room', subjectId: roomId, roomId, details: { count: items.length } });
  return { items, nextBefore: rows.length > q.limit ? Number(items[items.length - 1].seq) : null };
}

export async function verifyLedger(ctx: ServiceContext): Promise<ChainVerification> {
  await assertAllowed(ctx, 'edit', 'Directory', null, { event: 'audit.verify', reason: 'admins only' });
  const result = await verifyChain(ctx.db);
  await recordAllowed(ctx.db, ctx, { action: 'audit.verify', details: { ...result } });
  return result;
}
