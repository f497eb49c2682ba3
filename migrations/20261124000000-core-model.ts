import type { Knex } from 'knex';

/**
 * The whole model of PRODUCT.md. Times are ISO 8601 UTC strings with milliseconds (fixed width, so
 * they compare correctly as text on both databases). Classification, personal-data and level are
 * integer ranks so one policy condition works in memory (CASL) and in SQL.
 */
export async function up(knex: Knex): Promise<void> {
  const ts = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 24);

  await knex.schema.createTable('orgs', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.string('kind', 16).notNullable(); // seller | acquirer | advisor
    ts(t, 'created_at').notNullable();
  });

  await knex.schema.createTable('users', (t) => {
    t.string('id', 36).primary();
    t.string('email', 320).notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('org_id', 36).notNullable().references('orgs.id');
    t.string('role', 16).notNullable(); // admin | staff | external
    t.string('password_hash', 200).notNullable();
    t.boolean('mfa_enabled').notNullable().defaultTo(false);
    t.string('mfa_secret', 200);
    ts(t, 'disabled_at');
    ts(t, 'erased_at');
    ts(t, 'created_at').notNullable();
    t.index(['org_id']);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('users.id');
    t.string('name', 200).notNullable();
    t.string('token_hash', 64).notNullable().unique(); // SHA-256 of the token: a leaked table grants nothing
    ts(t, 'created_at').notNullable();
    ts(t, 'revoked_at');
    ts(t, 'last_used_at');
    t.index(['user_id']);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.string('sid_hash', 64).primary(); // SHA-256 of the session id, never the id itself
    t.string('user_id', 36).references('users.id');
    t.text('data').notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'expires_at').notNullable();
    t.index(['user_id']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('entities', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.string('parent_id', 36).references('entities.id');
    ts(t, 'created_at').notNullable();
  });

  await knex.schema.createTable('rooms', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.string('code_name', 200);
    t.string('status', 16).notNullable(); // open | closed
    t.string('created_by', 36).notNullable().references('users.id');
    ts(t, 'created_at').notNullable();
    ts(t, 'closed_at');
  });

  await knex.schema.createTable('room_entities', (t) => {
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('entity_id', 36).notNullable().references('entities.id');
    t.primary(['room_id', 'entity_id']);
  });

  await knex.schema.createTable('room_staff', (t) => {
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('user_id', 36).notNullable().references('users.id');
    t.string('role', 16).notNullable(); // manager | counsel
    ts(t, 'created_at').notNullable();
    t.primary(['room_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('parties', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('name', 200).notNullable();
    t.string('acquirer_org_id', 36).notNullable().references('orgs.id');
    ts(t, 'created_at').notNullable();
    t.index(['room_id']);
  });

  await knex.schema.createTable('party_advisors', (t) => {
    t.string('party_id', 36).notNullable().references('parties.id');
    t.string('org_id', 36).notNullable().references('orgs.id');
    t.primary(['party_id', 'org_id']);
  });

  await knex.schema.createTable('party_members', (t) => {
    t.string('party_id', 36).notNullable().references('parties.id');
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('user_id', 36).notNullable().references('users.id');
    t.boolean('clean_team').notNullable().defaultTo(false);
    ts(t, 'created_at').notNullable();
    t.primary(['party_id', 'user_id']);
    // A user is in at most one party per room: the database holds the rule even under races.
    t.unique(['room_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('ndas', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('org_id', 36).notNullable().references('orgs.id');
    t.string('kind', 16).notNullable(); // nda | joinder | clean_team
    t.string('status', 16).notNullable(); // pending | confirmed | rejected | terminated
    ts(t, 'signed_at').notNullable();
    ts(t, 'effective_at').notNullable();
    ts(t, 'expires_at').notNullable();
    t.boolean('covers_representatives').notNullable().defaultTo(false);
    t.string('object_key', 512).notNullable();
    t.string('sha256', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('file_name', 1000);
    t.string('registered_by', 36).notNullable().references('users.id');
    ts(t, 'registered_at').notNullable();
    t.string('confirmed_by', 36).references('users.id');
    ts(t, 'confirmed_at');
    t.string('decided_by', 36).references('users.id'); // who rejected or terminated
    ts(t, 'decided_at');
    t.string('reason', 2000);
    t.index(['room_id', 'org_id']);
  });

  await knex.schema.createTable('nda_entities', (t) => {
    t.string('nda_id', 36).notNullable().references('ndas.id');
    t.string('entity_id', 36).notNullable().references('entities.id');
    t.primary(['nda_id', 'entity_id']);
  });

  await knex.schema.createTable('folders', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('parent_id', 36).references('folders.id');
    t.string('name', 200).notNullable();
    t.integer('position').notNullable(); // 1-based among its siblings: the last part of its index
    ts(t, 'created_at').notNullable();
    t.index(['room_id', 'parent_id']);
  });

  await knex.schema.createTable('documents', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('folder_id', 36).notNullable().references('folders.id');
    t.string('entity_id', 36).notNullable().references('entities.id');
    t.string('title', 500).notNullable();
    t.integer('classification_rank').notNullable();
    t.integer('personal_data_rank').notNullable();
    t.integer('position').notNullable();
    t.string('current_version_id', 36);
    t.integer('version').notNullable().defaultTo(0);
    t.string('created_by', 36).notNullable().references('users.id');
    ts(t, 'created_at').notNullable();
    t.index(['room_id', 'folder_id']);
    t.index(['room_id', 'entity_id']);
  });

  await knex.schema.createTable('document_versions', (t) => {
    t.string('id', 36).primary();
    t.string('document_id', 36).notNullable().references('documents.id');
    t.integer('version').notNullable();
    t.string('object_key', 512).notNullable();
    t.bigInteger('size').notNullable();
    t.string('sha256', 64).notNullable();
    t.string('mime_type', 200).notNullable();
    t.string('file_name', 1000);
    t.string('created_by', 36).notNullable().references('users.id');
    ts(t, 'created_at').notNullable();
    t.unique(['document_id', 'version']);
    t.index(['sha256']);
  });

  await knex.schema.createTable('grants', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('party_id', 36).notNullable().references('parties.id');
    t.string('folder_id', 36).references('folders.id'); // null: the whole room
    t.integer('level_rank').notNullable();
    t.integer('max_classification_rank').notNullable();
    t.integer('max_personal_data_rank').notNullable();
    ts(t, 'expires_at');
    t.string('created_by', 36).notNullable().references('users.id');
    ts(t, 'created_at').notNullable();
    t.index(['room_id', 'party_id']);
  });

  await knex.schema.createTable('downloads', (t) => {
    t.string('id', 16).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('document_id', 36).notNullable().references('documents.id');
    t.string('version_id', 36).notNullable().references('document_versions.id');
    t.string('user_id', 36).notNullable().references('users.id');
    t.string('org_id', 36).notNullable().references('orgs.id');
    t.string('kind', 16).notNullable(); // view | download | original
    ts(t, 'at').notNullable();
    t.string('ip', 64);
    t.string('user_agent', 500);
    t.string('sha256', 64);
    t.bigInteger('size');
    t.text('nda_ids'); // JSON array: the NDAs that covered this delivery when it was made
    t.index(['room_id', 'at']);
    t.index(['sha256']);
  });

  // Append-only and hash-chained: hash = SHA-256(prev_hash + canonical event). Rows refer to actors by
  // id only, so erasing a person's name elsewhere never breaks the chain.
  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('seq').primary();
    ts(t, 'at').notNullable();
    t.string('actor_id', 36);
    t.string('action', 64).notNullable();
    t.string('subject_type', 32);
    t.string('subject_id', 64);
    t.string('room_id', 36);
    t.string('decision', 8).notNullable(); // allow | deny
    t.text('details').notNullable(); // canonical JSON, sorted keys
    t.string('prev_hash', 64).notNullable();
    t.string('hash', 64).notNullable().unique();
    t.index(['room_id', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'audit_events', 'downloads', 'grants', 'document_versions', 'documents', 'folders', 'nda_entities',
    'ndas', 'party_members', 'party_advisors', 'parties', 'room_staff', 'room_entities', 'rooms',
    'entities', 'sessions', 'api_tokens', 'users', 'orgs',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
