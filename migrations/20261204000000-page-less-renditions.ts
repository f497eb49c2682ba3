import type { Knex } from 'knex';

/**
 * Renditions become page-less bases (issue 14): a delivery no longer begins with the stored upload.
 * Rows of the old format stay until their version is next delivered, then are made again; the base
 * hash each earlier delivery was sent with moves onto the download, so it can still be traced
 * exactly after its rendition row changes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stamp_renditions', (t) => {
    t.integer('format').notNullable().defaultTo(1);
    t.integer('earlier_revisions');
    t.string('removed', 500);
    t.text('revision_prefixes');
  });
  await knex.schema.alterTable('downloads', (t) => {
    t.string('base_sha256', 64);
  });
  await knex('downloads')
    .whereNotNull('tail_sha256')
    .update({ base_sha256: knex('stamp_renditions').select('sha256').where('stamp_renditions.version_id', knex.ref('downloads.version_id')) });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('downloads', (t) => {
    t.dropColumn('base_sha256');
  });
  await knex.schema.alterTable('stamp_renditions', (t) => {
    t.dropColumn('format');
    t.dropColumn('earlier_revisions');
    t.dropColumn('removed');
    t.dropColumn('revision_prefixes');
  });
}
