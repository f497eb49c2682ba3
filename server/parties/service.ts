import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { Db } from '../db.js';
import { conflict, denied, invalidRequest } from '../errors.js';
import { findUserByEmail, normaliseEmail, type UserRow } from '../users/repository.js';
import { statusOf } from '../users/presenter.js';
import type { UserStatus } from '../users/schema.js';
import { unusablePasswordHash } from '../users/service.js';
import { sendInvitation } from '../account-links/service.js';
import { roomLabelFor } from '../mail/templates.js';
import type { AddMemberInput, CreatePartyInput, InviteMemberInput } from './schema.js';
import { findVisibleParty, visibleParties, type PartyRow } from './repository.js';
import { visibleOrgs } from '../orgs/repository.js';

export interface PartyView extends PartyRow {
  advisorOrgIds: string[];
  members?: Array<{ userId: string; cleanTeam: boolean }>;
}

/**
 * The organisations named must be of the kind and ones the caller may see: a manager who came by the
 * id of another deal's bidder must not pull it into their party (and so see its people) — such an id
 * is refused like one that does not exist.
 */
async function assertOrgKind(ctx: ServiceContext, orgIds: string[], kind: string, field: string) {
  const found: string[] = orgIds.length ? await visibleOrgs(ctx).whereIn('orgs.id', orgIds).where('orgs.kind', kind).pluck('orgs.id') : [];
  const missing = orgIds.filter((o) => !found.includes(o));
  if (missing.length) throw invalidRequest(`Not ${kind} organisations: ${missing.join(', ')}.`, { [field]: `must name ${kind} organisations` });
}

export async function createParty(ctx: ServiceContext, roomId: string, input: CreatePartyInput): Promise<PartyView> {
  const room = await findVisibleRoom(ctx, roomId, 'party.create');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'party.create', roomId, subjectId: roomId, reason: 'managers only' });
  const advisorOrgIds = [...new Set(input.advisorOrgIds)];
  await assertOrgKind(ctx, [input.acquirerOrgId], 'acquirer', 'acquirerOrgId');
  await assertOrgKind(ctx, advisorOrgIds, 'advisor', 'advisorOrgIds');
  const party: PartyRow = { id: randomUUID(), roomId, name: input.name, acquirerOrgId: input.acquirerOrgId, createdAt: ctx.at };
  await ctx.db.transaction(async (trx) => {
    await trx('parties').insert(party);
    if (advisorOrgIds.length) await trx('partyAdvisors').insert(advisorOrgIds.map((orgId) => ({ partyId: party.id, orgId })));
    await recordAllowed(trx, ctx, { action: 'party.create', subjectType: 'Party', subjectId: party.id, roomId, details: { name: party.name, acquirerOrgId: party.acquirerOrgId, advisorOrgIds } });
  });
  return { ...party, advisorOrgIds };
}

export async function listParties(ctx: ServiceContext, roomId: string): Promise<PartyView[]> {
  const room = await findVisibleRoom(ctx, roomId, 'party.list');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'party.list', roomId, subjectId: roomId, reason: 'room staff only' });
  const parties = await visibleParties(ctx, 'read', roomId);
  const ids = parties.map((p) => p.id);
  const advisors: Array<{ partyId: string; orgId: string }> = ids.length ? await ctx.db('partyAdvisors').whereIn('partyId', ids) : [];
  const members: Array<{ partyId: string; userId: string; cleanTeam: boolean | number }> = ids.length ? await ctx.db('partyMembers').whereIn('partyId', ids) : [];
  return parties.map((p) => ({
    ...p,
    advisorOrgIds: advisors.filter((a) => a.partyId === p.id).map((a) => a.orgId),
    members: members.filter((m) => m.partyId === p.id).map((m) => ({ userId: m.userId, cleanTeam: Boolean(m.cleanTeam) })),
  }));
}

async function findManagedParty(ctx: ServiceContext, roomId: string, partyId: string, event: string): Promise<PartyRow> {
  const room = await findVisibleRoom(ctx, roomId, event);
  assertAllowed(ctx, 'edit', 'Room', room, { event, roomId, subjectId: partyId, reason: 'managers only' });
  const party = await findVisibleParty(ctx, 'edit', roomId, partyId);
  if (!party) throw denied({ action: event, subjectType: 'Party', subjectId: partyId, roomId, reason: 'no such party in the room' });
  return party;
}

/** The party's organisations: its acquirer's and its advisors'. Its members belong to one of them. */
async function partyOrgIds(ctx: ServiceContext, party: PartyRow): Promise<string[]> {
  return [party.acquirerOrgId, ...(await ctx.db('partyAdvisors').where({ partyId: party.id }).select('orgId')).map((a: { orgId: string }) => a.orgId)];
}

