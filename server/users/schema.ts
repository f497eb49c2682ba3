import { z } from 'zod';
import { id, name } from '../http/validate.js';

export const CreateUserSchema = z.strictObject({
  email: z.email().max(320),
  name,
  // Length first: argon2 of a megabyte "password" is a cheap denial of service.
  password: z.string().min(12, 'at least 12 characters').max(256),
  orgId: id,
  role: z.enum(['admin', 'staff', 'external']),
});
export type CreateUserInput = z.infer<typeof CreateUserSchema>;
