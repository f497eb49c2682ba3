import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { Actor } from './actor.js';
import { conflict, denied, HttpError, invalidRequest } from '../errors.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { recordAllowed } from '../ledger/record.js';
import { sendAccountNotice } from '../account-links/service.js';
import { isoNow } from '../clock.js';
import { dataDirKey } from '../security/data-dir-key.js';
import { open, seal } from '../security/secret-box.js';
import { sha256Hex } from './secret-hash.js';
import { newTotpSecret, otpauthUrl, totpStepOf } from './totp.js';
import type { AccountContext } from './account-context.js';
import { assertCurrentPassword } from './step-up.js';
import { signOutEverywhere } from './sign-out-everywhere.js';

interface MfaUserRow {
  id: string;
  email: string;
  mfaEnabled: boolean | number;
  mfaSecret: string | null;
  mfaLastStep: number | string | null;
}

const RECOVERY_CODES = 10;

/**
 * TOTP seeds are sealed, never stored or logged in clear, with MFA_SEALING_KEY — the same in every
 * process — or, on one machine, a key kept in DATA_DIR.
 */
const mfaKey = (config: Config) => config.mfaSealingKey ?? dataDirKey(config.dataDir, 'mfa-secret-key');

/**
 * The user's TOTP seed. A seed this process cannot open was sealed under another key — processes
 * started with different MFA_SEALING_KEYs, or a DATA_DIR key where the others share one: a fault
 * of the deployment, not of the user, so the sign-in is refused as unavailable, never as a wrong code.
 */
function openSeed(config: Config, sealed: string): string {
  try {
    return open(mfaKey(config), sealed);
  } catch (err) {
    throw new HttpError(503, 'mfa_unavailable', 'Two-step verification cannot be checked right now; try again shortly.', undefined, {
      cause: new Error('the TOTP seed does not open with this process key: is MFA_SEALING_KEY the same in every process?', { cause: err }),
    });
  }
}

const findMfaUser = (db: Db, userId: string): Promise<MfaUserRow | undefined> =>
  db('users').where({ id: userId }).first('id', 'email', 'mfaEnabled', 'mfaSecret', 'mfaLastStep');

/** Whether the caller's second factor is on, and how many unused recovery codes stand behind it. */
export async function mfaStatus(db: Db, actor: Actor): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const user = await findMfaUser(db, actor.id);
  if (!user?.mfaEnabled) return { enabled: false, recoveryCodesLeft: 0 };
  const [{ n }] = await db('mfaRecoveryCodes').where({ userId: actor.id }).whereNull('usedAt').count({ n: '*' });
  return { enabled: true, recoveryCodesLeft: Number(n) };
}

/**
 * Starts enrolment: a fresh secret, kept sealed and inactive until a code from it is shown to
 * `enableMfa` with the current password. Once MFA is on, it cannot be re-seeded this way (a stolen
 * session must not be able to move the second factor to the thief's phone).
 */
export async function setupMfa(db: Db, config: Config, actor: Actor): Promise<{ secret: string; otpauthUrl: string }> {
  const user = await findMfaUser(db, actor.id);
  if (!user) throw invalidRequest('Unknown user.');
  if (user.mfaEnabled) throw conflict('mfa_enabled', 'Two-step verification is already on.');
  const secret = newTotpSecret();
  await db.transaction(async (trx) => {
    await trx('users').where({ id: actor.id }).update({ mfaSecret: seal(mfaKey(config), secret), mfaLastStep: null });
    await appendAuditEvent(trx, { actorId: actor.id, action: 'auth.mfa.setup', subjectType: 'User', subjectId: actor.id, decision: 'allow', details: {} });
  });
  return { secret, otpauthUrl: otpauthUrl(secret, actor.email) };
}

/**
 * Turns MFA on once the user proves their app has the secret, and that they know the password (a
 * stolen session must not bind the thief's authenticator to the account); answers the recovery
 * codes, shown this once. Every token and every other session ends: they were obtained without the
 * second factor the account now has.
 */
