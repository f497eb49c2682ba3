import { z } from 'zod';
import { id } from '../http/validate.js';

/** POST /api/rooms/:roomId/archives: the whole room, or with `partyId` what that party was shown. */
export const CreateArchiveSchema = z.strictObject({
  partyId: id.optional(),
});

export type CreateArchiveInput = z.infer<typeof CreateArchiveSchema>;
