import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { contextOf } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { CreateOrgSchema } from './schema.js';
import { createOrg, listOrgs } from './service.js';
import { presentOrg } from './presenter.js';

export function orgsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/orgs', async (req, res) => {
    const input = parseInput(CreateOrgSchema, req.body);
    const org = await createOrg(await contextOf(req, deps), input);
    res.status(201).json(presentOrg(org));
  });
  router.get('/api/orgs', async (req, res) => {
    const orgs = await listOrgs(await contextOf(req, deps));
    res.json({ items: orgs.map(presentOrg), nextCursor: null });
  });
  return router;
}
