import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateGrantSchema } from './schema.js';
import { createGrant, deleteGrant, listGrants } from './service.js';
import { presentGrant } from './presenter.js';
import { MatrixImportQuerySchema } from './matrix-schema.js';
import { exportPermissionMatrix, importPermissionMatrix } from './permission-matrix.js';
import { incomingUpload } from '../uploads/incoming-upload.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { pipeline } from 'node:stream/promises';

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
  // The permission matrix (permission-matrix.ts): the room's grants as a spreadsheet, and back.
  router.get('/api/rooms/:roomId/grants.xlsx', async (req, res) => {
    const matrix = await exportPermissionMatrix(await contextOf(req, deps), pathId(req.params.roomId));
    res.set({
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': dispositionHeader('attachment', matrix.fileName, 'permissions.xlsx'),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    // Headers are out once the workbook streams: a failure after that can only cut the download short.
    await pipeline(matrix.body, res).catch(() => undefined);
  });
  router.post('/api/rooms/:roomId/grants/import', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const { dryRun } = parseInput(MatrixImportQuerySchema, req.query);
    res.json(await importPermissionMatrix(ctx, roomId, incomingUpload(req), { dryRun }));
  });
  return router;
}
