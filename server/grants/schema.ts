import { z } from 'zod';
import { id, isoTime } from '../http/validate.js';
import { CLASSIFICATIONS, LEVELS, PERSONAL_DATA } from '../ranks.js';

export const CreateGrantSchema = z.strictObject({
  partyId: id,
  folderId: id.nullable(),
  level: z.enum(LEVELS),
  maxClassification: z.enum(CLASSIFICATIONS),
  maxPersonalData: z.enum(PERSONAL_DATA),
  expiresAt: isoTime.nullish(),
});
export type CreateGrantInput = z.infer<typeof CreateGrantSchema>;
