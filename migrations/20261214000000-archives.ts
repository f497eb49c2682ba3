import type { Knex } from 'knex';

/**
 * Deal-end archives (issue 22): one row per archive of a room, whole or "as disclosed" to one party.
 * The row is also the build job: any process takes it under a lease (claimed_by, claimed_until) and
 * renews the lease while it writes, so a process that dies mid-build leaves the job to the next one
 * once the lease ends, and the ZIP becomes visible only when the object store has every byte
 * (status `ready` is set after that, with the size and SHA-256 the store computed).
 * - scope: the party id, or `room` for the whole room. With the partial unique index below, a room
 *   has at most one archive of a scope building at a time: a second request while one builds gets
 *   that one (two concurrent requests race on the index, not on a read-then-insert).
 * - files_done / files_total: the build's progress, for the client.
 * - sealed_seq: the ledger event (`archive.sealed`) whose signed checkpoint ends the archive's
 *   ledger.jsonl.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('archives', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('party_id', 36).references('parties.id');
    t.string('scope', 36).notNullable();
    t.string('status', 16).notNullable(); // building | ready | failed
    t.string('object_key', 512).notNullable();
    t.bigInteger('size');
    t.string('sha256', 64);
    t.integer('documents');
    t.integer('files_done').notNullable().defaultTo(0);
    t.integer('files_total');
    t.bigInteger('sealed_seq');
    t.string('key_id', 32);
    t.string('failure_reason', 1000);
    t.string('requested_by', 36).notNullable().references('users.id');
    t.string('created_at', 24).notNullable();
    t.string('updated_at', 24).notNullable();
    t.string('completed_at', 24);
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('claimed_by', 64);
    t.string('claimed_until', 24);
    t.index(['room_id', 'created_at']);
    t.index(['status', 'claimed_until']);
  });
  // Both SQLite and PostgreSQL take a partial unique index in this form.
  await knex.raw(`create unique index archives_one_building_per_scope on archives (room_id, scope) where status = 'building'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists archives_one_building_per_scope');
  await knex.schema.dropTable('archives');
}
