import { z } from 'zod';

/** A statement is a paragraph or a page: long enough for counsel's wording, bounded like every field. */
export const STATEMENT_MAX = 4000;

// Control characters other than line breaks and tabs have no place in a signed statement (a NUL
// truncates it in some readers, a bidi override makes it read otherwise than it is stored).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

export const CertifySchema = z.strictObject({
  statement: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(STATEMENT_MAX, `at most ${STATEMENT_MAX} characters`)
    .refine((s) => !CONTROL.test(s), 'must not hold control or direction-override characters'),
});
export type CertifyInput = z.infer<typeof CertifySchema>;

export const ListCertificationsSchema = z.strictObject({
  status: z.enum(['requested', 'certified']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
export type ListCertificationsQuery = z.infer<typeof ListCertificationsSchema>;
