import type { Db } from '../db.js';
import { fetchPage, type Page, type Paging } from '../http/paging.js';

export interface ApiTokenRow {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  mfa: boolean | number;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export const insertApiToken = (db: Db, row: Omit<ApiTokenRow, 'revokedAt' | 'lastUsedAt'>) => db('apiTokens').insert(row);

/** A user's tokens that still work: not revoked, not expired. Nothing else of anyone's is reachable here. */
const liveTokensOf = (db: Db, userId: string, now: string) =>
  db('apiTokens').where({ userId }).whereNull('revokedAt').where('expiresAt', '>', now);

export const listLiveApiTokens = (db: Db, userId: string, now: string, paging: Paging): Promise<Page<ApiTokenRow>> =>
  fetchPage<ApiTokenRow>(liveTokensOf(db, userId, now).select(), paging, { table: 'api_tokens', column: 'created_at', field: 'createdAt' });

/** Revokes one of the user's live tokens; 0 when the id is not one (another user's, revoked, expired, unknown). */
export const revokeLiveApiToken = (db: Db, userId: string, tokenId: string, now: string): Promise<number> =>
  liveTokensOf(db, userId, now).where({ id: tokenId }).update({ revokedAt: now });
