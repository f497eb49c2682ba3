import { z } from 'zod';
import { id } from '../http/validate.js';
import { PERSONAL_DATA } from '../ranks.js';

/** One level, or several separated by commas: `personalData=pseudonymised,identified`. */
const personalDataLevels = z
  .string()
  .max(100)
  .transform((s) => s.split(',').map((p) => p.trim()))
  .pipe(z.array(z.enum(PERSONAL_DATA)).min(1));

export const DisclosureQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv']).default('json'),
  /**
   * `documents` (the default): one line per recipient organisation and document, as the OpenAPI document lists.
   * `recipients`: one line per entity, personal-data level and recipient organisation — the answer
   * to a data subject asking under GDPR Art. 15 who received documents with their data.
   */
  view: z.enum(['documents', 'recipients']).default('documents'),
  entityId: id.optional(),
  personalData: personalDataLevels.optional(),
  orgId: id.optional(),
  documentId: id.optional(),
});
export type DisclosureQuery = z.infer<typeof DisclosureQuerySchema>;
export type DisclosureFilters = Pick<DisclosureQuery, 'entityId' | 'personalData' | 'orgId' | 'documentId'>;

/** `GET /api/rooms/:roomId/disclosures/subjects?value=`: the subject column's value of one person. */
export const SubjectDisclosureQuerySchema = z.strictObject({
  value: z.string().min(1).max(1000),
});
