import type { Entity, Room, RoomRole, User } from '../api.js';

/** What every view of a room needs: the room, who is looking, and in which capacity. */
export interface RoomContext {
  room: Room;
  user: User;
  /** `external` for acquirers and advisors; admins act as managers. */
  role: RoomRole | 'external';
  entities: Map<string, Entity>;
  reloadRoom: () => void;
}

export const entityName = (ctx: RoomContext, id: string) => ctx.entities.get(id)?.name ?? 'Entity';
