import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import type { IncomingUpload } from '../uploads/incoming-upload.js';
import type { OrgRow } from '../orgs/repository.js';
import { HttpError } from '../errors.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { sendInvitation } from '../account-links/service.js';
import { readSpreadsheetRows, type SpreadsheetRow } from '../uploads/spreadsheet-rows.js';
import { normaliseEmail, type UserRow } from './repository.js';
import { assertRoleFitsOrg, insertUser, unusablePasswordHash } from './service.js';
import { COLUMN_ALIASES, IMPORT_COLUMNS, ImportRowSchema, type ImportColumn, type ImportRowInput } from './people-import-schema.js';

/** An import file is a directory, not a document: a few hundred kilobytes at most in practice. */
export const MAX_IMPORT_BYTES = 5 * 2 ** 20;
/**
 * Rows a file may hold. An import commits in one transaction, and each person invited costs nine
 * statements (user, ledger event, invitation link, mail, savepoint): about 4 ms on SQLite, whose
 * one connection every other request waits for meanwhile. A thousand rows hold it ~4 s; ten
 * thousand held it ~43 s, the whole server stalled. Larger lists are imported as several files.
 */
export const MAX_IMPORT_ROWS = 1_000;

/**
 * What a row does: `invite` a new person (an invitation mail, as POST /api/users without a
 * password); `create` the same, and the organisation it names too, which is new (only the first
 * row naming a new organisation says so); `unchanged`, the person is there already, in that
 * organisation; `error`, the row is wrong and nothing of the file is written.
 */
export type ImportAction = 'create' | 'invite' | 'unchanged' | 'error';

/** A row as the file has it (trimmed; email, kind and role as they are stored), and what it does. */
export interface ImportRowReport {
  row: number;
  email: string;
  name: string;
  organisation: string;
  kind: string;
  role: string;
  action: ImportAction;
}

/** `row` is the spreadsheet's row number (the header is row 1); `field` a column, or `file`. */
export interface ImportError {
  row: number;
  field: string;
  message: string;
}

/** The rows counted by action: what a dry run would do, or what the import did when `errors` is empty. */
export interface ImportReport {
  created: number;
  invited: number;
  unchanged: number;
  errors: ImportError[];
  rows: ImportRowReport[];
}

interface ImportRecord {
  row: number;
  values: Record<ImportColumn, string>;
}

/** The file's rows under its header, or what is wrong with the header. */
interface ImportTable {
  records: ImportRecord[];
  headerErrors: ImportError[];
}

interface ImportPlan {
  report: ImportReport;
  newOrgs: OrgRow[];
  invitations: Array<Pick<UserRow, 'email' | 'name' | 'orgId' | 'role'>>;
}

/**
 * People from a CSV or XLSX file (`email, name, organisation, kind, role`): reads the whole file,
 * checks every row against the directory and the other rows, and — unless it is a dry run or any
 * row is wrong — writes everything in one transaction: the new organisations, the invited people,
 * their ledger events and their invitation mails. A file is imported whole or not at all, so the
 * admin corrects it and imports it again, instead of working out which half went in.
 */
export async function importPeople(ctx: ServiceContext, upload: IncomingUpload, options: { dryRun: boolean }): Promise<ImportReport> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.import', reason: 'admins only' });
  const file = await receiveImportFile(upload, Math.min(MAX_IMPORT_BYTES, ctx.config.maxUploadBytes));
  const table = tableOf(await readSpreadsheetRows(file, { maxRows: MAX_IMPORT_ROWS + 1 }));
  if (options.dryRun) return (await planImport(ctx.db, table, ctx.at)).report;

  // One unusable hash for everyone the file invites: argon2 costs ~50 ms a hash on purpose, so one
  // each would add most of a minute to a thousand-row import; sharing it reveals nothing, since the
  // secret it hashes is thrown away at once and nobody can sign in with it.
  const passwordHash = await unusablePasswordHash();
  // Planned again inside the transaction, so what is written is checked against the directory as it is then.
  return ctx.db.transaction(async (trx) => {
    const plan = await planImport(trx, table, ctx.at);
    if (plan.report.errors.length > 0) return plan.report;
    for (const org of plan.newOrgs) await trx('orgs').insert(org);
    const people: UserRow[] = [];
    for (const person of plan.invitations) {
      people.push(await insertUser(trx, { ...person, passwordHash, status: 'invited' }, (inner, row) => sendInvitation(inner, ctx, row, ctx.at)));
    }
    // The ledger's events last: its lock (PostgreSQL) is held from the first append to the commit,
    // and every other recorded act of the server waits for it meanwhile.
    for (const org of plan.newOrgs) {
      await recordAllowed(trx, ctx, { action: 'org.create', subjectType: 'Org', subjectId: org.id, details: { name: org.name, kind: org.kind, imported: true } });
    }
    for (const row of people) {
      await recordAllowed(trx, ctx, { action: 'user.create', subjectType: 'User', subjectId: row.id, details: { orgId: row.orgId, role: row.role, invited: true, imported: true } });
    }
    const { created, invited, unchanged } = plan.report;
    await recordAllowed(trx, ctx, {
      action: 'user.import',
      details: { sha256: createHash('sha256').update(file.data).digest('hex'), size: file.data.length, rows: plan.report.rows.length, created, invited, unchanged },
    });
    return plan.report;
  });
}

