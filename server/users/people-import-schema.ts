import { z } from 'zod';
import { ORG_KINDS } from '../orgs/schema.js';

/**
 * `?dryRun=` — true unless the caller says false: a request without it, by hand or by a script that
 * forgot, only shows what would happen.
 */
export const PeopleImportQuerySchema = z.object({
  dryRun: z.enum(['true', 'false'], { error: 'true or false' }).default('true').transform((v) => v === 'true'),
});
export type PeopleImportQuery = z.infer<typeof PeopleImportQuerySchema>;

/** The columns of an import file, as its header names them (in any order, in any case). */
export const IMPORT_COLUMNS = ['email', 'name', 'organisation', 'kind', 'role'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Header spellings taken for a column besides its own name. */
export const COLUMN_ALIASES = new Map<string, ImportColumn>([['organization', 'organisation']]);

/** The bounds of http/validate.ts `name`, worded for a person reading a table of rows. */
const requiredName = z.string().trim().min(1, { error: 'required' }).max(200, { error: 'at most 200 characters' });

/** One row of an import file, bounded as POST /api/users and POST /api/orgs bound the same values. */
export const ImportRowSchema = z.object({
  email: z.email({ error: 'not an email address' }).max(320, { error: 'at most 320 characters' }),
  name: requiredName,
  organisation: requiredName,
  kind: z.enum(ORG_KINDS, { error: `one of ${ORG_KINDS.join(', ')}` }),
  role: z.enum(['admin', 'staff', 'external'], { error: 'one of admin, staff, external' }),
});
export type ImportRowInput = z.infer<typeof ImportRowSchema>;
