import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { ServiceContext } from '../service-context.js';
import { HttpError, conflict, notFound } from '../errors.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { isoNow } from '../clock.js';
import { hashPassword } from '../auth/passwords.js';
import { signOutEverywhere } from '../auth/sign-out-everywhere.js';
import { chargeAttempt, throttleKeys } from '../auth/login-throttle.js';
import { toActor } from '../auth/actor.js';
import { findUserByEmail, findUserById, type UserRow } from '../users/repository.js';
import { queueMail } from '../mail/outbox.js';
import { accountChangedMail, invitationMail, passwordResetMail, type AccountChange } from '../mail/templates.js';
import { endAccountTokens, issueAccountToken, spendAccountToken } from './account-tokens.js';
import type { AcceptInvitationInput, ResetPasswordInput } from './schema.js';

type MailDeps = { config: Pick<Config, 'mail'> };

/** One answer for a link that is unknown, used, replaced or expired: which of the four is nobody's business. */
export const invalidToken = () => new HttpError(400, 'invalid_token', 'This link is not valid: it is unknown, was used already, was replaced by a newer one or has expired.');

/**
 * Mails a user their invitation link (and kills the earlier one). Pass the transaction that made
 * or re-invited the user; `roomLabel` names the room they are invited to, as they may see it.
 */
export async function sendInvitation(trx: Db, deps: MailDeps, user: Pick<UserRow, 'id' | 'email' | 'name'>, at: string, roomLabel?: string) {
  const { mail } = deps.config;
  const token = await issueAccountToken(trx, user.id, 'invitation', mail.invitationTtlMs, at);
  const content = invitationMail({ name: user.name, url: `${mail.publicUrl}/invitation#token=${token}`, ttlMs: mail.invitationTtlMs, roomLabel });
  await queueMail(trx, deps.config, { kind: 'invitation', to: user.email, toUserId: user.id, at, ...content });
}

/** Tells a user their account changed how it signs in (step-up changes, resets): a stolen session's work does not go unnoticed. */
export async function sendAccountNotice(trx: Db, deps: MailDeps, user: Pick<UserRow, 'id' | 'email' | 'name'>, change: AccountChange, at: string) {
  const content = accountChangedMail({ name: user.name, change, at, signInUrl: deps.config.mail.publicUrl });
  await queueMail(trx, deps.config, { kind: 'account_changed', to: user.email, toUserId: user.id, at, ...content });
}

/** A new invitation mail for a user who has not accepted yet; the previous link stops working. */
export async function reinviteUser(ctx: ServiceContext, userId: string): Promise<void> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.invite', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  if (user.status !== 'invited' || user.disabledAt) throw conflict('not_invited', 'This user has accepted their invitation already, or is disabled.');
  await ctx.db.transaction(async (trx) => {
    await sendInvitation(trx, ctx, user, ctx.at);
    await recordAllowed(trx, ctx, { action: 'user.invite', subjectType: 'User', subjectId: userId, details: { again: true } });
  });
}

/** Whether any room the user takes part in requires a second factor they have not enrolled yet. */
async function mfaEnrolmentRequired(db: Db, user: UserRow): Promise<boolean> {
  if (user.mfaEnabled) return false;
  const room = await db('partyMembers').join('rooms', 'rooms.id', 'partyMembers.roomId').where({ 'partyMembers.userId': user.id, 'rooms.requireMfa': true }).first('rooms.id');
  return Boolean(room);
}

/**
 * Accepting an invitation: the link's secret is spent, the password set and the account active, in
 * one transaction. The caller starts the session.
 */
export async function acceptInvitation(deps: { db: Db }, input: AcceptInvitationInput, ip: string | null): Promise<{ user: UserRow; mfaEnrolmentRequired: boolean }> {
  const passwordHash = await hashPassword(input.password);
  const at = isoNow();
  const userId = await deps.db.transaction(async (trx) => {
    const id = await spendAccountToken(trx, input.token, 'invitation', at);
    const user = id ? await findUserById(trx, id) : undefined;
    if (!user || user.status !== 'invited' || user.disabledAt) return null;
    await trx('users').where({ id: user.id }).update({ passwordHash, status: 'active' });
    await endAccountTokens(trx, user.id, at);
    await appendAuditEvent(trx, { actorId: user.id, action: 'user.invitation.accept', subjectType: 'User', subjectId: user.id, decision: 'allow', details: { ip } });
    return user.id;
  });
  if (!userId) {
    await appendAuditEvent(deps.db, { actorId: null, action: 'user.invitation.accept', decision: 'deny', details: { reason: 'invalid token', ip } });
    throw invalidToken();
  }
  const user = (await findUserById(deps.db, userId))!;
  return { user, mfaEnrolmentRequired: await mfaEnrolmentRequired(deps.db, user) };
}

/**
 * Forgot password: throttled like a sign-in (by the address given and the caller's IP, whether the
 * account exists or not), then — after the 202 has gone, so the answer's timing says nothing of
 * whether the account exists — an active user gets a reset link. Everyone else gets nothing.
 */
export async function chargePasswordResetRequest(deps: { db: Db; config: Config }, email: string, ip: string | null): Promise<void> {
  await chargeAttempt(deps.db, deps.config.loginThrottle, throttleKeys(deps.config, email, ip));
}

export async function sendPasswordReset(deps: { db: Db; config: Config }, email: string, ip: string | null): Promise<void> {
  const user = await findUserByEmail(deps.db, email);
  const at = isoNow();
  if (!user || user.status !== 'active' || user.disabledAt) return;
  const { mail } = deps.config;
  await deps.db.transaction(async (trx) => {
    const token = await issueAccountToken(trx, user.id, 'reset', mail.passwordResetTtlMs, at);
    const content = passwordResetMail({ name: user.name, url: `${mail.publicUrl}/reset-password#token=${token}`, ttlMs: mail.passwordResetTtlMs });
    await queueMail(trx, deps.config, { kind: 'password_reset', to: user.email, toUserId: user.id, at, ...content });
    await appendAuditEvent(trx, { actorId: null, action: 'auth.password.reset.request', subjectType: 'User', subjectId: user.id, decision: 'allow', details: { ip } });
  });
}

/**
 * Resetting a password from a link: the secret is spent and the password set, and every session and
 * API token of the user ends (whoever held the old password is out), in one transaction; the user
 * is told by mail. A second factor stays on: a reset link alone never opens an account that has one.
 */
export async function resetPassword(deps: { db: Db; config: Config }, input: ResetPasswordInput, ip: string | null): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const at = isoNow();
  const done = await deps.db.transaction(async (trx) => {
    const id = await spendAccountToken(trx, input.token, 'reset', at);
    const user = id ? await findUserById(trx, id) : undefined;
    if (!user || user.status !== 'active' || user.disabledAt) return false;
    await trx('users').where({ id: user.id }).update({ passwordHash });
    await endAccountTokens(trx, user.id, at);
    const ended = await signOutEverywhere(trx, user.id);
    await recordAllowed(trx, { actor: toActor(user, 'session'), client: { ip, userAgent: null } }, { action: 'auth.password.reset', subjectType: 'User', subjectId: user.id, details: ended });
    await sendAccountNotice(trx, deps, user, 'password_reset', at);
    return true;
  });
  if (!done) {
    await appendAuditEvent(deps.db, { actorId: null, action: 'auth.password.reset', decision: 'deny', details: { reason: 'invalid token', ip } });
    throw invalidToken();
  }
}
