import { z } from 'zod';
import { newPasswordSchema } from '../auth/password-policy.js';

/** A link's secret as issued (base64url of 32 bytes); anything else is refused as the same invalid_token. */
const token = z.string().max(200);

export const AcceptInvitationSchema = z.strictObject({ token, password: newPasswordSchema });
export type AcceptInvitationInput = z.infer<typeof AcceptInvitationSchema>;

export const ForgotPasswordSchema = z.strictObject({ email: z.string().trim().min(1).max(320) });

export const ResetPasswordSchema = z.strictObject({ token, password: newPasswordSchema });
export type ResetPasswordInput = z.infer<typeof ResetPasswordSchema>;
