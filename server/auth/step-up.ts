import { HttpError, denied } from '../errors.js';
import { findActiveUserById } from '../users/repository.js';
import { verifyPassword } from './passwords.js';
import { chargeAttempt, clearAccountFailuresFromIp, refundAttempt, throttleKeys } from './login-throttle.js';
import type { AccountContext } from './account-context.js';

export const RECENT_SIGN_IN_MINUTES = 10;

const signedInRecently = (ctx: AccountContext) =>
  ctx.signedInAt !== null && Date.parse(ctx.at) - Date.parse(ctx.signedInAt) < RECENT_SIGN_IN_MINUTES * 60_000;

const reauthenticationRequired = (field: string) =>
  new HttpError(403, 'reauthentication_required', 'Confirm your current password (currentPassword) to change how you sign in.', { currentPassword: field });

/**
 * Step-up: changing how an account signs in (its password, its second factor, a new API token) needs
 * the current password, not just a session or a token. Whoever holds a stolen session cookie or a
 * leaked token could otherwise bind their own authenticator, mint a long-lived token, or change the
 * password and shut the owner out.
 *
 * A session that signed in within the last RECENT_SIGN_IN_MINUTES may skip the password for what
 * a new user does right after signing in (a first API token, enrolling TOTP), as docs/http-api.md (Step-up) allows:
 * a cookie stolen later, or any bearer token, still needs it. Disabling TOTP and changing the
 * password always need it.
 *
 * The guess is charged to the login throttle of the account from this IP first, exactly like a
 * sign-in: a stolen session must not become an unthrottled oracle for the password. A missing password
 * is no guess and is not charged. Every refusal is in the ledger under the action that was refused.
 */
export async function assertCurrentPassword(
  ctx: AccountContext,
  currentPassword: string | undefined,
  action: string,
  opts: { recentSignInSuffices?: boolean } = {},
): Promise<void> {
  const refuse = (reason: string, error: HttpError) => denied({ action, subjectType: 'User', subjectId: ctx.actor.id, reason }, error);
  if (!currentPassword && opts.recentSignInSuffices && signedInRecently(ctx)) return;
  if (!currentPassword) throw refuse('current password missing', reauthenticationRequired('required'));
  const keys = throttleKeys(ctx.config, ctx.actor.email, ctx.client.ip);
  let charge;
  try {
    charge = await chargeAttempt(ctx.db, ctx.config.loginThrottle, keys);
  } catch (err) {
    if (err instanceof HttpError) throw refuse('rate limited', err);
    throw err;
  }
  const user = await findActiveUserById(ctx.db, ctx.actor.id);
  if (!user || !(await verifyPassword(user.passwordHash, currentPassword))) {
    throw refuse('wrong current password', reauthenticationRequired('does not match'));
  }
  await refundAttempt(ctx.db, charge);
  await clearAccountFailuresFromIp(ctx.db, keys);
}
