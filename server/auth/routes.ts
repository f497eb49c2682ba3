import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { HttpError, unauthenticated } from '../errors.js';
import { appendAuditEvent } from '../audit/ledger.js';
import { findUserByEmail } from '../users/repository.js';
import { isoNow } from '../clock.js';
import type { Actor } from './actor.js';
import { csrfTokenOf } from './csrf.js';
import type { createPassport } from './passport.js';

type Passport = ReturnType<typeof createPassport>;
import { newSecret, sha256Hex } from './secret-hash.js';
import { CreateTokenSchema, LoginSchema } from './schema.js';

const presentMe = (a: Actor) => ({ id: a.id, email: a.email, name: a.name, orgId: a.orgId, role: a.role });

const authenticateLocal = (passport: Passport, req: Request) =>
  new Promise<Actor | false>((resolve, reject) => {
    passport.authenticate('local', { session: false }, (err: unknown, user: Actor | false) => (err ? reject(err) : resolve(user)))(req, req.res!, () => undefined);
  });

const logIn = (req: Request, user: Actor) =>
  new Promise<void>((resolve, reject) => req.logIn(user, (err) => (err ? reject(err) : resolve())));

export function authRouter(deps: Deps, passport: Passport) {
  const router = Router();

  router.post('/api/auth/login', async (req, res) => {
    const input = parseInput(LoginSchema, req.body);
    const user = await authenticateLocal(passport, req);
    if (!user) {
      // The ledger names the account tried (by id) when there is one; an unknown email is kept only as a hash.
      const known = await findUserByEmail(deps.db, input.email);
      await appendAuditEvent(deps.db, {
        actorId: known?.id ?? null,
        action: 'auth.login',
        subjectType: 'User',
        subjectId: known?.id ?? null,
        decision: 'deny',
        details: { reason: 'invalid credentials', emailSha256: known ? undefined : sha256Hex(input.email.trim().toLowerCase()), ip: req.ip },
      });
      throw new HttpError(401, 'invalid_credentials', 'The email or password is not correct.');
    }
    // passport regenerates the session id here: a session fixed before login is worthless after it.
    await logIn(req, user);
    (req.session as { createdAt?: string }).createdAt = isoNow();
    await appendAuditEvent(deps.db, { actorId: user.id, action: 'auth.login', subjectType: 'User', subjectId: user.id, decision: 'allow', details: { ip: req.ip } });
    res.json({ user: presentMe(user), csrfToken: csrfTokenOf(req.session as { csrfToken?: string }) });
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

  router.get('/api/auth/csrf', (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json({ token: csrfTokenOf(req.session as { csrfToken?: string }) });
  });

  router.get('/api/me', (req, res) => {
    if (!req.actor) throw unauthenticated();
    res.json(presentMe(req.actor));
  });

  router.post('/api/auth/tokens', async (req, res) => {
    const actor = req.actor;
    if (!actor) throw unauthenticated();
    const { name } = parseInput(CreateTokenSchema, req.body);
    const token = `gh_${newSecret(32)}`;
    const row = { id: randomUUID(), userId: actor.id, name, tokenHash: sha256Hex(token), createdAt: isoNow() };
    await deps.db.transaction(async (trx) => {
      await trx('apiTokens').insert(row);
      await appendAuditEvent(trx, { actorId: actor.id, action: 'auth.token.create', subjectType: 'ApiToken', subjectId: row.id, decision: 'allow', details: { name } });
    });
    res.status(201).json({ id: row.id, name, token });
  });

  return router;
}
