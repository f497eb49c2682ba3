import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { pathId } from '../http/validate.js';
import { traceLeak } from './service.js';
import { presentTrace } from './presenter.js';
import { incomingUpload } from '../uploads/incoming-upload.js';

export function traceRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/trace', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentTrace(await traceLeak(ctx, pathId(req.params.roomId), incomingUpload(req))));
  });
  return router;
}
