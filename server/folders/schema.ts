import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateFolderSchema = z.strictObject({ name, parentId: id.nullish() });
export type CreateFolderInput = z.infer<typeof CreateFolderSchema>;

/** Renames, moves (parentId; null: to the top) and reorders a folder; omitted fields stay as they are. */
export const UpdateFolderSchema = z
  .strictObject({
    name: name.optional(),
    parentId: id.nullable().optional(),
    /** 1-based place among its siblings; last when moved without one. */
    position: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change: give name, parentId or position' });
export type UpdateFolderInput = z.infer<typeof UpdateFolderSchema>;
