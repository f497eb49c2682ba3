import type { Knex } from 'knex';

/**
 * Q&A (issue 20): questions owned by the asking party, routed to experts, answered under four eyes,
 * published as FAQs.
 * - questions: one row per question. `number` counts within the party (unique per party: the
 *   backstop of the race-safe numbering in server/questions/repository.ts). An answer is a draft
 *   (answered_by/answered_at) until a second manager approves it (approved_by/approved_at); only an
 *   approved answer reaches the party. `answer_document_ids` is a JSON array of document ids.
 *   `faq_published_at` set: the question is an FAQ of the room.
 * - rooms.question_limit_per_party: how many questions one party may ask (null: no limit).
 * - room_staff.role gains `expert`: room_staff.role is a plain string (the core model put no
 *   constraint on it), so the new role needs no schema change; the ability gives an expert nothing
 *   but the questions assigned to them.
 *
 * No policy_version trigger on questions: no column of a question is a fact the ability is built
 * from. The rules name the actor's own id, rooms and party (room_staff, party_members: already
 * watched) and put every question column (assigned_to, party_id, approved_at, faq_published_at) in
 * the rule's *conditions*, which are evaluated against the row at each check and in each list's SQL.
 * A cached ability therefore judges a reassigned or newly published question correctly without
 * being rebuilt; bumping the version on every question would only throw every cached ability away
 * each time a bidder asks something.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('question_limit_per_party');
  });
  await knex.schema.createTable('questions', (t) => {
    t.string('id', 36).primary();
    t.string('room_id', 36).notNullable().references('rooms.id');
    t.string('party_id', 36).notNullable().references('parties.id');
    t.integer('number').notNullable();
    t.string('subject', 300).notNullable();
    t.text('body').notNullable();
    // A reference, not a foreign key: a document deleted later leaves the question as asked.
    t.string('document_id', 64);
    t.string('priority', 8).notNullable().defaultTo('normal'); // low | normal | high
    t.string('status', 16).notNullable().defaultTo('open'); // open | assigned | answer_pending | answered | closed
    t.string('created_by', 36).notNullable().references('users.id');
    t.string('created_at', 24).notNullable();
    t.string('assigned_to', 36).references('users.id');
    t.string('assigned_at', 24);
    t.text('answer');
    t.text('answer_document_ids');
    t.string('answered_by', 36).references('users.id');
    t.string('answered_at', 24);
    t.string('approved_by', 36).references('users.id');
    t.string('approved_at', 24);
    t.string('faq_published_at', 24);
    t.string('faq_published_by', 36).references('users.id');
    t.string('closed_by', 36).references('users.id');
    t.string('closed_at', 24);
    t.unique(['party_id', 'number']);
    t.index(['room_id', 'created_at']);
    t.index(['assigned_to']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('questions');
  await knex.schema.alterTable('rooms', (t) => t.dropColumn('question_limit_per_party'));
}
