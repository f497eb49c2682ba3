import type { ServiceContext } from '../service-context.js';
import { assertAllowed } from '../policy/assert-allowed.js';
import { findVisibleRoom } from '../policy/room-gate.js';
import { recordAllowed } from '../ledger/record.js';
import type { UpdateRoomSettingsInput } from './schema.js';

export interface RoomSettings {
  requireMfa: boolean;
}

const settingsOf = async (ctx: ServiceContext, roomId: string): Promise<RoomSettings> => {
  const row = await ctx.db('rooms').where({ id: roomId }).first('requireMfa');
  return { requireMfa: Boolean(row?.requireMfa) };
};

export async function getRoomSettings(ctx: ServiceContext, roomId: string): Promise<RoomSettings> {
  const room = await findVisibleRoom(ctx, roomId, 'room.settings.read');
  assertAllowed(ctx, 'oversee', 'Room', room, { event: 'room.settings.read', roomId, subjectId: roomId, reason: 'room staff only' });
  return settingsOf(ctx, roomId);
}

/** Takes effect on the next request of every member: the policy reads the setting with the access facts. */
export async function updateRoomSettings(ctx: ServiceContext, roomId: string, input: UpdateRoomSettingsInput): Promise<RoomSettings> {
  const room = await findVisibleRoom(ctx, roomId, 'room.settings.update');
  assertAllowed(ctx, 'edit', 'Room', room, { event: 'room.settings.update', roomId, subjectId: roomId, reason: 'managers only' });
  await ctx.db.transaction(async (trx) => {
    if (input.requireMfa !== undefined) await trx('rooms').where({ id: roomId }).update({ requireMfa: input.requireMfa });
    await recordAllowed(trx, ctx, { action: 'room.settings.update', subjectType: 'Room', subjectId: roomId, roomId, details: { ...input } });
  });
  return settingsOf(ctx, roomId);
}
