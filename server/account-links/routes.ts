import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { beginSession } from '../auth/current-session.js';
import { toActor } from '../auth/actor.js';
import { presentMe } from '../auth/routes.js';
import { AcceptInvitationSchema, ForgotPasswordSchema, ResetPasswordSchema } from './schema.js';
import { acceptInvitation, chargePasswordResetRequest, resetPassword, sendPasswordReset } from './service.js';

/** The links mailed to people (PUBLIC_URL/invitation#token=…, /reset-password#token=…) land here; callable signed out. */
export function accountLinksRouter(deps: Deps) {
  const router = Router();

  router.post('/api/auth/invitation/accept', async (req, res) => {
    const input = parseInput(AcceptInvitationSchema, req.body);
    const { user, mfaEnrolmentRequired } = await acceptInvitation(deps, input, req.ip ?? null);
    // Signed in with the password just set; like a login, it replaces whatever session the browser had.
    const csrfToken = await beginSession(req, toActor(user, 'session'), false);
    res.json({ user: presentMe(toActor(user, 'session')), mfaEnrolmentRequired, csrfToken });
  });

  router.post('/api/auth/password/forgot', async (req, res) => {
    const { email } = parseInput(ForgotPasswordSchema, req.body);
    await chargePasswordResetRequest(deps, email, req.ip ?? null);
    res.status(202).json({ accepted: true });
    // After the answer: its timing must not tell an address with an account from one without.
    await sendPasswordReset(deps, email, req.ip ?? null).catch((err: unknown) => req.log?.error({ err }, 'password reset mail not queued'));
  });

  router.post('/api/auth/password/reset', async (req, res) => {
    await resetPassword(deps, parseInput(ResetPasswordSchema, req.body), req.ip ?? null);
    res.status(204).end();
  });
  return router;
}
