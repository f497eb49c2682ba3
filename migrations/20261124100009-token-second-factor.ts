import type { Knex } from 'knex';

/**
 * A token carries the second factor of the sign-in that minted it, not its user's enrolment: a
 * token made by a session signed in with a password alone must not satisfy a room that requires
 * MFA just because its user enrolled later. Tokens made before this column existed carry none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.boolean('mfa').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('mfa');
  });
}
