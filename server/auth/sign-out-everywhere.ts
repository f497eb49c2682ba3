import type { Db } from '../db.js';
import { isoNow } from '../clock.js';
import { sha256Hex } from './secret-hash.js';

/**
 * Ends every credential a user's old secrets may have opened — all their API tokens and sessions —
 * but the session making the change, when there is one (so the user is not thrown out by their own
 * password change). Called when the password or the second factor changes: whoever held a stolen
 * session or token loses it with the secret it was obtained under. Pass the transaction of the change.
 */
export async function signOutEverywhere(db: Db, userId: string, keep: { sessionId?: string } = {}): Promise<{ tokensRevoked: number; sessionsEnded: number }> {
  const tokensRevoked = await db('apiTokens').where({ userId }).whereNull('revokedAt').update({ revokedAt: isoNow() });
  const sessions = db('sessions').where({ userId });
  if (keep.sessionId) sessions.whereNot({ sidHash: sha256Hex(keep.sessionId) });
  const sessionsEnded = await sessions.delete();
  return { tokensRevoked, sessionsEnded };
}
