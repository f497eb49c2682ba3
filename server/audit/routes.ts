import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { exportRoomAudit, listRoomAudit, verifyLedger } from './service.js';
import { AUDIT_CSV_COLUMNS, presentAuditEvent } from './presenter.js';
import { AuditQuerySchema } from './schema.js';
import { csvRow } from './csv.js';

export function auditRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/audit', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const q = parseInput(AuditQuerySchema, req.query);
    const roomId = pathId(req.params.roomId);
    if (q.format === 'csv') {
      const batches = await exportRoomAudit(ctx, roomId, q);
      res.type('text/csv; charset=utf-8').attachment('audit.csv');
      res.write(csvRow([...AUDIT_CSV_COLUMNS]));
      for await (const rows of batches) {
        const events = rows.map(presentAuditEvent);
        res.write(events.map((e) => csvRow(AUDIT_CSV_COLUMNS.map((c) => e[c]))).join(''));
      }
      res.end();
      return;
    }
    const before = q.before ?? (q.cursor ? Number(q.cursor) : undefined);
    const { items, nextBefore } = await listRoomAudit(ctx, roomId, { ...q, before });
    res.json({ items: items.map(presentAuditEvent), nextBefore, nextCursor: nextBefore === null ? null : String(nextBefore) });
  });
  router.get('/api/audit/verify', async (req, res) => {
    res.json(await verifyLedger(await contextOf(req, deps)));
  });
  return router;
}
