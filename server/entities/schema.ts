import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateEntitySchema = z.strictObject({ name, parentId: id.nullish() });
export type CreateEntityInput = z.infer<typeof CreateEntitySchema>;
