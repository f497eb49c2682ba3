import type { Knex } from 'knex';

const DEFAULT_TTL_MS = 90 * 86_400_000;

/**
 * Issue 15: API tokens expire. The column is filled when a token is minted (API_TOKEN_TTL_DAYS);
 * the bearer check refuses a token whose time has passed, and one without a time at all.
 *
 * Tokens minted before this migration get the default lifetime counted from the upgrade, not from
 * their creation: counted from creation, an upgrade would cut off every integration older than
 * 90 days at once, with no warning.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.string('expires_at', 24);
  });
  await knex('api_tokens')
    .whereNull('revoked_at')
    .update({ expires_at: new Date(Date.now() + DEFAULT_TTL_MS).toISOString() });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('expires_at');
  });
}
