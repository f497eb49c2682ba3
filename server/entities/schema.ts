import { z } from 'zod';
import { id, name } from '../http/validate.js';
import { PagingSchema } from '../http/paging.js';

export const CreateEntitySchema = z.strictObject({ name, parentId: id.nullish() });
export type CreateEntityInput = z.infer<typeof CreateEntitySchema>;

/** A rename, or a move under another parent (null: to the top of the group). */
export const UpdateEntitySchema = z
  .strictObject({ name: name.optional(), parentId: id.nullable().optional() })
  .refine((v) => v.name !== undefined || v.parentId !== undefined, { message: 'name or parentId', path: ['body'] });
export type UpdateEntityInput = z.infer<typeof UpdateEntitySchema>;

export const ListEntitiesQuerySchema = PagingSchema.extend({ q: z.string().trim().max(200).optional() });
export type ListEntitiesQuery = z.infer<typeof ListEntitiesQuerySchema>;
