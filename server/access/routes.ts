import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { ExplainAccessQuerySchema } from './schema.js';
import { explainUserAccess, viewAsParty } from './service.js';

export function accessRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/access', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await explainUserAccess(ctx, pathId(req.params.roomId), parseInput(ExplainAccessQuerySchema, req.query)));
  });
  router.get('/api/rooms/:roomId/access/party/:partyId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await viewAsParty(ctx, pathId(req.params.roomId), pathId(req.params.partyId)));
  });
  return router;
}
