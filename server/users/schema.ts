import { z } from 'zod';
import { id, name } from '../http/validate.js';
import { newPasswordSchema } from '../auth/password-policy.js';
import { PagingSchema } from '../http/paging.js';

export const CreateUserSchema = z.strictObject({
  email: z.email().max(320),
  name,
  // Without a password the user is invited by mail and sets their own (the usual way). With one, the
  // account is active at once (scripts, the demo): at least 12 characters, at most 256, not a common one.
  password: newPasswordSchema.optional(),
  orgId: id,
  role: z.enum(['admin', 'staff', 'external']),
});
export type CreateUserInput = z.infer<typeof CreateUserSchema>;

export const UpdateUserSchema = z
  .strictObject({ name: name.optional(), orgId: id.optional() })
  .refine((v) => v.name !== undefined || v.orgId !== undefined, { message: 'name or orgId', path: ['body'] });
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>;

export const USER_STATUSES = ['invited', 'active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const ListUsersQuerySchema = PagingSchema.extend({
  q: z.string().trim().max(200).optional(),
  status: z.enum(USER_STATUSES).optional(),
  orgId: id.optional(),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuerySchema>;
