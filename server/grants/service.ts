import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { denied, invalidRequest } from '../errors.js';
import { classificationRank, levelRank, personalDataRank } from '../ranks.js';
import type { CreateGrantInput } from './schema.js';
import { findVisibleGrant, visibleGrants, type GrantRow } from './repository.js';

export async function createGrant(ctx: ServiceContext, roomId: string, input: CreateGrantInput): Promise<GrantRow> {
  const room = await findVisibleRoom(ctx, roomId, 'grant.create');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'grant.create', roomId, subjectId: roomId, reason: 'managers only' });
  if (!(await ctx.db('parties').where({ id: input.partyId, roomId }).first('id'))) {
    throw invalidRequest('Unknown party.', { partyId: 'no such party in this room' });
  }
  if (input.folderId && !(await ctx.db('folders').where({ id: input.folderId, roomId }).first('id'))) {
    throw invalidRequest('Unknown folder.', { folderId: 'no such folder in this room' });
  }
  const grant: GrantRow = {
    id: randomUUID(),
    roomId,
    partyId: input.partyId,
    folderId: input.folderId,
    levelRank: levelRank(input.level),
    maxClassificationRank: classificationRank(input.maxClassification),
    maxPersonalDataRank: personalDataRank(input.maxPersonalData),
    expiresAt: input.expiresAt ?? null,
    createdBy: ctx.actor.id,
    createdAt: ctx.at,
  };
  await ctx.db.transaction(async (trx) => {
    await trx('grants').insert(grant);
    await recordAllowed(trx, ctx, { action: 'grant.create', subjectType: 'Grant', subjectId: grant.id, roomId, details: { ...input } });
  });
  return grant;
}

export async function listGrants(ctx: ServiceContext, roomId: string): Promise<GrantRow[]> {
  const room = await findVisibleRoom(ctx, roomId, 'grant.list');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'grant.list', roomId, subjectId: roomId, reason: 'room staff only' });
  return visibleGrants(ctx, 'read', roomId);
}

/** Deleting a grant ends the access it gave on the very next request: abilities are built per request. */
export async function deleteGrant(ctx: ServiceContext, roomId: string, grantId: string): Promise<void> {
  const room = await findVisibleRoom(ctx, roomId, 'grant.delete');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'grant.delete', roomId, subjectId: grantId, reason: 'managers only' });
  const grant = await findVisibleGrant(ctx, 'edit', roomId, grantId);
  if (!grant) throw denied({ action: 'grant.delete', subjectType: 'Grant', subjectId: grantId, roomId, reason: 'no such grant in the room' });
  await ctx.db.transaction(async (trx) => {
    await trx('grants').where({ id: grantId }).delete();
    await recordAllowed(trx, ctx, { action: 'grant.delete', subjectType: 'Grant', subjectId: grantId, roomId, details: { partyId: grant.partyId, folderId: grant.folderId, levelRank: grant.levelRank } });
  });
}
