import type { Knex } from 'knex';

/**
 * Issue 8 (P1): document lists are pages ordered by (created_at, id) within a room. With this index
 * a room-wide search walks the room's documents in page order and stops once the page is full,
 * instead of scanning every document and sorting them (EXPLAIN-checked by bench/load-p1.bench.ts).
 * One folder's list already narrows by the (room_id, folder_id) index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.index(['room_id', 'created_at', 'id'], 'documents_room_page_order_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.dropIndex(['room_id', 'created_at', 'id'], 'documents_room_page_order_index');
  });
}
