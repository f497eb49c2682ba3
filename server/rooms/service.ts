import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { readableFields, ROOM_FIELDS } from '../policy/ability.js';
import { findVisibleRoom, type RoomRow } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import { openRequestsAfterRoomClosed } from '../certifications/open-request.js';
import { conflict, invalidRequest } from '../errors.js';
import type { AddStaffInput, CreateRoomInput, UpdateRoomInput } from './schema.js';
import { roomActionsOf, type RoomActions } from './room-actions.js';
import { listedRooms } from './repository.js';

export interface RoomView extends RoomRow {
  entityIds: string[];
  /** Q&A: how many questions one party may ask (null: no limit). */
  questionLimitPerParty?: number | null;
  /** What the caller may do in the room (room-actions.ts); absent for a caller who may do none of it. */
  can?: RoomActions;
}

/** The fields of `room` the caller may read in the room list and the room's own response (see ROOM_FIELDS in policy/ability.ts). */
export const readableRoomFields = (ctx: ServiceContext, room: RoomRow) => readableFields(ctx.ability, 'Room', { id: room.id }, ROOM_FIELDS, 'list');

const entityIdsOf = async (ctx: ServiceContext, roomIds: string[]) => {
  const rows: Array<{ roomId: string; entityId: string }> = roomIds.length
    ? await ctx.db('roomEntities').whereIn('roomId', roomIds).orderBy('entityId').select()
    : [];
  const byRoom = new Map<string, string[]>();
  for (const r of rows) byRoom.set(r.roomId, [...(byRoom.get(r.roomId) ?? []), r.entityId]);
  return byRoom;
};

export async function createRoom(ctx: ServiceContext, input: CreateRoomInput): Promise<RoomView> {
  assertAllowed(ctx, 'create', 'Room', null, { event: 'room.create', reason: 'seller staff only' });
  const entityIds = [...new Set(input.entityIds)];
  const known = await ctx.db('entities').whereIn('id', entityIds).pluck('id');
  const unknown = entityIds.filter((e) => !known.includes(e));
  if (unknown.length) throw invalidRequest('Unknown entities.', { entityIds: `no such entity: ${unknown.join(', ')}` });
  const room: RoomRow = {
    id: randomUUID(),
    name: input.name,
    codeName: input.codeName ?? null,
    status: 'open',
    createdBy: ctx.actor.id,
    createdAt: ctx.at,
    closedAt: null,
    uploadsStartAs: input.uploadsStartAs,
  };
  await ctx.db.transaction(async (trx) => {
    await trx('rooms').insert(room);
    await trx('roomEntities').insert(entityIds.map((entityId) => ({ roomId: room.id, entityId })));
    await trx('roomStaff').insert({ roomId: room.id, userId: ctx.actor.id, role: 'manager', createdAt: room.createdAt });
    await recordAllowed(trx, ctx, { action: 'room.create', subjectType: 'Room', subjectId: room.id, roomId: room.id, details: { name: room.name, entityIds, uploadsStartAs: room.uploadsStartAs } });
  });
  return { ...room, entityIds };
}

export async function listRooms(ctx: ServiceContext): Promise<RoomView[]> {
  const rooms = await listedRooms(ctx);
  const entities = await entityIdsOf(ctx, rooms.map((r) => r.id));
  return rooms.map((r) => ({ ...r, entityIds: entities.get(r.id) ?? [], can: roomActionsOf(ctx.ability, r, ctx.actor.id) }));
}

export async function getRoom(ctx: ServiceContext, roomId: string): Promise<RoomView & { nda?: { covered: boolean; entityIds: string[] } }> {
  const room = await findVisibleRoom(ctx, roomId, 'room.read', 'list');
  const entityIds = (await entityIdsOf(ctx, [room.id])).get(room.id) ?? [];
  const can = roomActionsOf(ctx.ability, room, ctx.actor.id);
  if (ctx.actor.role !== 'external') return { ...room, entityIds, can };
  const membership = ctx.facts.memberships.find((m) => m.roomId === room.id);
  const covered = membership?.roomOpen ? [...membership.coverage.keys()].sort() : [];
  return { ...room, entityIds, can, nda: { covered: covered.length > 0, entityIds: covered } };
}

