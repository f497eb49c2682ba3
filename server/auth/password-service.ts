import type { AccountContext } from './account-context.js';
import { invalidRequest } from '../errors.js';
import { recordAllowed } from '../ledger/record.js';
import { sendAccountNotice } from '../account-links/service.js';
import { endAccountTokens } from '../account-links/account-tokens.js';
import { hashPassword } from './passwords.js';
import { assertCurrentPassword } from './step-up.js';
import { signOutEverywhere } from './sign-out-everywhere.js';
import type { ChangePasswordInput } from './schema.js';

/**
 * Changes the caller's own password, proven by the current one. Every other session and every API
 * token ends with the old password: whoever signed in with it, or holds a token minted under it,
 * is out. The session making the change stays.
 */
export async function changePassword(ctx: AccountContext, input: ChangePasswordInput, keep: { sessionId?: string }): Promise<void> {
  await assertCurrentPassword(ctx, input.currentPassword, 'auth.password.change');
  if (input.newPassword === input.currentPassword) throw invalidRequest('The new password is the current one.', { newPassword: 'the same as the current password' });
  const passwordHash = await hashPassword(input.newPassword);
  await ctx.db.transaction(async (trx) => {
    await trx('users').where({ id: ctx.actor.id }).update({ passwordHash });
    // A reset link mailed before (asked for by the owner, or by someone with their mailbox) must not
    // undo this change: the links of the old password end with it.
    await endAccountTokens(trx, ctx.actor.id, ctx.at);
    const ended = await signOutEverywhere(trx, ctx.actor.id, keep);
    await recordAllowed(trx, ctx, { action: 'auth.password.change', subjectType: 'User', subjectId: ctx.actor.id, details: ended });
    await sendAccountNotice(trx, ctx, ctx.actor, 'password_changed', ctx.at);
  });
}
