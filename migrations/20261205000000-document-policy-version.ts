import type { Knex } from 'knex';

/**
 * Documents become facts of the access rule's derived views (issue 15): an external caller sees a
 * folder only when something in its subtree is theirs to view, and their index numbers count only
 * what they can see. Both are derived once per ability from the documents and cached under
 * policy_version, so adding, moving, reordering or reclassifying a document must bump it like any
 * other fact. A new version of a document (version, current_version_id) changes none of that and
 * does not bump it. A future column that decides visibility (a status) joins the list.
 */
const COLUMNS = ['room_id', 'folder_id', 'position', 'entity_id', 'classification_rank', 'personal_data_rank'];

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    // gatehouse_bump_policy_version() comes from the policy-version migration.
    await knex.raw(`create trigger documents_policy_version after insert or delete or update of ${COLUMNS.join(', ')} on documents for each statement execute function gatehouse_bump_policy_version()`);
    return;
  }
  await knex.raw('create trigger documents_policy_version_insert after insert on documents begin update policy_version set version = version + 1 where id = 1; end');
  await knex.raw('create trigger documents_policy_version_delete after delete on documents begin update policy_version set version = version + 1 where id = 1; end');
  await knex.raw(`create trigger documents_policy_version_update after update of ${COLUMNS.join(', ')} on documents begin update policy_version set version = version + 1 where id = 1; end`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') {
    await knex.raw('drop trigger if exists documents_policy_version on documents');
    return;
  }
  for (const op of ['insert', 'delete', 'update']) await knex.raw(`drop trigger if exists documents_policy_version_${op}`);
}
