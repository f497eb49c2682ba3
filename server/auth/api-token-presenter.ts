import type { ApiTokenRow } from './api-token-repository.js';

/** A token as its owner sees it in a list: never the secret, nor its hash. */
export const presentApiToken = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  ...(t.lastUsedAt ? { lastUsedAt: t.lastUsedAt } : {}),
  mfa: Boolean(t.mfa),
});
