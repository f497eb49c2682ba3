import type { Knex } from 'knex';

/**
 * PostgreSQL's index reads the words of a page as the searcher types them, as SQLite's already does.
 *
 * The default text-search parser keeps whole file names ("payroll.pdf"), host names, e-mail
 * addresses, URLs and their paths, hyphenated words, signed and decimal numbers, and anything
 * between < and > (an HTML tag, dropped) as single tokens. A searcher's words are letters and
 * digits only (server/search/search-query.ts), and FTS5's unicode61 splits on everything else, so
 * "payroll" found payroll.pdf on SQLite and nothing on PostgreSQL, and "4.2" (the words 4 and 2)
 * found "EUR 4.2 million" on SQLite only.
 *
 * The parser has no option for it, so the text it reads has the characters that glue words into
 * those tokens swapped, one for one, for control characters it reads as spaces:
 * gatehouse_search_text(). The stored tsvector and the snippets' ts_headline both read that text
 * (the same words at the same positions, so a phrase is still a run of words), and
 * gatehouse_display_text() swaps them back in the snippet. Stored text never holds a control
 * character (indexableText in server/search/text-index.ts), so the swap cannot be mistaken.
 * The set was found by running ts_debug over every ASCII punctuation character in every token
 * shape the parser knows; with these gone, none of its compound tokens can form.
 *
 * Words of letters and digits ("Kündigung2", a numword) are folded by unaccent too, as plain words were.
 */
const GLUE = '&+-./:;<>@_~';
/** From \x10: clear of \x01 and \x02 (the snippets' hit marks) and of tab, line feed and the other whitespace. */
const STAND_INS = Array.from(GLUE, (_, i) => `\\x${(0x10 + i).toString(16)}`).join('');

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw(`create function gatehouse_search_text(page_text text) returns text language sql immutable strict parallel safe
    as $$ select translate(page_text, '${GLUE}', E'${STAND_INS}') $$`);
  await knex.raw(`create function gatehouse_display_text(search_text text) returns text language sql immutable strict parallel safe
    as $$ select translate(search_text, E'${STAND_INS}', '${GLUE}') $$`);
  if (await foldsAccents(knex)) await knex.raw('alter text search configuration gatehouse_text alter mapping for numword with public.unaccent, pg_catalog.simple');
  // Dropping the column drops its GIN index; adding it back computes every page's tsvector again.
  await knex.raw('alter table document_pages drop column text_vector');
  await knex.raw("alter table document_pages add column text_vector tsvector generated always as (to_tsvector('gatehouse_text', gatehouse_search_text(text))) stored");
  await knex.raw('create index document_pages_text_vector on document_pages using gin (text_vector)');
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('alter text search configuration gatehouse_text alter mapping for numword with pg_catalog.simple');
  await knex.raw('alter table document_pages drop column text_vector');
  await knex.raw("alter table document_pages add column text_vector tsvector generated always as (to_tsvector('gatehouse_text', text)) stored");
  await knex.raw('create index document_pages_text_vector on document_pages using gin (text_vector)');
  await knex.raw('drop function gatehouse_display_text(text)');
  await knex.raw('drop function gatehouse_search_text(text)');
}

/** Whether migration full-text-search found unaccent and folds words with it. */
async function foldsAccents(knex: Knex): Promise<boolean> {
  const found = await knex.raw(`select 1 from pg_ts_config_map m join pg_ts_dict d on d.oid = m.mapdict
    where m.mapcfg = 'gatehouse_text'::regconfig and d.dictname = 'unaccent'`);
  return found.rows.length > 0;
}