export async function enableMfa(
  ctx: AccountContext,
  input: { otp: string; currentPassword?: string },
  keep: { sessionId?: string },
  now = Date.now(),
): Promise<{ enabled: true; recoveryCodes: string[] }> {
  const { actor } = ctx;
  await assertCurrentPassword(ctx, input.currentPassword, 'auth.mfa.enable', { recentSignInSuffices: true });
  const user = await findMfaUser(ctx.db, actor.id);
  if (!user?.mfaSecret) throw conflict('mfa_not_set_up', 'Call POST /api/auth/mfa/setup first.');
  if (user.mfaEnabled) throw conflict('mfa_enabled', 'Two-step verification is already on.');
  const step = totpStepOf(openSeed(ctx.config, user.mfaSecret), input.otp, now);
  if (step === null) {
    throw denied({ action: 'auth.mfa.enable', subjectType: 'User', subjectId: actor.id, reason: 'wrong code' },
      invalidRequest('The code does not match.', { otp: 'does not match the authenticator' }),
    );
  }
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await ctx.db.transaction(async (trx) => {
    await trx('users').where({ id: actor.id }).update({ mfaEnabled: true, mfaLastStep: step });
    await trx('mfaRecoveryCodes').where({ userId: actor.id }).delete();
    await trx('mfaRecoveryCodes').insert(
      recoveryCodes.map((code) => ({ id: randomUUID(), userId: actor.id, codeHash: hashRecoveryCode(code), createdAt: ctx.at, usedAt: null })),
    );
    const ended = await signOutEverywhere(trx, actor.id, keep);
    await recordAllowed(trx, ctx, { action: 'auth.mfa.enable', subjectType: 'User', subjectId: actor.id, details: ended });
    await sendAccountNotice(trx, ctx, actor, 'mfa_enabled', ctx.at);
  });
  return { enabled: true, recoveryCodes };
}

/**
 * Turns MFA off, with the current password: the seed and the recovery codes are dropped, and every
 * token and every other session ends (a token minted with the second factor must not keep claiming
 * it).
 */
export async function disableMfa(ctx: AccountContext, input: { currentPassword?: string }, keep: { sessionId?: string }): Promise<{ enabled: false }> {
  const { actor } = ctx;
  await assertCurrentPassword(ctx, input.currentPassword, 'auth.mfa.disable');
  const user = await findMfaUser(ctx.db, actor.id);
  if (!user?.mfaEnabled) throw conflict('mfa_not_enabled', 'Two-step verification is not on.');
  await ctx.db.transaction(async (trx) => {
    await trx('users').where({ id: actor.id }).update({ mfaEnabled: false, mfaSecret: null, mfaLastStep: null });
    await trx('mfaRecoveryCodes').where({ userId: actor.id }).delete();
    const ended = await signOutEverywhere(trx, actor.id, keep);
    await recordAllowed(trx, ctx, { action: 'auth.mfa.disable', subjectType: 'User', subjectId: actor.id, details: ended });
    await sendAccountNotice(trx, ctx, actor, 'mfa_disabled', ctx.at);
  });
  return { enabled: false };
}

/**
 * Accepts a TOTP code at most once: the user's last used step only moves forward, in one conditional
 * UPDATE, so a replayed code — even raced by two processes at once — finds no row to update.
 */
export async function consumeTotp(db: Db, config: Config, userId: string, otp: string, now = Date.now()): Promise<boolean> {
  const user = await findMfaUser(db, userId);
  if (!user?.mfaEnabled || !user.mfaSecret) return false;
  const step = totpStepOf(openSeed(config, user.mfaSecret), otp, now);
  if (step === null) return false;
  const updated = await db('users')
    .where({ id: userId })
    .where((q) => q.whereNull('mfaLastStep').orWhere('mfaLastStep', '<', step))
    .update({ mfaLastStep: step });
  return updated === 1;
}

/** A recovery code stands in for one TOTP code, once. */
export async function consumeRecoveryCode(db: Db, userId: string, code: string): Promise<boolean> {
  const updated = await db('mfaRecoveryCodes')
    .where({ userId, codeHash: hashRecoveryCode(code) })
    .whereNull('usedAt')
    .update({ usedAt: isoNow() });
  return updated === 1;
}

/** 60 random bits as three groups of four base32 letters: easy to type from paper, hard to guess. */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((g) => g.join('')).join('-');
}

/** Stored as SHA-256, like API tokens: the codes carry enough entropy that a slow hash adds nothing. */
const hashRecoveryCode = (code: string) => sha256Hex(code.trim().toLowerCase().replace(/[\s-]/g, ''));
