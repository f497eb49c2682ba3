import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../audit/record.js';
import { conflict, notFound } from '../errors.js';
import { hashPassword } from '../auth/passwords.js';
import { endSessionsOfUser } from '../auth/session-store.js';
import { isoNow } from '../clock.js';
import { findUserById, type UserRow } from './repository.js';

/** What an erased person's identity row says instead: nothing that points back to them. */
export const erasedName = (userId: string) => `Erased user ${userId.slice(0, 8)}`;
export const erasedEmail = (userId: string) => `erased-${userId}@erased.invalid`;

/**
 * GDPR erasure of a person's identity: their name and email in the users table are replaced by a
 * pseudonym, their credentials made unusable, their sessions and tokens ended. The ledger is not
 * touched and needs not be: its events name actors by id only (a failed login with an unknown email
 * keeps only the email's hash), so the chain still verifies and still says what that id did.
 * Deliveries keep the user id too, so the disclosure register and tracing still name the recipient
 * organisation and the (pseudonymised) user.
 */
export async function eraseUser(ctx: ServiceContext, userId: string): Promise<UserRow> {
  await assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.erase', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  if (user.id === ctx.actor.id) throw conflict('cannot_erase_self', 'An admin cannot erase their own account; ask another admin.');
  // A hash of random bytes nobody knows: the password column stays a valid hash that matches nothing.
  const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
  const at = isoNow();
  await ctx.db.transaction(async (trx) => {
    await trx('users')
      .where({ id: userId })
      .update({ name: erasedName(userId), email: erasedEmail(userId), passwordHash, mfaEnabled: false, mfaSecret: null, disabledAt: user.disabledAt ?? at, erasedAt: at });
    await trx('apiTokens').where({ userId }).whereNull('revokedAt').update({ revokedAt: at });
    await endSessionsOfUser(trx, userId);
    await recordAllowed(trx, ctx, { action: 'user.erase', subjectType: 'User', subjectId: userId });
  });
  return (await findUserById(ctx.db, userId))!;
}
