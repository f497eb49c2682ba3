import type { Knex } from 'knex';

/**
 * Issue 15 (QUALITY.md security 16): a fingerprint of each setting every process must share — the
 * ledger's signing key, the session secret, the MFA sealing key — recorded by the first process to
 * start; a process whose value differs refuses to start (server/security/shared-secrets.ts). Never
 * the secret, nor a plain hash of it: an HMAC keyed with it, or the ledger key's public id.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shared_secret_fingerprints', (t) => {
    t.string('setting', 64).primary();
    t.string('fingerprint', 200).notNullable();
    t.string('recorded_at', 24).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shared_secret_fingerprints');
}
