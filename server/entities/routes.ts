import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { CreateEntitySchema } from './schema.js';
import { createEntity, listEntities } from './service.js';
import { presentEntity } from './presenter.js';

export function entitiesRouter(deps: Deps) {
  const router = Router();
  router.post('/api/entities', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentEntity(await createEntity(ctx, parseInput(CreateEntitySchema, req.body))));
  });
  router.get('/api/entities', async (req, res) => {
    const entities = await listEntities(await contextOf(req, deps));
    res.json({ items: entities.map(presentEntity), nextCursor: null });
  });
  return router;
}