async function receiveImportFile(upload: IncomingUpload, maxBytes: number) {
  try {
    return await upload.inMemory(maxBytes);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) {
      const limit = `${+(maxBytes / 2 ** 20).toFixed(1)} MB`;
      throw new HttpError(413, 'too_large', `The file is over the ${limit} an import takes; split it into several files.`, { file: `at most ${limit}` });
    }
    throw err;
  }
}

/** The header (the first row holding something) names the columns, in any order and case; other columns are left alone. */
function tableOf(rows: SpreadsheetRow[]): ImportTable {
  const [header, ...data] = rows;
  const expected = `the first row must name the columns ${IMPORT_COLUMNS.join(', ')}`;
  if (!header) return { records: [], headerErrors: [{ row: 1, field: 'file', message: `the file is empty: ${expected}` }] };
  const headerErrors: ImportError[] = [];
  const columnAt = new Map<ImportColumn, number>();
  header.cells.forEach((cell, i) => {
    const label = cell.toLowerCase();
    const column = IMPORT_COLUMNS.find((c) => c === label) ?? COLUMN_ALIASES.get(label);
    if (!column) return;
    if (columnAt.has(column)) headerErrors.push({ row: header.row, field: column, message: 'this column is named twice in the header' });
    else columnAt.set(column, i);
  });
  for (const column of IMPORT_COLUMNS) {
    if (!columnAt.has(column)) headerErrors.push({ row: header.row, field: column, message: `no such column: ${expected}` });
  }
  if (headerErrors.length === 0 && data.length === 0) headerErrors.push({ row: header.row, field: 'file', message: 'no rows below the header' });
  if (headerErrors.length > 0) return { records: [], headerErrors };
  const records = data.map(({ row, cells }) => ({
    row,
    values: Object.fromEntries(IMPORT_COLUMNS.map((c) => [c, cells[columnAt.get(c)!] ?? ''])) as Record<ImportColumn, string>,
  }));
  return { records, headerErrors };
}

/** Organisation names match whatever their case: "ACME Capital" in a file is the Acme Capital registered, not a second one. */
const nameKey = (name: string) => name.trim().toLowerCase();

type PlannedOrg = OrgRow & { isNew: boolean };

