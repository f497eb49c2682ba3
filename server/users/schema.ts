import { z } from 'zod';
import { id, name } from '../http/validate.js';
import { newPasswordSchema } from '../auth/password-policy.js';

export const CreateUserSchema = z.strictObject({
  email: z.email().max(320),
  name,
  // At least 12 characters, at most 256 (argon2 of a megabyte is a cheap denial of service), not a common one.
  password: newPasswordSchema,
  orgId: id,
  role: z.enum(['admin', 'staff', 'external']),
});
export type CreateUserInput = z.infer<typeof CreateUserSchema>;
