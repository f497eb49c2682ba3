import { Router, type Request } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { unauthenticated } from '../errors.js';
import { DisableMfaSchema, EnableMfaSchema } from './schema.js';
import { disableMfa, enableMfa, mfaStatus, setupMfa } from './mfa-service.js';
import { accountContextOf } from './account-context.js';
import { currentSessionOf, saveSession } from './current-session.js';

/**
 * TOTP enrolment (docs/http-api.md, Second factor): setup hands out the secret, enable switches it on with a first code and
 * the current password; disable switches it off with the current password.
 */
export function mfaRouter(deps: Deps) {
  const router = Router();
  router.get('/api/auth/mfa', async (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json(await mfaStatus(deps.db, req.actor));
  });
  router.post('/api/auth/mfa/setup', async (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json(await setupMfa(deps.db, deps.config, req.actor));
  });
  router.post('/api/auth/mfa/enable', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    res.json(await enableMfa(ctx, parseInput(EnableMfaSchema, req.body), currentSessionOf(req)));
  });
  router.post('/api/auth/mfa/disable', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    const answer = await disableMfa(ctx, parseInput(DisableMfaSchema, req.body), currentSessionOf(req));
    await forgetSecondFactor(req);
    res.json(answer);
  });
  return router;
}

/** The session that turned MFA off no longer stands on a second factor (rooms requiring MFA ask again). */
async function forgetSecondFactor(req: Request) {
  if (req.actor?.via !== 'session') return;
  (req.session as { mfa?: boolean }).mfa = false;
  await saveSession(req);
}
