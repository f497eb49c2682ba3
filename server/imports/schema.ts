import { z } from 'zod';
import { id } from '../http/validate.js';
import { CLASSIFICATIONS, PERSONAL_DATA } from '../ranks.js';

/** The form fields of a ZIP import: where it goes, and what every document of it is about and holds. */
export const ImportFieldsSchema = z.strictObject({
  folderId: id,
  entityId: id,
  classification: z.enum(CLASSIFICATIONS),
  personalData: z.enum(PERSONAL_DATA),
});
export type ImportFields = z.infer<typeof ImportFieldsSchema>;
