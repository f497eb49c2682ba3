import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { ChangePasswordSchema } from './schema.js';
import { accountContextOf } from './account-context.js';
import { currentSessionOf } from './current-session.js';
import { changePassword } from './password-service.js';

/** The caller's own password: changed with the current one, under the password policy. */
export function passwordRouter(deps: Deps) {
  const router = Router();
  router.post('/api/auth/password', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    await changePassword(ctx, parseInput(ChangePasswordSchema, req.body), currentSessionOf(req));
    res.status(204).end();
  });
  return router;
}
