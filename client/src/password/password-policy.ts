/**
 * The server's password policy (server/auth/password-policy.ts), checked as the person types so they
 * learn what is wrong before they submit: at least 12 characters, at most 256, and not one of the
 * common passwords of zxcvbn's list — compared case-insensitively and with whitespace removed, as the
 * server does. The server stays the judge; this only spares a round trip.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordRule {
  id: 'length' | 'common';
  label: string;
  /** null while the list of common passwords is still loading (or could not be loaded). */
  met: boolean | null;
}

/** The common passwords, as a set; loaded on first need (a few hundred kB, wanted only on these pages). */
let commonPasswords: Promise<ReadonlySet<string>> | null = null;

export function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'] as string[]));
  return commonPasswords;
}

export function isCommonPassword(password: string, common: ReadonlySet<string>): boolean {
  const lower = password.toLowerCase();
  return common.has(lower) || common.has(lower.replace(/\s+/g, ''));
}

export function passwordRules(password: string, common: ReadonlySet<string> | null): PasswordRule[] {
  const length = password.length >= MIN_PASSWORD_LENGTH && password.length <= MAX_PASSWORD_LENGTH;
  return [
    {
      id: 'length',
      label: password.length > MAX_PASSWORD_LENGTH ? `At most ${MAX_PASSWORD_LENGTH} characters` : `At least ${MIN_PASSWORD_LENGTH} characters`,
      met: length,
    },
    {
      id: 'common',
      label: 'Not a commonly used password',
      met: password === '' ? false : common ? !isCommonPassword(password, common) : null,
    },
  ];
}

/** Whether the policy is known to hold (the common list loaded) or cannot be checked here (the server decides). */
export const passwordAcceptable = (rules: PasswordRule[]) => rules.every((r) => r.met !== false);
