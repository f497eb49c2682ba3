import { Router } from 'express';
import { z } from 'zod';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { listRoomAudit, verifyLedger } from './service.js';
import { AUDIT_CSV_COLUMNS, presentAuditEvent } from './presenter.js';
import { csvRow } from './csv.js';

const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export function auditRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/audit', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const q = parseInput(AuditQuerySchema, req.query);
    const { items, nextBefore } = await listRoomAudit(ctx, pathId(req.params.roomId), q);
    const events = items.map(presentAuditEvent);
    if (q.format === 'csv') {
      res.type('text/csv; charset=utf-8').attachment('audit.csv');
      res.send(csvRow([...AUDIT_CSV_COLUMNS]) + events.map((e) => csvRow(AUDIT_CSV_COLUMNS.map((c) => e[c]))).join(''));
      return;
    }
    res.json({ items: events, nextBefore, nextCursor: nextBefore === null ? null : String(nextBefore) });
  });
  router.get('/api/audit/verify', async (req, res) => {
    res.json(await verifyLedger(await contextOf(req, deps)));
  });
  return router;
}