export async function addStaff(ctx: ServiceContext, roomId: string, input: AddStaffInput): Promise<void> {
  const room = await findVisibleRoom(ctx, roomId, 'room.staff.add');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'room.staff.add', roomId, subjectId: roomId, reason: 'managers only' });
  const user = await ctx.db('users').where({ id: input.userId }).whereNull('disabledAt').first();
  if (!user) throw invalidRequest('Unknown user.', { userId: 'no such user' });
  if (user.role === 'external') throw invalidRequest('Room staff are seller staff.', { userId: 'an external user cannot be room staff' });
  const existing = await ctx.db('roomStaff').where({ roomId, userId: input.userId }).first();
  if (existing) throw conflict('conflict', `This user is already ${existing.role} of the room.`);
  await ctx.db.transaction(async (trx) => {
    await trx('roomStaff').insert({ roomId, userId: input.userId, role: input.role, createdAt: ctx.at });
    await recordAllowed(trx, ctx, { action: 'room.staff.add', subjectType: 'User', subjectId: input.userId, roomId, details: { role: input.role } });
  });
}

export interface StaffView {
  userId: string;
  role: 'manager' | 'counsel' | 'expert';
  name: string;
  email: string;
}

/** The room's deal team and counsel, for room staff (the web client shows them and learns its own role). */
export async function listStaff(ctx: ServiceContext, roomId: string): Promise<StaffView[]> {
  const room = await findVisibleRoom(ctx, roomId, 'room.staff.list');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'room.staff.list', roomId, subjectId: roomId, reason: 'room staff only' });
  return ctx.db('roomStaff')
    .join('users', 'users.id', 'roomStaff.userId')
    .where('roomStaff.roomId', roomId)
    .orderBy('roomStaff.createdAt')
    .select('roomStaff.userId as userId', 'roomStaff.role as role', 'users.name as name', 'users.email as email');
}

/** A manager renames the room, changes its code name or how its uploads start; the change is on the ledger. */
export async function updateRoom(ctx: ServiceContext, roomId: string, input: UpdateRoomInput): Promise<RoomView> {
  const room = await findVisibleRoom(ctx, roomId, 'room.update');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'room.update', roomId, subjectId: roomId, reason: 'managers only' });
  // Retention decides when the room's files are deleted for good: an administrator's call, like the purge itself.
  if (input.retainDays !== undefined) assertAllowed(ctx, 'edit', 'Directory', null, { event: 'room.update', roomId, subjectId: roomId, reason: 'retention: administrators only' });
  const changes: Record<string, unknown> = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  // A new retention gets its own week-before mail to the admins (server/purge/retention-sweeper.ts).
  if (input.retainDays !== undefined) changes.purgeNoticeSentAt = null;
  await ctx.db.transaction(async (trx) => {
    if (Object.keys(changes).length) await trx('rooms').where({ id: roomId }).update(changes);
    await recordAllowed(trx, ctx, { action: 'room.update', subjectType: 'Room', subjectId: roomId, roomId, details: { ...changes } });
  });
  return getRoom(ctx, roomId);
}

/** Closing revokes every external access at once: the ability gives outsiders nothing in a closed room. */
export async function closeRoom(ctx: ServiceContext, roomId: string): Promise<void> {
  const room = await findVisibleRoom(ctx, roomId, 'room.close');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'room.close', roomId, subjectId: roomId, reason: 'managers only' });
  if (room.status === 'closed') return;
  await ctx.db.transaction(async (trx) => {
    await trx('rooms').where({ id: roomId }).update({ status: 'closed', closedAt: ctx.at });
    await recordAllowed(trx, ctx, { action: 'room.close', subjectType: 'Room', subjectId: roomId, roomId });
    // Every party that had access is asked to certify return or destruction.
    await openRequestsAfterRoomClosed(trx, ctx.config, { roomId, at: ctx.at, actorId: ctx.actor.id });
  });
}
