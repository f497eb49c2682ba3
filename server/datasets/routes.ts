import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { findDocumentFor } from '../documents/service.js';
import { classifyDataset, getDataset, readRows } from './service.js';
import { RowsQuerySchema } from './schema.js';

/** Datasets (docs/http-api.md, "Datasets"); their content goes out through the documents' content route. */
export function datasetsRouter(deps: Deps) {
  const router = Router();

  router.get('/api/documents/:documentId/dataset', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const doc = await findDocumentFor(ctx, pathId(req.params.documentId), 'view', 'dataset.read', { contentRequest: false });
    res.json(await getDataset(ctx, doc));
  });

  router.put('/api/documents/:documentId/dataset', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const doc = await findDocumentFor(ctx, pathId(req.params.documentId), 'view', 'dataset.classify', { contentRequest: false });
    res.json(await classifyDataset(ctx, doc, req.body));
  });

  router.get('/api/documents/:documentId/rows', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const query = parseInput(RowsQuerySchema, req.query);
    const doc = await findDocumentFor(ctx, pathId(req.params.documentId), 'view', 'document.view', { contentRequest: true });
    res.set('Cache-Control', 'no-store');
    res.json(await readRows(ctx, doc, query));
  });

  return router;
}
