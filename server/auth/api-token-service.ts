import { randomUUID } from 'node:crypto';
import type { Paging } from '../http/paging.js';
import { notFound } from '../errors.js';
import { recordAllowed } from '../ledger/record.js';
import { sendAccountNotice } from '../account-links/service.js';
import { newSecret, sha256Hex } from './secret-hash.js';
import { assertCurrentPassword } from './step-up.js';
import type { AccountContext } from './account-context.js';
import { insertApiToken, listLiveApiTokens, revokeLiveApiToken, type ApiTokenRow } from './api-token-repository.js';
import type { CreateTokenInput } from './schema.js';

/**
 * Mints an API token: shown once, stored as its SHA-256, expiring after API_TOKEN_TTL_DAYS. A token
 * outlives the session that made it, so making one asks for the current password (step-up.ts).
 * It inherits the second factor of the credential that asks for it, never more.
 */
export async function createApiToken(ctx: AccountContext, input: CreateTokenInput): Promise<{ row: ApiTokenRow; token: string }> {
  await assertCurrentPassword(ctx, input.currentPassword, 'auth.token.create', { recentSignInSuffices: true });
  const token = `gh_${newSecret(32)}`;
  const now = Date.parse(ctx.at);
  const row: ApiTokenRow = {
    id: randomUUID(),
    userId: ctx.actor.id,
    name: input.name,
    tokenHash: sha256Hex(token),
    mfa: Boolean(ctx.actor.mfa),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ctx.config.apiTokenTtlMs).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await ctx.db.transaction(async (trx) => {
    await insertApiToken(trx, row);
    await recordAllowed(trx, ctx, { action: 'auth.token.create', subjectType: 'ApiToken', subjectId: row.id, details: { name: row.name, mfa: row.mfa, expiresAt: row.expiresAt } });
    await sendAccountNotice(trx, ctx, ctx.actor, 'api_token_created', ctx.at);
  });
  return { row, token };
}

export const listApiTokens = (ctx: AccountContext, paging: Paging) => listLiveApiTokens(ctx.db, ctx.actor.id, ctx.at, paging);

/** Revokes one of the caller's own tokens; anyone else's id is as unknown as a random one (404). */
export async function revokeApiToken(ctx: AccountContext, tokenId: string): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    if ((await revokeLiveApiToken(trx, ctx.actor.id, tokenId, ctx.at)) === 0) throw notFound();
    await recordAllowed(trx, ctx, { action: 'auth.token.revoke', subjectType: 'ApiToken', subjectId: tokenId });
  });
}
