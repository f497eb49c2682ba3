import type { Knex } from 'knex';

/**
 * Staged disclosure (issue 19): a document is `draft`, `published` or `withdrawn`, and only a
 * published one is anyone's outside the deal team (docs/access-rule.md, rule 6).
 * - documents.status, with who published or withdrew it, when, and why (a withdrawal's reason is
 *   kept for the record). Documents that existed before are published: they were visible already.
 * - rooms.uploads_start_as: `draft` (the default for new rooms) or `published`.
 * - status becomes a fact of the rule: the documents trigger that bumps policy_version (the
 *   document-policy-version migration) now watches it too, so a publish or a withdrawal committed by
 *   any process is seen on the next request.
 */
const WATCHED = ['room_id', 'folder_id', 'position', 'entity_id', 'classification_rank', 'personal_data_rank', 'status'];
const WATCHED_BEFORE = WATCHED.filter((c) => c !== 'status');

async function watch(knex: Knex, columns: string[]) {
  if (knex.client.config.client === 'pg') {
    await knex.raw('drop trigger if exists documents_policy_version on documents');
    await knex.raw(`create trigger documents_policy_version after insert or delete or update of ${columns.join(', ')} on documents for each statement execute function gatehouse_bump_policy_version()`);
    return;
  }
  await knex.raw('drop trigger if exists documents_policy_version_update');
  await knex.raw(`create trigger documents_policy_version_update after update of ${columns.join(', ')} on documents begin update policy_version set version = version + 1 where id = 1; end`);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('documents', (t) => {
    // Deny by default: a row written without a status (a script, a future path) is a draft.
    t.string('status', 16).notNullable().defaultTo('draft');
    t.string('published_at', 32);
    t.string('published_by', 36);
    t.string('withdrawn_at', 32);
    t.string('withdrawn_by', 36);
    t.text('withdrawn_reason');
    t.index(['room_id', 'status']);
  });
  await knex('documents').update({ status: 'published', published_at: knex.ref('created_at'), published_by: knex.ref('created_by') });
  await knex.schema.alterTable('rooms', (t) => {
    t.string('uploads_start_as', 16).notNullable().defaultTo('draft');
  });
  await watch(knex, WATCHED);
}

export async function down(knex: Knex): Promise<void> {
  await watch(knex, WATCHED_BEFORE);
  await knex.schema.alterTable('rooms', (t) => t.dropColumn('uploads_start_as'));
  await knex.schema.alterTable('documents', (t) => {
    t.dropIndex(['room_id', 'status']);
    for (const c of ['status', 'published_at', 'published_by', 'withdrawn_at', 'withdrawn_by', 'withdrawn_reason']) t.dropColumn(c);
  });
}
