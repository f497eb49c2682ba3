import type { Knex } from 'knex';

/**
 * One counter that every change to the facts of the access rule bumps, in the same transaction as
 * the change: abilities are cached per actor and reused only while the counter is unchanged, so a
 * revocation committed by any process is seen by every process on its next request. The bump is a
 * trigger, not a line in each service, so no write path (a service, a script, a future module) can
 * change a fact and forget it; the counter row's lock is held only until that transaction commits.
 */
const FACT_TABLES = [
  'rooms', 'room_staff', 'parties', 'party_advisors', 'party_members', 'ndas', 'nda_entities', 'grants', 'folders',
  // Per-party IP allow-lists are facts of the rule too (present from the security-hardening migration on).
  'party_ip_allowlist',
];

const existingFactTables = async (knex: Knex) => {
  const out: string[] = [];
  for (const table of FACT_TABLES) if (await knex.schema.hasTable(table)) out.push(table);
  return out;
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('policy_version', (t) => {
    t.integer('id').primary(); // always 1: a single row
    t.bigInteger('version').notNullable();
  });
  await knex('policy_version').insert({ id: 1, version: 1 });

  const tables = await existingFactTables(knex);
  if (knex.client.config.client === 'pg') {
    await knex.raw(`
      create function gatehouse_bump_policy_version() returns trigger language plpgsql as $$
      begin
        update policy_version set version = version + 1 where id = 1;
        return null;
      end $$`);
    for (const table of tables) {
      await knex.raw(`create trigger ${table}_policy_version after insert or update or delete on ${table} for each statement execute function gatehouse_bump_policy_version()`);
    }
    return;
  }
  for (const table of tables) {
    for (const op of ['insert', 'update', 'delete']) {
      await knex.raw(`create trigger ${table}_policy_version_${op} after ${op} on ${table} begin update policy_version set version = version + 1 where id = 1; end`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  for (const table of await existingFactTables(knex)) {
    if (pg) await knex.raw(`drop trigger if exists ${table}_policy_version on ${table}`);
    else for (const op of ['insert', 'update', 'delete']) await knex.raw(`drop trigger if exists ${table}_policy_version_${op}`);
  }
  if (pg) await knex.raw('drop function if exists gatehouse_bump_policy_version()');
  await knex.schema.dropTableIfExists('policy_version');
}
