import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { recordAllowed } from '../ledger/record.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import { hashPassword } from '../auth/passwords.js';
import { endSessionsOfUser } from '../auth/session-store.js';
import { isoNow } from '../clock.js';
import { fetchPage, type Page } from '../http/paging.js';
import { likePattern } from '../documents/repository.js';
import { endAccountTokens } from '../account-links/account-tokens.js';
import { sendInvitation } from '../account-links/service.js';
import { findUserByEmail, findUserById, normaliseEmail, visibleUsers, type UserRow } from './repository.js';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from './schema.js';

/** Seller staff and admins belong to the seller; outsiders to an acquirer or an advisor. */
export function assertRoleFitsOrg(role: UserRow['role'], orgKind: string, field: 'role' | 'orgId' = 'role') {
  const fits = role === 'external' ? orgKind === 'acquirer' || orgKind === 'advisor' : orgKind === 'seller';
  if (!fits) {
    throw invalidRequest(`Role "${role}" does not fit an organisation of kind "${orgKind}".`, {
      [field]: role === 'external' ? 'external users belong to an acquirer or advisor organisation' : 'admins and staff belong to the seller organisation',
    });
  }
}

/** A password hash nobody can match: the column stays valid while the account cannot sign in (invited, erased). */
export const unusablePasswordHash = () => hashPassword(randomBytes(32).toString('base64url'));

/**
 * Creates a user. Without a password (the usual way) the user is `invited`: their account cannot
 * sign in until they accept the invitation mailed to them, which is queued with the row.
 */
export async function createUser(ctx: ServiceContext, input: CreateUserInput): Promise<UserRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.create', reason: 'admins only' });
  const org = await ctx.db('orgs').where({ id: input.orgId }).first();
  if (!org) throw invalidRequest('Unknown organisation.', { orgId: 'no such organisation' });
  assertRoleFitsOrg(input.role, org.kind);
  if (await findUserByEmail(ctx.db, input.email)) throw conflict('email_taken', 'A user with this email exists.');
  const invited = input.password === undefined;
  const passwordHash = invited ? await unusablePasswordHash() : await hashPassword(input.password!);
  return insertUser(ctx.db, { ...input, passwordHash, status: invited ? 'invited' : 'active' }, async (trx, row) => {
    await recordAllowed(trx, ctx, { action: 'user.create', subjectType: 'User', subjectId: row.id, details: { orgId: row.orgId, role: row.role, invited } });
    if (invited) await sendInvitation(trx, ctx, row, ctx.at);
  });
}

export async function insertUser(
  db: Db,
  input: Pick<UserRow, 'email' | 'name' | 'orgId' | 'role' | 'passwordHash' | 'status'>,
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
    status: input.status,
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

/**
 * The people the caller may see (admins all; seller staff the seller group and the parties of the
 * rooms they staff), by email, searched by name or email, filtered by status or organisation.
 */
export async function listUsers(ctx: ServiceContext, query: ListUsersQuery): Promise<Page<UserRow>> {
  assertAllowed(ctx, 'read', 'Directory', null, { event: 'user.list', reason: 'seller staff only' });
  const q = visibleUsers(ctx).select('users.*');
  if (query.q) q.where((w) => w.whereRaw('lower(users.name) like ? escape ?', [likePattern(query.q!), '\\']).orWhereRaw('users.email like ? escape ?', [likePattern(query.q!), '\\']));
  if (query.orgId) q.where('users.orgId', query.orgId);
  if (query.status === 'disabled') q.whereNotNull('users.disabledAt');
  else if (query.status) q.whereNull('users.disabledAt').where('users.status', query.status);
  return fetchPage<UserRow>(q, query, { column: 'email', field: 'email', table: 'users' });
}

/** Renames a person or moves them to another organisation (of a kind that fits their role). */
export async function updateUser(ctx: ServiceContext, userId: string, input: UpdateUserInput): Promise<UserRow> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.update', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  if (input.orgId && input.orgId !== user.orgId) {
    const org = await ctx.db('orgs').where({ id: input.orgId }).first();
    if (!org) throw invalidRequest('Unknown organisation.', { orgId: 'no such organisation' });
    assertRoleFitsOrg(user.role, org.kind, 'orgId');
    // A party member speaks for their organisation: moving them would carry them into another party's access.
    if (await ctx.db('partyMembers').where({ userId }).first('roomId')) {
      throw conflict('conflict', 'The person is a member of a party; remove them from its parties before moving them to another organisation.');
    }
  }
  const changes = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.orgId !== undefined ? { orgId: input.orgId } : {}) };
  await ctx.db.transaction(async (trx) => {
    await trx('users').where({ id: userId }).update(changes);
    await recordAllowed(trx, ctx, { action: 'user.update', subjectType: 'User', subjectId: userId, details: { from: { name: user.name, orgId: user.orgId }, to: changes } });
  });
  return (await findUserById(ctx.db, userId))!;
}

/** Disabling ends every session, token and open link of the user in the same transaction. */
export async function disableUser(ctx: ServiceContext, userId: string): Promise<void> {
  assertAllowed(ctx, 'edit', 'Directory', null, { event: 'user.disable', subjectId: userId, reason: 'admins only' });
  const user = await findUserById(ctx.db, userId);
  if (!user) throw notFound();
  await ctx.db.transaction(async (trx) => {
    const at = ctx.at;
    await trx('users').where({ id: userId }).update({ disabledAt: user.disabledAt ?? at });
    await trx('apiTokens').where({ userId }).whereNull('revokedAt').update({ revokedAt: at });
    await endAccountTokens(trx, userId, at);
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
    { email: admin.email, name: 'Administrator', orgId: org.id, role: 'admin', passwordHash: await hashPassword(admin.password), status: 'active' },
    (trx, row) =>
      appendAuditEvent(trx, { actorId: null, action: 'user.create', subjectType: 'User', subjectId: row.id, decision: 'allow', details: { role: 'admin', bootstrap: true } }).then(() => undefined),
  );
}
