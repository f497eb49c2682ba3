import { z } from 'zod';

/** The security settings of a room a manager may change; omitted fields stay as they are. */
export const UpdateRoomSettingsSchema = z.strictObject({
  /** External users need a second factor (TOTP) for anything in the room beyond its name. */
  requireMfa: z.boolean().optional(),
});
export type UpdateRoomSettingsInput = z.infer<typeof UpdateRoomSettingsSchema>;
