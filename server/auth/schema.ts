import { z } from 'zod';
import { name } from '../http/validate.js';
import { newPasswordSchema } from './password-policy.js';

export const LoginSchema = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(256),
  otp: z.string().regex(/^\d{6}$/, 'six digits').optional(),
  /** One of the recovery codes shown when MFA was enabled, in place of `otp`. */
  recoveryCode: z.string().trim().min(1).max(64).optional(),
});
export type LoginInput = z.infer<typeof LoginSchema>;

/**
 * The caller's current password, asked again before a change to how the account signs in
 * (step-up.ts). Optional here so that leaving it out is the 403 reauthentication_required that says
 * what is missing, not a generic 400.
 */
const currentPassword = z.string().max(256).optional();

export const CreateTokenSchema = z.strictObject({ name, currentPassword });
export type CreateTokenInput = z.infer<typeof CreateTokenSchema>;

export const EnableMfaSchema = z.strictObject({ otp: z.string().regex(/^\d{6}$/, 'six digits'), currentPassword });

export const DisableMfaSchema = z.strictObject({ currentPassword });

export const ChangePasswordSchema = z.strictObject({ currentPassword, newPassword: newPasswordSchema });
export type ChangePasswordInput = z.infer<typeof ChangePasswordSchema>;
