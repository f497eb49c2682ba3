import { z } from 'zod';
import { id } from '../http/validate.js';

/** `folderId`: the subtree to download; without it, the whole room. */
export const FolderZipQuerySchema = z.strictObject({ folderId: id.optional() });
export type FolderZipQuery = z.infer<typeof FolderZipQuerySchema>;
