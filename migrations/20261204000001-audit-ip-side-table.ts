import type { Knex } from 'knex';

/**
 * Addresses leave the hash chain (issue 15, erasure): an event's details keep only a commitment,
 * sha256(salt, address), and the address with its salt lives here, keyed by the commitment and
 * kept with the actor's id, so erasing a person deletes their rows and the chain still verifies.
 * Events recorded before this change keep their address inside the chain: removing it would break
 * verification (README, "Erasure").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_ips', (t) => {
    t.string('commit', 64).primary();
    t.string('ip', 64);
    t.string('salt', 32).notNullable();
    t.string('actor_id', 36).index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_ips');
}
