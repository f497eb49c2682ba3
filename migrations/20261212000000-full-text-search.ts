import type { Knex } from 'knex';

/**
 * Full-text search (issue 21): the words of every page, found through the access rule's own filter.
 * - document_text: one row per document, for its current version: `status` is the document's
 *   `textStatus` (pending, indexed, none, failed) with the reason of a failure. A pending row is
 *   also the extraction job: any process claims it for a lease (claimed_by, claimed_until), so a
 *   process that dies mid-extraction leaves it to another once the lease ends. Kept beside the
 *   documents table, not in it: document rows are read by every list, and stay narrow.
 * - The index of page text, one row per page of the current version:
 *   SQLite: an FTS5 table (unicode61, diacritics folded, so "kundigung" finds "Kündigung");
 *   PostgreSQL: document_pages with a stored tsvector under a GIN index, in the `gatehouse_text`
 *   configuration: `simple` (no stemming: the corpus mixes English, Dutch, German and French, and
 *   one language's stemmer mangles the others' words), with accents folded by `unaccent` where the
 *   server has that extension, as SQLite folds them.
 * Existing documents are queued, so a room that predates search becomes searchable on its own.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_text', (t) => {
    t.string('document_id', 36).primary().references('documents.id');
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('version_id', 36).notNullable();
    t.string('status', 16).notNullable().defaultTo('pending'); // pending | indexed | none | failed
    t.text('reason');
    t.integer('pages').notNullable().defaultTo(0);
    t.integer('ocr_pages').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('run_after', 32).notNullable();
    t.string('claimed_by', 64);
    t.string('claimed_until', 32);
    t.string('updated_at', 32).notNullable();
    t.index(['status', 'run_after']);
  });

  if (knex.client.config.client === 'pg') {
    await knex.raw('savepoint gatehouse_unaccent');
    let unaccent: boolean;
    try {
      // A trusted extension: the database's owner may create it. Two processes migrating at once
      // may race on it; the loser finds it there.
      await knex.raw('create extension if not exists unaccent schema public');
      await knex.raw('release savepoint gatehouse_unaccent');
      unaccent = true;
    } catch {
      await knex.raw('rollback to savepoint gatehouse_unaccent');
      unaccent = (await knex.raw("select 1 from pg_extension where extname = 'unaccent'")).rows.length > 0;
    }
    await knex.raw('create text search configuration gatehouse_text (copy = pg_catalog.simple)');
    if (unaccent) await knex.raw('alter text search configuration gatehouse_text alter mapping for hword, hword_part, word with public.unaccent, pg_catalog.simple');
    await knex.schema.createTable('document_pages', (t) => {
      t.string('document_id', 36).notNullable().references('documents.id');
      t.integer('page').notNullable();
      t.text('text').notNullable();
      t.primary(['document_id', 'page']);
    });
    await knex.raw("alter table document_pages add column text_vector tsvector generated always as (to_tsvector('gatehouse_text', text)) stored");
    await knex.raw('create index document_pages_text_vector on document_pages using gin (text_vector)');
  } else {
    await knex.raw("create virtual table document_pages using fts5(text, document_id unindexed, page unindexed, tokenize = 'unicode61 remove_diacritics 2')");
  }

  const now = new Date().toISOString();
  // Rows come back camelCased (server/db.ts), as everywhere.
  const documents: Array<{ id: string; roomId: string; currentVersionId: string }> = await knex('documents').whereNotNull('current_version_id').select('id', 'room_id', 'current_version_id');
  for (let i = 0; i < documents.length; i += 500) {
    await knex('document_text').insert(documents.slice(i, i + 500).map((d) => ({
      document_id: d.id, room_id: d.roomId, version_id: d.currentVersionId, status: 'pending', run_after: now, updated_at: now,
    })));
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('document_pages');
  if (knex.client.config.client === 'pg') await knex.raw('drop text search configuration if exists gatehouse_text');
  await knex.schema.dropTable('document_text');
}
