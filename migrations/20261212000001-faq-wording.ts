import type { Knex } from 'knex';

/**
 * Q&A (issue 20): an FAQ's own wording. A bidder's question often names them ("as Alpha's lenders
 * require…"); publishing it to every party as written would tell the others who asked. The manager
 * who publishes may reword the subject, the question and the answer; other parties read only this
 * wording, the asking party keeps its own question as asked. Null: published as written.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('questions', (t) => {
    t.string('faq_subject', 300);
    t.text('faq_body');
    t.text('faq_answer');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('questions', (t) => {
    t.dropColumn('faq_subject');
    t.dropColumn('faq_body');
    t.dropColumn('faq_answer');
  });
}
