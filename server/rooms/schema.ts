import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateRoomSchema = z.strictObject({
  name,
  codeName: z.string().trim().min(1).max(200).nullish(),
  entityIds: z.array(id).min(1).max(500),
});
export type CreateRoomInput = z.infer<typeof CreateRoomSchema>;

export const AddStaffSchema = z.strictObject({ userId: id, role: z.enum(['manager', 'counsel']) });
export type AddStaffInput = z.infer<typeof AddStaffSchema>;
