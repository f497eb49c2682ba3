import type { Knex } from 'knex';

/**
 * P1's room-wide title search on SQLite walks a room's documents in page order (room_id, created_at,
 * id) and tests each against the title and the access rule until a page of results is full: for a
 * rare title word, every document of the room. With the columns the rule and the title test read in
 * the index itself, SQLite tests them on the index entry and seeks the table row (wide since
 * documents have a lifecycle: status, who published or withdrew them, when and why) only for a
 * document that passes. The rule's columns: server/policy/ability.ts, rules 3–6.
 * PostgreSQL narrows by its own indexes (entity, folder) and a bitmap: left as it is.
 */
const COLUMNS = ['room_id', 'created_at', 'id', 'status', 'folder_id', 'entity_id', 'classification_rank', 'personal_data_rank', 'kind', 'title'];
const NAME = 'documents_room_page_order_covering_index';

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  await knex.schema.alterTable('documents', (t) => {
    t.index(COLUMNS, NAME);
    // The covering index starts with the same columns: the narrower one would only be chosen by mistake.
    t.dropIndex(['room_id', 'created_at', 'id'], 'documents_room_page_order_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') return;
  await knex.schema.alterTable('documents', (t) => {
    t.dropIndex(COLUMNS, NAME);
    t.index(['room_id', 'created_at', 'id'], 'documents_room_page_order_index');
  });
}
