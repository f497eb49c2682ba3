import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import { hashPassword } from '../auth/passwords.js';
import { endSessionsOfUser } from '../auth/session-store.js';
import { isoNow } from '../clock.js';
import { findUserByEmail, findUserById, normaliseEmail, visibleUsers, type UserRow } from './repository.js';
import type { CreateUserInput } from './schema.js';

/** Seller staff and admins belong to the seller; outsiders to an acquirer or an advisor. */
function assertRoleFitsOrg(role: UserRow['role'], orgKind: string) {
  const fits = role === 'external' ? orgKind === 'acquirer' || orgKind === 'advisor' : orgKind === 'seller';
  if (!fits) {
    throw invalidRequest(`Role "${role}" does not fit an organisation of kind "${orgKind}".`, {
      role: role === 'external' ? 'external users belong to an acquirer or advisor organisation' : 'admins and staff belong to the seller organisation',
    });
  }
}

export async function createUser(ctx: ServiceContext, input: CreateUserInput): Promise<UserRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.create', reason: 'admins only' });
  const org = await ctx.db('orgs').where({ id: input.orgId }).first();
  if (!org) throw invalidRequest('Unknown organisation.', { orgId: 'no such organisation' });
  assertRoleFitsOrg(input.role, org.kind);
  if (await findUserByEmail(ctx.db, input.email)) throw conflict('email_taken', 'A user with this email exists.');
  const user = await insertUser(ctx.db, { ...input, passwordHash: await hashPassword(input.password) }, async (trx, row) => {
    await recordAllowed(trx, ctx, { action: 'user.create', subjectType: 'User', subjectId: row.id, details: { orgId: row.orgId, role: row.role } });
  });
  return user;
}

export async function insertUser(
  db: Db,
  input: Omit<CreateUserInput, 'password'> & { passwordHash: string },
  alsoInTransaction: (trx: Db, row: UserRow) => Promise<void>,
): Promise<UserRow> {
  const row: UserRow = {
    id: randomUUID(),
    email: normaliseEmail(input.email),
    name: input.name,
    orgId: input.orgId,
    role: input.role,
    passwordHash: input.passwordHash,
    mfaEnabled: false,
    disabledAt: null,
    createdAt: isoNow(),
  };
  try {
    await db.transaction(async (trx) => {
      await trx('users').insert(row);
      await alsoInTransaction(trx, row);
    });
  } catch (err) {
    // Two admins creating the same email at once: the unique index decides.
    if (/unique|duplicate/i.test(String((err as Error).message))) throw conflict('email_taken', 'A user with this email exists.');
    throw err;
  }
  return row;
}

/** The people the caller may see: admins all; seller staff the seller group and the parties of the rooms they staff. */
export async function listUsers(ctx: ServiceContext): Promise<UserRow[]> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'user.list', reason: 'seller staff only' });
  return visibleUsers(ctx);
}

/** Disabling ends every session and token of the user in the same transaction. */
export async function disableUser(ctx: ServiceContext, userId: string): Promise<void> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.disable', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  await ctx.db.transaction(async (trx) => {
    const at = ctx.at;
    await trx('users').where({ id: userId }).update({ disabledAt: user.disabledAt ?? at });
    await trx('apiTokens').where({ userId }).whereNull('revokedAt').update({ revokedAt: at });
    await endSessionsOfUser(trx, userId);
    await recordAllowed(trx, ctx, { action: 'user.disable', subjectType: 'User', subjectId: userId });
  });
}

/** The first admin, from ADMIN_EMAIL/ADMIN_PASSWORD, on a database with no users. */
export async function ensureFirstAdmin(db: Db, admin: { email: string; password: string } | undefined, sellerOrgName: string) {
  if (!admin) return;
  const anyUser = await db('users').first('id');
  if (anyUser) return;
  let org = await db('orgs').where({ kind: 'seller', name: sellerOrgName }).first();
  if (!org) {
    org = { id: randomUUID(), name: sellerOrgName, kind: 'seller', createdAt: isoNow() };
    await db('orgs').insert(org);
  }
  await insertUser(
    db,
    { email: admin.email, name: 'Administrator', orgId: org.id, role: 'admin', passwordHash: await hashPassword(admin.password) },
    (trx, row) =>
      appendAuditEvent(trx, { actorId: null, action: 'user.create', subjectType: 'User', subjectId: row.id, decision: 'allow', details: { role: 'admin', bootstrap: true } }).then(() => undefined),
  );
}
