import type { Knex } from 'knex';

/**
 * Stamped delivery by PDF incremental update (issue 3). Each stored version that can carry a stamp
 * gets one rendition: the PDF the stamp is appended to (the stored file itself when qpdf finds it
 * sound, else qpdf's repaired or decrypted copy, or LibreOffice's conversion) and the index learned
 * parsing it once. A download keeps what it needs to answer later range requests with the same tail.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stamp_renditions', (t) => {
    t.string('version_id', 36).primary().references('document_versions.id');
    t.string('status', 16).notNullable(); // ready | unstampable
    t.string('source', 16); // original | repaired | decrypted | converted
    t.string('reason', 32); // why unstampable, a watermark UnstampableReason
    t.string('message', 500);
    t.string('object_key', 512);
    t.bigInteger('size');
    t.string('sha256', 64);
    t.string('index_key', 512);
    t.string('created_at', 24).notNullable();
  });
  await knex.schema.alterTable('downloads', (t) => {
    // The appended tail of an incremental-update delivery: with the rendition's own hash, the exact
    // bytes sent, without hashing the whole file on every download.
    t.string('tail_sha256', 64);
    t.integer('tail_size');
    // The stamp's text as fixed when the download started (JSON), so every range of it sees one tail.
    t.text('stamp_fields');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('downloads', (t) => {
    t.dropColumn('tail_sha256');
    t.dropColumn('tail_size');
    t.dropColumn('stamp_fields');
  });
  await knex.schema.dropTableIfExists('stamp_renditions');
}
