import { z } from 'zod';
import { name } from '../http/validate.js';

export const LoginSchema = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(256),
  otp: z.string().regex(/^\d{6}$/, 'six digits').optional(),
  /** One of the recovery codes shown when MFA was enabled, in place of `otp`. */
  recoveryCode: z.string().trim().min(1).max(64).optional(),
});

export const CreateTokenSchema = z.strictObject({ name });

export const EnableMfaSchema = z.strictObject({ otp: z.string().regex(/^\d{6}$/, 'six digits') });
