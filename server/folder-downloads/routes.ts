import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { FolderZipQuerySchema } from './schema.js';
import { planFolderZip, writeFolderZip } from './service.js';

export function folderDownloadsRouter(deps: Deps) {
  const router = Router();

  router.get('/api/rooms/:roomId/download.zip', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { folderId } = parseInput(FolderZipQuerySchema, req.query);
    // Every refusal is decided here, before the first byte: afterwards only a broken stream can say something went wrong.
    const plan = await planFolderZip(ctx, pathId(req.params.roomId), folderId);
    res.set({
      'Content-Type': 'application/zip',
      'Content-Disposition': dispositionHeader('attachment', plan.fileName, 'documents.zip'),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    try {
      await writeFolderZip(ctx, plan, res);
    } catch (err) {
      // Nothing sent yet: the error handler answers. Once the archive has begun, the connection is
      // cut so that what arrived cannot pass for a complete ZIP without the failed file.
      if (!res.headersSent) throw err;
      // A client that went away is no fault; anything else is the operator's business.
      if (!res.destroyed) req.log.error({ err }, 'folder ZIP failed midway: connection cut');
      res.destroy();
    }
  });

  return router;
}
