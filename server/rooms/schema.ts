import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateRoomSchema = z.strictObject({
  name,
  codeName: z.string().trim().min(1).max(200).nullish(),
  entityIds: z.array(id).min(1).max(500),
  /** Staged disclosure: uploads start as drafts unless the deal team says otherwise. */
  uploadsStartAs: z.enum(['draft', 'published']).default('draft'),
});
export type CreateRoomInput = z.infer<typeof CreateRoomSchema>;

/** What a manager may change of a room itself; omitted fields stay as they are. */
export const UpdateRoomSchema = z.strictObject({
  name: name.optional(),
  codeName: z.string().trim().min(1).max(200).nullish(),
  uploadsStartAs: z.enum(['draft', 'published']).optional(),
  /** Q&A: how many questions one party may ask in the room; null removes the limit. */
  questionLimitPerParty: z.number().int().min(1).max(100_000).nullable().optional(),
  /** Retention: a closed room's files are purged this many days after it closed; null clears it (administrators only). */
  retainDays: z.number().int().min(1).max(36_500).nullable().optional(),
});
export type UpdateRoomInput = z.infer<typeof UpdateRoomSchema>;

/** `expert`: seller staff who answer the Q&A questions assigned to them and see nothing else of the room. */
export const AddStaffSchema = z.strictObject({ userId: id, role: z.enum(['manager', 'counsel', 'expert']) });
export type AddStaffInput = z.infer<typeof AddStaffSchema>;
