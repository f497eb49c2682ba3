import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { SearchQuerySchema } from './schema.js';
import { searchRoom } from './service.js';

export function searchRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/search', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    res.json(await searchRoom(ctx, roomId, parseInput(SearchQuerySchema, req.query)));
  });
  return router;
}