/** What every row would do against the directory as `db` reads it now, and every wrong row's field and reason. */
async function planImport(db: Db, table: ImportTable, at: string): Promise<ImportPlan> {
  const errors = [...table.headerErrors];
  const orgs: OrgRow[] = await db('orgs').select('id', 'name', 'kind', 'createdAt');
  const orgsByName = new Map<string, OrgRow[]>();
  for (const org of orgs) orgsByName.set(nameKey(org.name), [...(orgsByName.get(nameKey(org.name)) ?? []), org]);
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const sellerNames = orgs.filter((o) => o.kind === 'seller').map((o) => o.name);
  const users = await usersByEmail(db, table.records.map((r) => r.values.email));

  const firstRowOf = new Map<string, number>();
  const newOrgs = new Map<string, { org: PlannedOrg; row: number }>();
  const planned: Array<{ report: ImportRowReport; org?: PlannedOrg; input?: ImportRowInput }> = [];

  for (const { row, values } of table.records) {
    const rowErrors: ImportError[] = [];
    const fail = (field: ImportColumn, message: string) => rowErrors.push({ row, field, message });
    const valueOf = <C extends ImportColumn>(column: C, raw: string): ImportRowInput[C] | undefined => {
      const parsed = ImportRowSchema.shape[column].safeParse(raw);
      if (parsed.success) return parsed.data as ImportRowInput[C];
      fail(column, parsed.error.issues[0]?.message ?? 'invalid');
      return undefined;
    };
    const parsedEmail = valueOf('email', values.email);
    const email = parsedEmail && normaliseEmail(parsedEmail);
    const name = valueOf('name', values.name);
    const organisation = valueOf('organisation', values.organisation);
    const kind = valueOf('kind', values.kind.toLowerCase());
    const role = valueOf('role', values.role.toLowerCase());

    if (email) {
      const first = firstRowOf.get(email);
      if (first !== undefined) fail('email', `the same email is on row ${first}`);
      else firstRowOf.set(email, row);
    }
    if (kind && role) {
      const misfit = roleMisfit(role, kind);
      if (misfit) fail('role', misfit);
    }

    let org: PlannedOrg | undefined;
    if (organisation && kind) {
      const key = nameKey(organisation);
      const namesakes = orgsByName.get(key) ?? [];
      const exact = namesakes.filter((o) => o.name === organisation);
      const existing = namesakes.length === 1 ? namesakes[0] : exact.length === 1 ? exact[0] : undefined;
      const planned = newOrgs.get(key);
      if (namesakes.length > 1 && !existing) fail('organisation', `${namesakes.length} organisations are named so (whatever the case); give them distinct names first`);
      else if (existing && existing.kind !== kind) fail('kind', `"${existing.name}" is an organisation of kind ${existing.kind}`);
      else if (existing) org = { ...existing, isNew: false };
      else if (kind === 'seller') fail('organisation', `no seller organisation is named so: seller staff join the seller group (${sellerNames.join(', ') || 'none yet'}), which an import does not create`);
      else if (planned && planned.org.kind !== kind) fail('kind', `row ${planned.row} names this new organisation as ${planned.org.kind}`);
      else if (planned) org = planned.org;
      else {
        org = { id: randomUUID(), name: organisation, kind, createdAt: at, isNew: true };
        newOrgs.set(key, { org, row });
      }
    }

    const existingUser = email ? users.get(email) : undefined;
    const unchanged = existingUser !== undefined && org !== undefined && existingUser.orgId === org.id;
    if (existingUser && org && !unchanged) fail('email', `a person of another organisation (${orgName.get(existingUser.orgId) ?? 'unknown'}) has this email`);

    errors.push(...rowErrors);
    planned.push({
      report: {
        row,
        email: email ?? values.email,
        name: name ?? values.name,
        organisation: org?.name ?? organisation ?? values.organisation,
        kind: kind ?? values.kind,
        role: role ?? values.role,
        action: rowErrors.length > 0 ? 'error' : unchanged ? 'unchanged' : 'invite',
      },
      org,
      input: email && name && organisation && kind && role ? { email, name, organisation, kind, role } : undefined,
    });
  }

  // The first good row naming a new organisation creates it; the rows after it join it.
  const created = new Map<string, OrgRow>();
  const invitations: ImportPlan['invitations'] = [];
  for (const { report, org, input } of planned) {
    if (report.action !== 'invite' || !org || !input) continue;
    if (org.isNew && !created.has(org.id)) {
      created.set(org.id, { id: org.id, name: org.name, kind: org.kind, createdAt: org.createdAt });
      report.action = 'create';
    }
    invitations.push({ email: input.email, name: input.name, orgId: org.id, role: input.role });
  }

  const rows = planned.map((p) => p.report);
  const count = (action: ImportAction) => rows.filter((r) => r.action === action).length;
  return {
    report: { created: count('create'), invited: count('invite'), unchanged: count('unchanged'), errors, rows },
    newOrgs: [...created.values()],
    invitations,
  };
}

/** Why the role does not fit an organisation of the kind (assertRoleFitsOrg's words), or undefined when it does. */
function roleMisfit(role: UserRow['role'], kind: OrgRow['kind']): string | undefined {
  try {
    assertRoleFitsOrg(role, kind);
    return undefined;
  } catch (err) {
    if (err instanceof HttpError) return (err.details as { role: string }).role;
    throw err;
  }
}

/** Who has one of the emails already (however the file spells them), by normalised email. */
async function usersByEmail(db: Db, emails: string[]): Promise<Map<string, Pick<UserRow, 'id' | 'email' | 'orgId'>>> {
  const wanted = [...new Set(emails.map(normaliseEmail).filter((e) => e !== ''))];
  const found = new Map<string, Pick<UserRow, 'id' | 'email' | 'orgId'>>();
  // Chunks keep each query far below SQLite's and PostgreSQL's limits on bound parameters.
  for (let i = 0; i < wanted.length; i += 500) {
    const rows: Array<Pick<UserRow, 'id' | 'email' | 'orgId'>> = await db('users').whereIn('email', wanted.slice(i, i + 500)).select('id', 'email', 'orgId');
    for (const user of rows) found.set(user.email, user);
  }
  return found;
}
