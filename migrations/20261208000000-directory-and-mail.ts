import type { Knex } from 'knex';

/**
 * Issue 17: invitations, password resets and mail.
 * - users.status: `invited` until the invitation is accepted (a disabled user is told by disabled_at);
 *   users.notify: the notification preference, and when the last daily digest went;
 * - account_tokens: single-use secrets of invitation and reset links, stored as SHA-256 (the link
 *   carries the secret; a leaked table opens nothing);
 * - mail_outbox: mail queued in the transaction of the change that causes it, sent by a worker with
 *   retries (leased by one process at a time);
 * - document_notices: "documents published" facts, turned into each user's digest at send time by
 *   the access rule of that moment;
 * - ndas.expiry_notified_at: an NDA's expiry is noticed by the clock, not by a request: mailed once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('status', 16).notNullable().defaultTo('active'); // invited | active
    t.string('notify', 16).notNullable().defaultTo('immediate'); // off | immediate | daily
    t.string('last_digest_at', 24);
  });
  await knex.schema.createTable('account_tokens', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('users.id');
    t.string('purpose', 16).notNullable(); // invitation | reset
    t.string('token_hash', 64).notNullable().unique();
    t.string('created_at', 24).notNullable();
    t.string('expires_at', 24).notNullable();
    t.string('used_at', 24);
    t.index(['user_id', 'purpose']);
  });
  await knex.schema.createTable('mail_outbox', (t) => {
    t.string('id', 36).primary();
    t.string('kind', 40).notNullable();
    t.string('to_address', 320).notNullable();
    t.string('to_user_id', 36).references('users.id');
    t.string('subject', 300).notNullable();
    // Bodies go once sent (a link's secret must not outlive its delivery in the database).
    t.text('text_body');
    t.text('html_body');
    t.string('status', 16).notNullable(); // queued | sent
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.string('next_attempt_at', 24).notNullable();
    t.string('leased_until', 24);
    t.string('leased_by', 64);
    t.string('created_at', 24).notNullable();
    t.string('sent_at', 24);
    t.string('message_id', 200).notNullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['created_at']);
  });
  await knex.schema.createTable('document_notices', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('document_id', 36).notNullable().references('documents.id');
    t.string('created_at', 24).notNullable();
    t.index(['created_at']);
  });
  await knex.schema.alterTable('ndas', (t) => {
    t.string('expiry_notified_at', 24);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('ndas', (t) => t.dropColumn('expiry_notified_at'));
  await knex.schema.dropTable('document_notices');
  await knex.schema.dropTable('mail_outbox');
  await knex.schema.dropTable('account_tokens');
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('status');
    t.dropColumn('notify');
    t.dropColumn('last_digest_at');
  });
}
