import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { ConfirmSchema, DecisionSchema } from './schema.js';
import { confirmNda, listNdas, openNdaFile, registerNda, rejectNda, terminateNda } from './service.js';
import { presentNda } from './presenter.js';
import { incomingUpload } from '../uploads/incoming-upload.js';

export function ndasRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/ndas', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentNda(await registerNda(ctx, pathId(req.params.roomId), incomingUpload(req)), ctx));
  });
  router.get('/api/rooms/:roomId/ndas', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const ndas = await listNdas(ctx, pathId(req.params.roomId));
    res.json({ items: ndas.map((n) => presentNda(n, ctx)), nextCursor: null });
  });
  router.get('/api/rooms/:roomId/ndas/:ndaId/file', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { nda, stream } = await openNdaFile(ctx, pathId(req.params.roomId), pathId(req.params.ndaId));
    res.set({
      'Content-Type': 'application/pdf',
      'Content-Length': String(nda.size),
      'Content-Disposition': dispositionHeader('attachment', nda.fileName, 'nda.pdf'),
    });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  router.post('/api/rooms/:roomId/ndas/:ndaId/confirm', async (req, res) => {
    const ctx = await contextOf(req, deps);
    parseInput(ConfirmSchema, req.body ?? {});
    res.json(presentNda(await confirmNda(ctx, pathId(req.params.roomId), pathId(req.params.ndaId)), ctx));
  });
  router.post('/api/rooms/:roomId/ndas/:ndaId/reject', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { reason } = parseInput(DecisionSchema, req.body);
    res.json(presentNda(await rejectNda(ctx, pathId(req.params.roomId), pathId(req.params.ndaId), reason), ctx));
  });
  router.post('/api/rooms/:roomId/ndas/:ndaId/terminate', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { reason } = parseInput(DecisionSchema, req.body);
    res.json(presentNda(await terminateNda(ctx, pathId(req.params.roomId), pathId(req.params.ndaId), reason), ctx));
  });
  return router;
}
