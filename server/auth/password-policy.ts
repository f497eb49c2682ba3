import { z } from 'zod';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The password policy (OWASP ASVS 2.1): at least 12 characters, at most 256 (argon2 of a megabyte
 * "password" is a cheap denial of service), and not one of the ~49,000 most common passwords of
 * zxcvbn's list — compared case-insensitively and with whitespace removed, so "Password 1234" is
 * as refused as "password1234".
 */
const COMMON_PASSWORDS = new Set(dictionary['passwords-common']);

export const MIN_PASSWORD_LENGTH = 12;

export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  return COMMON_PASSWORDS.has(lower) || COMMON_PASSWORDS.has(lower.replace(/\s+/g, ''));
}

/** The schema of a password being set: use it wherever a new password is accepted. */
export const newPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(256)
  .refine((p) => !isCommonPassword(p), 'a commonly used password; choose another');
