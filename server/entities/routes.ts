import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateEntitySchema, ListEntitiesQuerySchema, UpdateEntitySchema } from './schema.js';
import { createEntity, listEntities, updateEntity } from './service.js';
import { presentEntity } from './presenter.js';

export function entitiesRouter(deps: Deps) {
  const router = Router();
  router.post('/api/entities', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentEntity(await createEntity(ctx, parseInput(CreateEntitySchema, req.body))));
  });
  router.get('/api/entities', async (req, res) => {
    const page = await listEntities(await contextOf(req, deps), parseInput(ListEntitiesQuerySchema, req.query));
    res.json({ items: page.items.map(presentEntity), nextCursor: page.nextCursor });
  });
  router.patch('/api/entities/:entityId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentEntity(await updateEntity(ctx, pathId(req.params.entityId), parseInput(UpdateEntitySchema, req.body))));
  });
  return router;
}
