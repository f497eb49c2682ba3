import type { Knex } from 'knex';

/**
 * Deal end: return-or-destroy certifications and NDA expiry reminders (issue 22).
 * - certifications: one row per request made of a party whose access to the room ended (its last
 *   covering NDA terminated or expired, or the room closed). `status` is `requested` until a member
 *   certifies (statement, certified_by, certified_at), then `certified`. The certificate is rendered
 *   from this row and the downloads table on demand, never stored as an object: a purge of the
 *   room's files leaves it intact. A party whose access comes back and ends again gets a new row,
 *   so one party may have several; at most one is open at a time (the partial unique index below
 *   is the backstop that makes opening idempotent across processes and races).
 * - nda_clock_events: what the clock caused for an NDA, claimed once across processes: the expiry
 *   reminders (`reminder_30`, `reminder_7`, `reminder_1`) and the check of its expiry for
 *   certifications (`expired`). A process inserts its claim token and acts only if the stored row
 *   holds its token.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('certifications', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('party_id', 36).notNullable().references('parties.id');
    t.string('status', 16).notNullable(); // requested | certified
    t.string('reason', 32).notNullable(); // nda_terminated | nda_expired | room_closed
    t.string('requested_at', 24).notNullable();
    t.string('requested_by', 36).references('users.id'); // null: the clock
    t.text('statement');
    t.string('certified_by', 36).references('users.id');
    t.string('certified_at', 24);
    t.integer('reminders').notNullable().defaultTo(0);
    t.string('last_reminded_at', 24);
    t.index(['room_id', 'requested_at']);
    t.index(['party_id']);
    t.index(['status', 'last_reminded_at']);
  });
  // Both SQLite and PostgreSQL take a partial index in the same words.
  await knex.raw("create unique index certifications_one_open_per_party on certifications (party_id) where status = 'requested'");

  await knex.schema.createTable('nda_clock_events', (t) => {
    t.string('nda_id', 36).notNullable().references('ndas.id');
    t.string('event', 16).notNullable(); // reminder_30 | reminder_7 | reminder_1 | expired
    t.string('claim', 36).notNullable();
    t.string('at', 24).notNullable();
    t.primary(['nda_id', 'event']);
  });
  // NDAs that ended before this upgrade are marked as checked: an installation upgraded after years
  // of deals must not ask every party of every finished deal to certify at the first pass of the
  // clock (nor remind anyone of expiries long past). Requests open for what ends from now on.
  const now = new Date().toISOString();
  await knex.raw(
    `insert into nda_clock_events (nda_id, event, claim, at) select id, 'expired', 'before-certifications', ? from ndas where expires_at <= ?`,
    [now, now],
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('nda_clock_events');
  await knex.raw('drop index if exists certifications_one_open_per_party');
  await knex.schema.dropTableIfExists('certifications');
}
