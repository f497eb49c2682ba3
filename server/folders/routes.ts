import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateFolderSchema, UpdateFolderSchema } from './schema.js';
import { createFolder, listFolders, updateFolder } from './service.js';
import { presentFolder } from './presenter.js';

export function foldersRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/folders', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentFolder(await createFolder(ctx, pathId(req.params.roomId), parseInput(CreateFolderSchema, req.body))));
  });
  router.get('/api/rooms/:roomId/folders', async (req, res) => {
    const folders = await listFolders(await contextOf(req, deps), pathId(req.params.roomId));
    res.json({ items: folders.map(presentFolder), nextCursor: null });
  });
  router.patch('/api/rooms/:roomId/folders/:folderId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const input = parseInput(UpdateFolderSchema, req.body);
    res.json(presentFolder(await updateFolder(ctx, pathId(req.params.roomId), pathId(req.params.folderId), input)));
  });
  return router;
}