/** The room's one rule for members: a user is in at most one of its parties, checked here and held by the unique index under races. */
async function insertMember(ctx: ServiceContext, party: PartyRow, userId: string, cleanTeam: boolean, alsoInTransaction?: (trx: Db) => Promise<void>) {
  const { roomId, id: partyId } = party;
  const existing = await ctx.db('partyMembers').where({ roomId, userId }).first();
  if (existing) {
    if (existing.partyId === partyId) throw conflict('conflict', 'The user is already a member of this party.');
    throw conflict('party_conflict', 'The user is a member of another party of this room.');
  }
  try {
    await ctx.db.transaction(async (trx) => {
      await alsoInTransaction?.(trx);
      await trx('partyMembers').insert({ partyId, roomId, userId, cleanTeam, createdAt: ctx.at });
      await recordAllowed(trx, ctx, { action: 'party.member.add', subjectType: 'User', subjectId: userId, roomId, details: { partyId, cleanTeam } });
    });
  } catch (err) {
    // The unique (room, user) index settles a race between two managers; the users' unique email one
    // settles the same address invited twice at once.
    const message = String((err as Error).message);
    if (/unique|duplicate/i.test(message)) {
      throw /party_members/.test(message) ? conflict('party_conflict', 'The user is a member of another party of this room.') : conflict('email_taken', 'A user with this email exists.');
    }
    throw err;
  }
}

export async function addMember(ctx: ServiceContext, roomId: string, partyId: string, input: AddMemberInput) {
  const party = await findManagedParty(ctx, roomId, partyId, 'party.member.add');
  const user = await ctx.db('users').where({ id: input.userId }).whereNull('disabledAt').first();
  if (!user) throw invalidRequest('Unknown user.', { userId: 'no such user' });
  if (user.role !== 'external' || !(await partyOrgIds(ctx, party)).includes(user.orgId)) {
    throw invalidRequest("The user's organisation is not one of the party's.", { userId: "must belong to the party's acquirer or one of its advisors" });
  }
  await insertMember(ctx, party, input.userId, input.cleanTeam);
  return { partyId, userId: input.userId, cleanTeam: input.cleanTeam };
}

/**
 * A manager invites a bidder's person straight into a party: a new address becomes an invited
 * external user of the organisation named (one of the party's), mailed an invitation that names the
 * room as they may see it (its code name); an address already known in that organisation is taken
 * as it is. An address of another organisation is refused: a person speaks for one organisation.
 */
export async function inviteMember(ctx: ServiceContext, roomId: string, partyId: string, input: InviteMemberInput): Promise<{ userId: string; status: UserStatus }> {
  const party = await findManagedParty(ctx, roomId, partyId, 'party.member.invite');
  if (!(await partyOrgIds(ctx, party)).includes(input.orgId)) {
    throw invalidRequest("The organisation is not one of the party's.", { orgId: "must be the party's acquirer or one of its advisors" });
  }
  const existing = await findUserByEmail(ctx.db, input.email);
  if (existing) {
    if (existing.orgId !== input.orgId) throw conflict('email_taken', 'This address belongs to a user of another organisation.');
    if (existing.disabledAt) throw conflict('conflict', 'This user is disabled; an administrator can enable a new account.');
    await insertMember(ctx, party, existing.id, input.cleanTeam);
    return { userId: existing.id, status: statusOf(existing) };
  }
  const room = await ctx.db('rooms').where({ id: roomId }).first('name', 'codeName');
  const user: UserRow = {
    id: randomUUID(),
    email: normaliseEmail(input.email),
    name: input.name,
    orgId: input.orgId,
    role: 'external',
    passwordHash: await unusablePasswordHash(),
    mfaEnabled: false,
    disabledAt: null,
    createdAt: ctx.at,
    status: 'invited',
  };
  await insertMember(ctx, party, user.id, input.cleanTeam, async (trx) => {
    await trx('users').insert(user);
    await recordAllowed(trx, ctx, { action: 'user.create', subjectType: 'User', subjectId: user.id, roomId, details: { orgId: user.orgId, role: user.role, invited: true, partyId } });
    await sendInvitation(trx, ctx, user, ctx.at, roomLabelFor(room, user));
  });
  return { userId: user.id, status: 'invited' };
}

export async function removeMember(ctx: ServiceContext, roomId: string, partyId: string, userId: string) {
  await findManagedParty(ctx, roomId, partyId, 'party.member.remove');
  const member = await ctx.db('partyMembers').where({ partyId, userId }).first('userId');
  if (!member) throw denied({ action: 'party.member.remove', subjectType: 'User', subjectId: userId, roomId, reason: 'not a member of the party' });
  await ctx.db.transaction(async (trx) => {
    await trx('partyMembers').where({ partyId, userId }).delete();
    await recordAllowed(trx, ctx, { action: 'party.member.remove', subjectType: 'User', subjectId: userId, roomId, details: { partyId } });
  });
}
