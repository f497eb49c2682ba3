import type { Knex } from 'knex';

/**
 * Engagement (issue 23): which party looks at what, against what it may see.
 * - Views and downloads are not stored again: they are the rows of `downloads`, each written in the
 *   transaction of its ledger event, so the figures cannot drift from the ledger.
 * - view_pages: the pages a viewer reports reading in one view (a `downloads` row of kind `view`),
 *   one row per page of that view with the seconds spent on it. Kept outside the ledger on purpose:
 *   reading times are personal data that erasure must be able to remove, and the ledger is
 *   append-only and hash-chained. A report is no access decision either: the view it belongs to is.
 * - view_reads: per view, the totals of its view_pages rows (pages, seconds, reports, last report),
 *   written in the same transaction as the page rows it sums. It is what the engagement query reads:
 *   one row per view instead of one per page read, so a room of a million events answers in time.
 *   Derived, never a source: test/api/engagement.test.ts holds it equal to a plain count of view_pages.
 *   `opened_at` is the view's own time, so a view and what was read in it fall in the same period.
 * - engagement_digests: the weekly digest of a room, claimed once across processes by its key.
 * - Indexes for the query: deliveries of a room by user and time (covering what is counted), and the
 *   ledger's membership events of a room (who was in which party when), which the query reads
 *   instead of scanning every event of the room.
 * Only views of party members are recorded: the deal team's own views are no engagement, and
 * a staff delivery's row may be deleted with its document (documents/lifecycle.ts) while a party's never is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('view_pages', (t) => {
    t.string('download_id', 16).notNullable().references('downloads.id');
    t.integer('page').notNullable();
    t.string('room_id', 36).notNullable();
    t.string('document_id', 36).notNullable();
    t.string('user_id', 36).notNullable();
    t.integer('seconds').notNullable();
    t.string('first_at', 24).notNullable();
    t.string('last_at', 24).notNullable();
    t.primary(['download_id', 'page']);
    t.index(['user_id']);
  });
  await knex.schema.createTable('view_reads', (t) => {
    t.string('download_id', 16).primary().references('downloads.id');
    t.string('room_id', 36).notNullable();
    t.string('document_id', 36).notNullable();
    t.string('user_id', 36).notNullable();
    t.string('opened_at', 24).notNullable();
    t.integer('pages').notNullable();
    t.integer('seconds').notNullable();
    t.integer('reports').notNullable();
    t.string('last_at', 24).notNullable();
    t.index(['user_id']);
  });
  await knex.raw('create index view_reads_engagement on view_reads (room_id, user_id, opened_at, document_id, pages, seconds, last_at)');
  await knex.raw('create index downloads_engagement on downloads (room_id, user_id, at, kind, document_id)');
  await knex.raw('create index audit_events_room_action on audit_events (room_id, action, seq)');
  await knex.schema.createTable('engagement_digests', (t) => {
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('week_start', 24).notNullable();
    t.string('claim', 36).notNullable();
    t.string('at', 24).notNullable();
    t.primary(['room_id', 'week_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('engagement_digests');
  await knex.raw('drop index if exists audit_events_room_action');
  await knex.raw('drop index if exists downloads_engagement');
  await knex.raw('drop index if exists view_reads_engagement');
  await knex.schema.dropTableIfExists('view_reads');
  await knex.schema.dropTableIfExists('view_pages');
}
