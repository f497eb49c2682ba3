import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateGrantSchema } from './schema.js';
import { createGrant, deleteGrant, listGrants } from './service.js';
import { presentGrant } from './presenter.js';

export function grantsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/grants', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentGrant(await createGrant(ctx, pathId(req.params.roomId), parseInput(CreateGrantSchema, req.body))));
  });
  router.get('/api/rooms/:roomId/grants', async (req, res) => {
    const grants = await listGrants(await contextOf(req, deps), pathId(req.params.roomId));
    res.json({ items: grants.map(presentGrant), nextCursor: null });
  });
  router.delete('/api/rooms/:roomId/grants/:grantId', async (req, res) => {
    await deleteGrant(await contextOf(req, deps), pathId(req.params.roomId), pathId(req.params.grantId));
    res.status(204).end();
  });
  return router;
}
