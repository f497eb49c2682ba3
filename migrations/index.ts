import type { Knex } from 'knex';
import * as coreModel from './20261124000000-core-model.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here, in order, rather than discovered on disk: the same list works under
 * tsx, jest and a bundled build, with no dynamic import of file paths.
 */
const migrations: Array<[string, Migration]> = [['20261124000000-core-model', coreModel]];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
