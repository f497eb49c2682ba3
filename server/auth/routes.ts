import { Router, type Request } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { unauthenticated } from '../errors.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import type { Actor } from './actor.js';
import { csrfTokenOf } from './csrf.js';
import type { createPassport } from './passport.js';
import { LoginSchema } from './schema.js';
import { mfaRouter } from './mfa-routes.js';
import { apiTokenRouter } from './api-token-routes.js';
import { passwordRouter } from './password-routes.js';
import { beginSession, saveSession } from './current-session.js';
import { recordSignIn, signIn } from './sign-in.js';

type Passport = ReturnType<typeof createPassport>;

export const presentMe = (a: Actor) => ({ id: a.id, email: a.email, name: a.name, orgId: a.orgId, role: a.role });

const authenticateLocal = (passport: Passport, req: Request) =>
  new Promise<Actor | false>((resolve, reject) => {
    passport.authenticate('local', { session: false }, (err: unknown, user: Actor | false) => (err ? reject(err) : resolve(user)))(req, req.res!, () => undefined);
  });

export function authRouter(deps: Deps, passport: Passport) {
  const router = Router();

  router.post('/api/auth/login', async (req, res) => {
    const input = parseInput(LoginSchema, req.body);
    const { user, mfa } = await signIn(deps, input, req.ip, () => authenticateLocal(passport, req));
    const csrfToken = await beginSession(req, user, mfa);
    await recordSignIn(deps.db, user, req.ip, mfa);
    res.json({ user: presentMe(user), csrfToken });
  });

  router.post('/api/auth/logout', async (req, res) => {
    const actor = req.actor;
    if (!actor) throw unauthenticated();
    await new Promise<void>((resolve, reject) => req.logout((err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve) => (req.session ? req.session.destroy(() => resolve()) : resolve()));
    await appendAuditEvent(deps.db, { actorId: actor.id, action: 'auth.logout', subjectType: 'User', subjectId: actor.id, decision: 'allow', details: {} });
    res.clearCookie('gatehouse.sid', { path: '/' });
    res.status(204).end();
  });

  router.get('/api/auth/csrf', async (req, res) => {
    if (!req.actor) throw unauthenticated();
    const token = csrfTokenOf(req.session as { csrfToken?: string });
    if (req.actor.via === 'session') await saveSession(req); // stored before the client can use it
    res.json({ token });
  });

  router.get('/api/me', (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json(presentMe(req.actor));
  });

  router.use(mfaRouter(deps));
  router.use(apiTokenRouter(deps));
  router.use(passwordRouter(deps));
  return router;
}
