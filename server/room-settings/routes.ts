import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { UpdateRoomSettingsSchema } from './schema.js';
import { getRoomSettings, updateRoomSettings } from './service.js';

export function roomSettingsRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/settings', async (req, res) => {
    res.json(await getRoomSettings(await contextOf(req, deps), pathId(req.params.roomId)));
  });
  router.patch('/api/rooms/:roomId/settings', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await updateRoomSettings(ctx, pathId(req.params.roomId), parseInput(UpdateRoomSettingsSchema, req.body)));
  });
  return router;
}
