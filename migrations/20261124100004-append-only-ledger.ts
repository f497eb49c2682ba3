import type { Knex } from 'knex';

/**
 * The ledger becomes append-only in the database itself: triggers refuse UPDATE and DELETE (and
 * TRUNCATE on PostgreSQL) on audit_events and on the signed checkpoints, so a bug or a careless
 * script cannot rewrite history. Someone with DDL rights can still drop the triggers; the hash
 * chain and the signed checkpoints (kept outside the database too) are what detect that.
 */
const PROTECTED = ['audit_events', 'audit_checkpoints'];

export async function up(knex: Knex): Promise<void> {
  // A checkpoint signs (seq, head hash) with a key kept outside the database; a copy also goes to
  // the object store, so cutting off the tail of the chain (and these rows) is still detected.
  await knex.schema.createTable('audit_checkpoints', (t) => {
    t.bigInteger('seq').primary();
    t.string('head_hash', 64).notNullable();
    t.string('at', 24).notNullable();
    t.string('key_id', 64).notNullable();
    t.string('signature', 200).notNullable(); // base64 Ed25519 signature
  });

  if (knex.client.config.client === 'pg') {
    await knex.raw(`
      create function gatehouse_append_only() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only: % refused', TG_TABLE_NAME, TG_OP using errcode = 'insufficient_privilege';
      end $$`);
    for (const table of PROTECTED) {
      await knex.raw(`create trigger ${table}_append_only before update or delete on ${table} for each row execute function gatehouse_append_only()`);
      await knex.raw(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function gatehouse_append_only()`);
    }
    return;
  }
  for (const table of PROTECTED) {
    await knex.raw(`create trigger ${table}_no_update before update on ${table} begin select raise(abort, '${table} is append-only: UPDATE refused'); end`);
    await knex.raw(`create trigger ${table}_no_delete before delete on ${table} begin select raise(abort, '${table} is append-only: DELETE refused'); end`);
  }
}

/** Removes the triggers only; tests use it to prove the chain still catches tampering without them. */
export async function dropAppendOnlyTriggers(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  for (const table of PROTECTED) {
    if (pg) {
      await knex.raw(`drop trigger if exists ${table}_append_only on ${table}`);
      await knex.raw(`drop trigger if exists ${table}_no_truncate on ${table}`);
    } else {
      await knex.raw(`drop trigger if exists ${table}_no_update`);
      await knex.raw(`drop trigger if exists ${table}_no_delete`);
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await dropAppendOnlyTriggers(knex);
  if (knex.client.config.client === 'pg') await knex.raw('drop function if exists gatehouse_append_only()');
  await knex.schema.dropTableIfExists('audit_checkpoints');
}
