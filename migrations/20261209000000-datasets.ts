import type { Knex } from 'knex';

/**
 * Datasets (issue 18): a CSV or XLSX upload kept as a table and delivered per recipient.
 * - documents.kind: `document` or `dataset`, fixed when the document is created (a fact of the
 *   access rule: a dataset is shaped to the grant's personal-data limit instead of hidden by it).
 * - dataset_descriptions: per version, what the reader found (sheets, columns, types, row counts),
 *   or why the file is kept as a plain file instead (`reason`, `message`).
 * - dataset_classifications: per document, the deal team's column roles, subject and entity columns.
 * - dataset_entities: the entities a dataset's entity map names — a fact of the rule (a party covered
 *   for one of them sees the dataset, and the rows of that entity only), so it bumps policy_version.
 * - room_dataset_keys: the secret pseudonyms and delivery orders are keyed with; never sent anywhere.
 * - dataset_deliveries: per download, what the recipient got (form, row scope, the classification it
 *   was made under): tracing and the subject question answer from this, not from today's settings.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    t.string('kind', 16).notNullable().defaultTo('document');
  });
  await knex.schema.createTable('dataset_descriptions', (t) => {
    t.string('version_id', 36).primary().references('document_versions.id').onDelete('CASCADE');
    t.string('status', 16).notNullable(); // ready | not_dataset
    t.string('format', 8);
    t.text('description');
    t.string('reason', 32);
    t.text('message');
    t.string('created_at', 32).notNullable();
  });
  await knex.schema.createTable('dataset_classifications', (t) => {
    t.string('document_id', 36).primary().references('documents.id').onDelete('CASCADE');
    t.text('classification').notNullable();
    t.string('updated_by', 36).notNullable();
    t.string('updated_at', 32).notNullable();
  });
  await knex.schema.createTable('dataset_entities', (t) => {
    t.string('document_id', 36).notNullable().references('documents.id').onDelete('CASCADE');
    t.string('room_id', 36).notNullable();
    t.string('entity_id', 36).notNullable();
    t.primary(['document_id', 'entity_id']);
    t.index(['room_id', 'entity_id']);
  });
  await knex.schema.createTable('room_dataset_keys', (t) => {
    t.string('room_id', 36).primary();
    t.string('secret', 128).notNullable();
  });
  await knex.schema.createTable('dataset_deliveries', (t) => {
    t.string('download_id', 64).primary();
    t.string('room_id', 36).notNullable();
    t.string('document_id', 36).notNullable();
    t.string('version_id', 36).notNullable();
    t.string('party_id', 36);
    t.string('form', 16).notNullable(); // identified | pseudonymised | none
    t.string('format', 8).notNullable();
    t.text('entity_ids'); // JSON array; null: every row (the deal team)
    t.text('classification').notNullable();
    t.index(['room_id', 'version_id']);
  });
  if (knex.client.config.client === 'pg') {
    await knex.raw('create trigger dataset_entities_policy_version after insert or update or delete on dataset_entities for each statement execute function gatehouse_bump_policy_version()');
  } else {
    for (const op of ['insert', 'update', 'delete']) {
      await knex.raw(`create trigger dataset_entities_policy_version_${op} after ${op} on dataset_entities begin update policy_version set version = version + 1 where id = 1; end`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await knex.raw('drop trigger if exists dataset_entities_policy_version on dataset_entities');
  else for (const op of ['insert', 'update', 'delete']) await knex.raw(`drop trigger if exists dataset_entities_policy_version_${op}`);
  for (const table of ['dataset_deliveries', 'room_dataset_keys', 'dataset_entities', 'dataset_classifications', 'dataset_descriptions']) await knex.schema.dropTableIfExists(table);
  await knex.schema.alterTable('documents', (t) => t.dropColumn('kind'));
}
