import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { PagingSchema } from '../http/paging.js';
import { CreateTokenSchema } from './schema.js';
import { accountContextOf } from './account-context.js';
import { createApiToken, listApiTokens, revokeApiToken } from './api-token-service.js';
import { presentApiToken } from './api-token-presenter.js';

/** API tokens, each for its owner only: mint (with the current password), list, revoke. */
export function apiTokenRouter(deps: Deps) {
  const router = Router();
  router.post('/api/auth/tokens', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    const { row, token } = await createApiToken(ctx, parseInput(CreateTokenSchema, req.body));
    res.status(201).json({ ...presentApiToken(row), token });
  });
  router.get('/api/auth/tokens', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    const page = await listApiTokens(ctx, parseInput(PagingSchema, { limit: req.query.limit, cursor: req.query.cursor }));
    res.json({ items: page.items.map(presentApiToken), nextCursor: page.nextCursor });
  });
  router.delete('/api/auth/tokens/:tokenId', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    await revokeApiToken(ctx, pathId(req.params.tokenId));
    res.status(204).end();
  });
  return router;
}
