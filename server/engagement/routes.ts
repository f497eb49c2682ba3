import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { EngagementQuerySchema, PageReportBatchSchema, PageReportSchema } from './schema.js';
import { reportPages, roomEngagement } from './service.js';
import { engagementCsv, presentEngagementItem } from './presenter.js';

export function engagementRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/engagement', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const query = parseInput(EngagementQuerySchema, req.query);
    const items = await roomEngagement(ctx, pathId(req.params.roomId), query);
    if (query.format === 'csv') {
      res.type('text/csv; charset=utf-8').attachment(`engagement-by-${query.by}.csv`);
      res.send(engagementCsv(items));
      return;
    }
    res.json({ items: items.map(presentEngagementItem) });
  });
  router.post('/api/documents/:documentId/views/:downloadId/pages', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const batch = Array.isArray(req.body);
    const reports = batch ? parseInput(PageReportBatchSchema, req.body) : [parseInput(PageReportSchema, req.body)];
    await reportPages(ctx, pathId(req.params.documentId), pathId(req.params.downloadId), reports, batch);
    res.status(204).end();
  });
  return router;
}
