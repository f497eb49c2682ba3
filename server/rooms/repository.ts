import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';
import type { RoomRow } from '../policy/room-gate.js';

/**
 * The rooms listed for the caller (staff: the rooms they staff, admins all; a member: the rooms of
 * their parties; an expert: the rooms whose questions they answer), oldest first.
 */
export const listedRooms = (ctx: Pick<ServiceContext, 'db' | 'ability'>): Promise<RoomRow[]> =>
  ctx.db('rooms').where(accessibleBy(ctx.ability, 'list', 'Room')).orderBy('createdAt').select();
