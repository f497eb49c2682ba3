import { z } from 'zod';
import { formBoolean, formIdArray, id, isoTime } from '../http/validate.js';

/** The form fields that accompany the signed PDF (multipart: every value arrives as a string). */
export const RegisterNdaSchema = z
  .strictObject({
    orgId: id,
    kind: z.enum(['nda', 'joinder', 'clean_team']),
    signedAt: isoTime,
    effectiveAt: isoTime,
    expiresAt: isoTime,
    entityIds: formIdArray.pipe(z.array(id).min(1).max(500)),
    coversRepresentatives: formBoolean.default(false),
  })
  .refine((n) => n.expiresAt > n.effectiveAt, { path: ['expiresAt'], message: 'must be after effectiveAt' });
export type RegisterNdaInput = z.infer<typeof RegisterNdaSchema>;

/**
 * Confirming takes no input: who confirmed and when are the caller and the server's clock. A body
 * that names them (`confirmedBy`, `confirmedAt`, `status`) is refused, not quietly ignored, so a
 * client that believes it set them learns it did not.
 */
export const ConfirmSchema = z.strictObject({});

export const DecisionSchema = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
