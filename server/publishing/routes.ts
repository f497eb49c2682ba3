import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { PublishPreviewQuerySchema, PublishSchema } from './schema.js';
import { previewPublication, publish } from './service.js';

export function publishingRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/publish/preview', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await previewPublication(ctx, pathId(req.params.roomId), parseInput(PublishPreviewQuerySchema, req.query)));
  });
  router.post('/api/rooms/:roomId/publish', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await publish(ctx, pathId(req.params.roomId), parseInput(PublishSchema, req.body)));
  });
  return router;
}
