import { z } from 'zod';
import { name } from '../http/validate.js';

export const LoginSchema = z.strictObject({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(256),
  otp: z.string().regex(/^\d{6}$/).optional(),
});

export const CreateTokenSchema = z.strictObject({ name });
