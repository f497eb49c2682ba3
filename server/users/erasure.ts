import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { conflict, notFound } from '../errors.js';
import { endAccountTokens } from '../account-links/account-tokens.js';
import { endSessionsOfUser } from '../auth/session-store.js';
import { isPostgres } from '../db.js';
import { findUserById, type UserRow } from './repository.js';
import { unusablePasswordHash } from './service.js';
import { emlFileName, mailFolderOf } from '../mail/transport.js';
import { forgetReadingOf } from '../engagement/repository.js';

/** What an erased person's identity row says instead: nothing that points back to them. */
export const erasedName = (userId: string) => `Erased user ${userId.slice(0, 8)}`;
export const erasedEmail = (userId: string) => `erased-${userId}@erased.invalid`;

/**
 * GDPR erasure of a person's identity: their name and email in the users table are replaced by a
 * pseudonym, their credentials made unusable, their sessions and tokens ended. The chain is not
 * touched and needs not be: its events name actors by id only and hold addresses as commitments,
 * whose side rows (the addresses) are deleted here, so the chain still verifies and still says what
 * that id did. Their deliveries keep the user id and the hashes of what was sent — the disclosure
 * register and an exact trace still name the organisation and the pseudonym — but lose the address,
 * user agent and stamp text (the name and email printed on it, kept only to resume a download).
 * On SQLite the freed pages are zeroed (secure_delete) and the write-ahead log is checkpointed and
 * truncated, so the old rows are not left in the files either.
 */
export async function eraseUser(ctx: ServiceContext, userId: string): Promise<UserRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.erase', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  if (user.id === ctx.actor.id) throw conflict('cannot_erase_self', 'An admin cannot erase their own account; ask another admin.');
  // A hash of random bytes nobody knows: the password column stays a valid hash that matches nothing.
  const passwordHash = await unusablePasswordHash();
  const at = ctx.at;
  let mails: Array<{ id: string; createdAt: string }> = [];
  await ctx.db.transaction(async (trx) => {
    await trx('users')
      .where({ id: userId })
      .update({ name: erasedName(userId), email: erasedEmail(userId), passwordHash, mfaEnabled: false, mfaSecret: null, disabledAt: user.disabledAt ?? at, erasedAt: at });
    await trx('apiTokens').where({ userId }).whereNull('revokedAt').update({ revokedAt: at });
    await endAccountTokens(trx, userId, at);
    // Mail to them named them: the outbox keeps that a mail went, not to whom or what it said.
    mails = await trx('mailOutbox').where({ toUserId: userId }).select('id', 'createdAt');
    await trx('mailOutbox').where({ toUserId: userId }).update({ toAddress: erasedEmail(userId), subject: '(erased)', textBody: null, htmlBody: null });
    await trx('auditIps').where({ actorId: userId }).delete();
    await trx('downloads').where({ userId }).update({ ip: null, userAgent: null, stampFields: null });
    // What they read, page by page and for how long (engagement): their views stay deliveries.
    await forgetReadingOf(trx, userId);
    await endSessionsOfUser(trx, userId);
    await recordAllowed(trx, ctx, { action: 'user.erase', subjectType: 'User', subjectId: userId });
  });
  // The embedded default's mailbox: their .eml files go too.
  await Promise.all(mails.map((m) => fs.rm(path.join(mailFolderOf(ctx.config), emlFileName(m)), { force: true })));
  await flushWriteAheadLog(ctx.db);
  return (await findUserById(ctx.db, userId))!;
}

/**
 * SQLite keeps the pages an update replaced in its write-ahead log until a checkpoint: copy them
 * into the database and truncate the log. A reader holding an old snapshot can keep the log busy
 * for a moment; a few tries, then the next checkpoint (SQLite runs them automatically) finishes it.
 */
async function flushWriteAheadLog(db: ServiceContext['db']): Promise<void> {
  if (isPostgres(db)) return;
  for (let attempt = 0; attempt < 5; attempt++) {
    const [result] = (await db.raw('PRAGMA wal_checkpoint(TRUNCATE)')) as Array<{ busy: number }>;
    if (!result?.busy) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
