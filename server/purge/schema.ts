import { z } from 'zod';

/**
 * A purge takes no options: what it deletes is every stored object of the room, nothing less. The
 * web client asks the admin to type the room's name first; the API's guard is that the room is closed.
 */
export const PurgeRoomSchema = z.strictObject({});
