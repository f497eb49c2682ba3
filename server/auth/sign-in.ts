import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { HttpError } from '../errors.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { findUserByEmail, findUserById } from '../users/repository.js';
import { emailPseudonym } from '../security/email-pseudonym.js';
import type { Actor } from './actor.js';
import type { LoginInput } from './schema.js';
import { chargeAttempt, clearAccountFailuresFromIp, refundAttempt, throttleKeys, type AttemptCharge } from './login-throttle.js';
import { consumeRecoveryCode, consumeTotp } from './mfa-service.js';

const otpRequired = () => new HttpError(401, 'otp_required', 'A current code from your authenticator app (or a recovery code) is required.');

/**
 * The sign-in flow, up to the session: the attempt is charged to the throttle of the account from
 * this address (and of the address) before the password is checked and refunded only on success;
 * a user with TOTP on also needs a current code or an unused recovery code. Every refusal is in the
 * ledger — the account tried by id when there is one, an unknown email only as a keyed pseudonym.
 * `checkPassword` is the password strategy's verdict (the router runs passport's).
 */
export async function signIn(
  deps: { db: Db; config: Config },
  input: LoginInput,
  ip: string | undefined,
  checkPassword: () => Promise<Actor | false>,
): Promise<{ user: Actor; mfa: boolean }> {
  const keys = throttleKeys(deps.config, input.email, ip);
  // Signing in has no caller yet, so no DeniedError: the refusal is recorded here, then thrown.
  const deny = async (reason: string, error: HttpError): Promise<never> => {
    const user = await findUserByEmail(deps.db, input.email);
    await appendAuditEvent(deps.db, {
      actorId: user?.id ?? null,
      action: 'auth.login',
      subjectType: 'User',
      subjectId: user?.id ?? null,
      decision: 'deny',
      details: { reason, emailPseudonym: user ? undefined : emailPseudonym(deps.config, input.email.trim().toLowerCase()), ip },
    });
    throw error;
  };
  let charge: AttemptCharge;
  try {
    charge = await chargeAttempt(deps.db, deps.config.loginThrottle, keys);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return deny('rate limited', err); // the error handler sets Retry-After
  }
  // From here the attempt counts as failed unless it is refunded.
  const user = await checkPassword();
  if (!user) return deny('invalid credentials', new HttpError(401, 'invalid_credentials', 'The email or password is not correct.'));
  const mfa = Boolean((await findUserById(deps.db, user.id))?.mfaEnabled);
  if (mfa) {
    const secondFactor = input.otp
      ? await consumeTotp(deps.db, deps.config, user.id, input.otp)
      : input.recoveryCode
        ? await consumeRecoveryCode(deps.db, user.id, input.recoveryCode)
        : false;
    if (!secondFactor) {
      // A wrong or replayed code is a failed attempt (six digits are guessable); a missing one is
      // just the first step of a two-step sign-in.
      if (!input.otp && !input.recoveryCode) await refundAttempt(deps.db, charge);
      return deny(input.otp || input.recoveryCode ? 'wrong or used second factor' : 'second factor missing', otpRequired());
    }
  }
  await refundAttempt(deps.db, charge);
  await clearAccountFailuresFromIp(deps.db, keys);
  return { user, mfa };
}

/** The ledger's record of a sign-in that went through, once its session exists. */
export const recordSignIn = (db: Db, user: Actor, ip: string | undefined, mfa: boolean) =>
  appendAuditEvent(db, { actorId: user.id, action: 'auth.login', subjectType: 'User', subjectId: user.id, decision: 'allow', details: { ip, mfa } });
