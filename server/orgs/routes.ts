import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { contextOf } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateOrgSchema, ListOrgsQuerySchema, UpdateOrgSchema } from './schema.js';
import { createOrg, listOrgs, renameOrg } from './service.js';
import { presentOrg } from './presenter.js';

export function orgsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/orgs', async (req, res) => {
    const input = parseInput(CreateOrgSchema, req.body);
    const org = await createOrg(await contextOf(req, deps), input);
    res.status(201).json(presentOrg(org));
  });
  router.get('/api/orgs', async (req, res) => {
    const page = await listOrgs(await contextOf(req, deps), parseInput(ListOrgsQuerySchema, req.query));
    res.json({ items: page.items.map(presentOrg), nextCursor: page.nextCursor });
  });
  router.patch('/api/orgs/:orgId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentOrg(await renameOrg(ctx, pathId(req.params.orgId), parseInput(UpdateOrgSchema, req.body))));
  });
  return router;
}
