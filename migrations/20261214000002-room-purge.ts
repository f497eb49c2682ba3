import type { Knex } from 'knex';

/**
 * Retention and purge (issue 22): a closed room's stored objects are deleted, its rows stay.
 * - rooms.retain_days: a closed room is purged this many days after it closed (null: never by itself).
 *   rooms.purge_notice_sent_at: the week-before mail to the admins went out (claimed once, whichever
 *   process's sweeper gets there first; cleared when retain_days changes, so a new schedule gets its own).
 *   rooms.purge_started_at: from this instant the room takes no new content and serves none (410);
 *   rooms.purged_at: the purge is complete and its certificate is in room_purges.
 * - room_purges: one row per purged (or purging) room, the signed deletion certificate once done. It
 *   lives in the database on purpose: it must outlive the objects it lists.
 * - room_purge_objects: every object the purge found, recorded with its digest BEFORE it is deleted,
 *   so a purge cut short (a crash, a store outage) is finished by the next attempt and its
 *   certificate still lists the objects the first attempt deleted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('retain_days');
    t.string('purge_notice_sent_at', 24);
    t.string('purge_started_at', 24);
    t.string('purged_at', 24);
  });
  await knex.schema.createTable('room_purges', (t) => {
    t.string('room_id', 36).primary().references('rooms.id');
    t.string('started_at', 24).notNullable();
    // null: the retention sweeper (the system), not a person.
    t.string('started_by', 36).references('users.id');
    t.string('purged_at', 24);
    t.string('purged_by', 36).references('users.id');
    t.text('certificate');
    t.string('certificate_sha256', 64);
  });
  await knex.schema.createTable('room_purge_objects', (t) => {
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('object_key', 512).notNullable();
    t.string('kind', 32).notNullable();
    t.string('subject_id', 64);
    t.bigInteger('size');
    t.string('sha256', 64);
    // present (found in the store, digest taken) | absent (a row named it, the store did not hold it)
    t.string('state', 16).notNullable();
    t.string('deleted_at', 24);
    t.primary(['room_id', 'object_key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('room_purge_objects');
  await knex.schema.dropTable('room_purges');
  await knex.schema.alterTable('rooms', (t) => {
    for (const c of ['retain_days', 'purge_notice_sent_at', 'purge_started_at', 'purged_at']) t.dropColumn(c);
  });
}
