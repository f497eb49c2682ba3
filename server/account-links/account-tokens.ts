import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import { newSecret, sha256Hex } from '../auth/secret-hash.js';

export type AccountTokenPurpose = 'invitation' | 'reset';

/**
 * The secret of an invitation or reset link: 32 random bytes, stored as its SHA-256 (a copy of the
 * database opens no account), single use, expiring. Issuing one ends the user's earlier links of the
 * same purpose: only the newest mail works.
 */
export async function issueAccountToken(trx: Db, userId: string, purpose: AccountTokenPurpose, ttlMs: number, at: string): Promise<string> {
  await trx('accountTokens').where({ userId, purpose }).whereNull('usedAt').update({ usedAt: at });
  const token = newSecret(32);
  await trx('accountTokens').insert({
    id: randomUUID(),
    userId,
    purpose,
    tokenHash: sha256Hex(token),
    createdAt: at,
    expiresAt: new Date(Date.parse(at) + ttlMs).toISOString(),
    usedAt: null,
  });
  return token;
}

/**
 * Spends a link's secret: the user it opens, or null when it is unknown, used, replaced or expired
 * (one answer for all). The update is conditional on the row being unused, so two requests racing
 * with one link cannot both spend it.
 */
export async function spendAccountToken(trx: Db, token: string, purpose: AccountTokenPurpose, at: string): Promise<string | null> {
  const row: { id: string; userId: string } | undefined = await trx('accountTokens')
    .where({ tokenHash: sha256Hex(token), purpose })
    .whereNull('usedAt')
    .where('expiresAt', '>', at)
    .first('id', 'userId');
  if (!row) return null;
  const spent = await trx('accountTokens').where({ id: row.id }).whereNull('usedAt').update({ usedAt: at });
  return spent === 1 ? row.userId : null;
}

/** Ends every open link of a user (disabled, erased, or their password set another way). */
export const endAccountTokens = (trx: Db, userId: string, at: string) => trx('accountTokens').where({ userId }).whereNull('usedAt').update({ usedAt: at });
