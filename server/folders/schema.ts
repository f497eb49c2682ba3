import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateFolderSchema = z.strictObject({ name, parentId: id.nullish() });
export type CreateFolderInput = z.infer<typeof CreateFolderSchema>;
