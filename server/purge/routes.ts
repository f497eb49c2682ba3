import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { PurgeRoomSchema } from './schema.js';
import { ledgerPublicKeyPem, purgeRoom, readPurge } from './service.js';
import { presentCertificate, presentPurgeState } from './presenter.js';

export function purgeRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/purge', async (req, res) => {
    const ctx = await contextOf(req, deps);
    parseInput(PurgeRoomSchema, req.body ?? {});
    res.json(presentCertificate(await purgeRoom(ctx, pathId(req.params.roomId)), ledgerPublicKeyPem(deps.config)));
  });
  router.get('/api/rooms/:roomId/purge', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentPurgeState(await readPurge(ctx, pathId(req.params.roomId)), ledgerPublicKeyPem(deps.config)));
  });
  return router;
}
