import type { Entity, Room, RoomActions, User } from '../api.js';

/** What every view of a room needs: the room, who is looking, and what the server lets them do in it. */
export interface RoomContext {
  room: Room;
  user: User;
  /** The room's `can` flags (all false for external users): every "may I" in a room asks these, never a role. */
  can: RoomActions;
  entities: Map<string, Entity>;
  reloadRoom: () => void;
}

export const entityName = (ctx: RoomContext, id: string) => ctx.entities.get(id)?.name ?? 'Entity';
