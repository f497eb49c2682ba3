import type { Knex } from 'knex';

/**
 * Issue 7: login throttling kept in the database (so every process sees the same counts), TOTP
 * state and recovery codes, a room's MFA requirement and per-party IP allow-lists.
 */
export async function up(knex: Knex): Promise<void> {
  const ts = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 24);

  // One row per failed sign-in, under two keys: the account (SHA-256 of the normalised email, so an
  // unknown email is throttled exactly like a known one) and the client IP. Successes add nothing.
  await knex.schema.createTable('login_failures', (t) => {
    t.increments('id').primary();
    t.string('key', 100).notNullable();
    ts(t, 'at').notNullable();
    t.index(['key', 'at']);
    t.index(['at']);
  });

  await knex.schema.alterTable('users', (t) => {
    // The last TOTP time step accepted: a code (or an older one) never works twice.
    t.bigInteger('mfa_last_step');
  });

  await knex.schema.createTable('mfa_recovery_codes', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('users.id');
    t.string('code_hash', 64).notNullable().unique(); // SHA-256: the codes are random, shown once
    ts(t, 'created_at').notNullable();
    ts(t, 'used_at');
    t.index(['user_id']);
  });

  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('require_mfa').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('party_ip_allowlist', (t) => {
    t.string('party_id', 36).notNullable().references('parties.id');
    t.string('cidr', 64).notNullable(); // normalised, e.g. 203.0.113.0/24 or 2001:db8::/32
    t.string('created_by', 36).notNullable().references('users.id');
    ts(t, 'created_at').notNullable();
    t.primary(['party_id', 'cidr']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('party_ip_allowlist');
  await knex.schema.alterTable('rooms', (t) => t.dropColumn('require_mfa'));
  await knex.schema.dropTableIfExists('mfa_recovery_codes');
  await knex.schema.alterTable('users', (t) => t.dropColumn('mfa_last_step'));
  await knex.schema.dropTableIfExists('login_failures');
}
