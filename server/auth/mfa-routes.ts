import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { unauthenticated } from '../errors.js';
import { EnableMfaSchema } from './schema.js';
import { enableMfa, setupMfa } from './mfa-service.js';

/** TOTP enrolment (API.md): setup hands out the secret, enable switches it on with a first code. */
export function mfaRouter(deps: Deps) {
  const router = Router();
  router.post('/api/auth/mfa/setup', async (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json(await setupMfa(deps.db, deps.config, req.actor));
  });
  router.post('/api/auth/mfa/enable', async (req, res) => {
    if (!req.actor) throw unauthenticated();
    const { otp } = parseInput(EnableMfaSchema, req.body);
    res.json(await enableMfa(deps.db, deps.config, req.actor, otp));
  });
  return router;
}
