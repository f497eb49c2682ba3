import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { SetIpAllowlistSchema } from './schema.js';
import { getIpAllowlist, setIpAllowlist } from './service.js';

export function ipAllowlistsRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/parties/:partyId/ip-allowlist', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await getIpAllowlist(ctx, pathId(req.params.roomId), pathId(req.params.partyId)));
  });
  router.put('/api/rooms/:roomId/parties/:partyId/ip-allowlist', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const input = parseInput(SetIpAllowlistSchema, req.body);
    res.json(await setIpAllowlist(ctx, pathId(req.params.roomId), pathId(req.params.partyId), input));
  });
  return router;
}
