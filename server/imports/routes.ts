import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { pathId } from '../http/validate.js';
import { incomingUpload } from '../uploads/incoming-upload.js';
import { importZip } from './service.js';
import { presentImport } from './presenter.js';

export function importsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/imports', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentImport(await importZip(ctx, pathId(req.params.roomId), incomingUpload(req))));
  });
  return router;
}
