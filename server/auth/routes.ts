import { Router, type Request } from 'express';
import type { Deps } from '../service-context.js';
import { parseInput } from '../http/validate.js';
import { HttpError, unauthenticated } from '../errors.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { findUserByEmail, findUserById } from '../users/repository.js';
import { isoNow } from '../clock.js';
import type { Actor } from './actor.js';
import { csrfTokenOf } from './csrf.js';
import type { createPassport } from './passport.js';
import { emailPseudonym } from '../security/email-pseudonym.js';
import { LoginSchema } from './schema.js';
import { chargeAttempt, clearAccountFailuresFromIp, refundAttempt, throttleKeys, type AttemptCharge } from './login-throttle.js';
import { consumeRecoveryCode, consumeTotp } from './mfa-service.js';
import { mfaRouter } from './mfa-routes.js';
import { apiTokenRouter } from './api-token-routes.js';
import { passwordRouter } from './password-routes.js';
import { saveSession } from './current-session.js';

type Passport = ReturnType<typeof createPassport>;

const otpRequired = () => new HttpError(401, 'otp_required', 'A current code from your authenticator app (or a recovery code) is required.');

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
    const keys = throttleKeys(deps.config, input.email, req.ip);
    const known = () => findUserByEmail(deps.db, input.email);
    const deny = async (reason: string, error: HttpError) => {
      // The ledger names the account tried (by id) when there is one; an unknown email only as a keyed pseudonym.
      const user = await known();
      await appendAuditEvent(deps.db, {
        actorId: user?.id ?? null,
        action: 'auth.login',
        subjectType: 'User',
        subjectId: user?.id ?? null,
        decision: 'deny',
        details: { reason, emailPseudonym: user ? undefined : emailPseudonym(deps.config, input.email.trim().toLowerCase()), ip: req.ip },
      });
      return error;
    };
    let charge: AttemptCharge;
    try {
      charge = await chargeAttempt(deps.db, deps.config.loginThrottle, keys);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      throw await deny('rate limited', err); // the error handler sets Retry-After
    }
    // From here the attempt counts as failed unless it is refunded.
    const user = await authenticateLocal(passport, req);
    if (!user) throw await deny('invalid credentials', new HttpError(401, 'invalid_credentials', 'The email or password is not correct.'));
    const mfaEnabled = Boolean((await findUserById(deps.db, user.id))?.mfaEnabled);
    if (mfaEnabled) {
      const secondFactor = input.otp
        ? await consumeTotp(deps.db, deps.config, user.id, input.otp)
        : input.recoveryCode
          ? await consumeRecoveryCode(deps.db, user.id, input.recoveryCode)
          : false;
      if (!secondFactor) {
        // A wrong or replayed code is a failed attempt (six digits are guessable); a missing one is
        // just the first step of a two-step sign-in.
        if (!input.otp && !input.recoveryCode) await refundAttempt(deps.db, charge);
        throw await deny(input.otp || input.recoveryCode ? 'wrong or used second factor' : 'second factor missing', otpRequired());
      }
    }
    await refundAttempt(deps.db, charge);
    await clearAccountFailuresFromIp(deps.db, keys);
    // passport regenerates the session id here: a session fixed before login is worthless after it.
    await logIn(req, user);
    const sess = req.session as { createdAt?: string; mfa?: boolean };
    sess.createdAt = isoNow();
    sess.mfa = mfaEnabled;
    await appendAuditEvent(deps.db, { actorId: user.id, action: 'auth.login', subjectType: 'User', subjectId: user.id, decision: 'allow', details: { ip: req.ip, mfa: mfaEnabled } });
    const csrfToken = csrfTokenOf(req.session as { csrfToken?: string });
    await saveSession(req);
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
