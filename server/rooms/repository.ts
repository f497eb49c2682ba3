import type { ServiceContext } from '../service-context.js';
import { accessibleBy } from '../policy/accessible-by.js';
import type { RoomRow } from '../policy/room-gate.js';

/** The rooms the caller may see (staff: the rooms they staff, admins all; a member: the rooms of their parties), oldest first. */
export const visibleRooms = (ctx: Pick<ServiceContext, 'db' | 'ability'>): Promise<RoomRow[]> =>
  ctx.db('rooms').where(accessibleBy(ctx.ability, 'read', 'Room')).orderBy('createdAt').select();
