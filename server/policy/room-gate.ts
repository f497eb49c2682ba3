import type { ServiceContext } from '../service-context.js';
import { forbidden } from '../errors.js';
import { recordDenied } from '../audit/record.js';
import { accessibleBy } from './accessible-by.js';
import { roomGateReasons } from './explain-access.js';

export interface RoomRow {
  id: string;
  name: string;
  codeName: string | null;
  status: 'open' | 'closed';
  createdBy: string;
  createdAt: string;
  closedAt: string | null;
}

/** The room, if the caller may see it at all; otherwise the refusal is recorded and a 404 thrown. */
export async function findVisibleRoom(ctx: ServiceContext, roomId: string, event: string): Promise<RoomRow> {
  const room: RoomRow | undefined = await ctx.db('rooms')
    .where(accessibleBy(ctx.ability, 'read', 'Room', 'rooms'))
    .where('rooms.id', roomId)
    .first();
  if (!room) throw await recordDenied(ctx, { action: event, subjectType: 'Room', subjectId: roomId, roomId: null, reason: 'room not visible to caller' });
  return room;
}

/**
 * The gate before any of a room's content (lists, files) for an external member: the room must be
 * open (rule 1) and some NDA must cover them (rule 3). They learn only which of the two is missing —
 * facts about themselves, never about the content.
 */
export async function assertRoomContentOpen(ctx: ServiceContext, room: RoomRow, event: string): Promise<void> {
  if (ctx.actor.role !== 'external') return;
  const membership = ctx.facts.memberships.find((m) => m.roomId === room.id);
  const deny = (reason: string, code: string, message: string) =>
    recordDenied(ctx, { action: event, subjectType: 'Room', subjectId: room.id, roomId: room.id, reason, details: { reasons: roomGateReasons(ctx.facts, room.id) } }, forbidden(code, message));
  if (!membership) throw await deny('not a member of the room', 'forbidden', 'You may not do this.');
  if (!membership.ipAllowed) throw await deny('address outside the party IP allow-list', 'ip_not_allowed', "Your network address is not on your party's allow-list for this room.");
  if (membership.requireMfa && !ctx.actor.mfa) {
    throw await deny('room requires MFA, request has none', 'mfa_required', 'This room requires two-step verification: enable it and sign in again with a code.');
  }
  if (!membership.roomOpen) throw await deny('room closed', 'room_closed', 'This room is closed.');
  if (membership.coverage.size === 0) {
    throw await deny('no confirmed NDA covers the caller', 'nda_required', "Your organisation's confidentiality agreement has not been confirmed yet.");
  }
}
