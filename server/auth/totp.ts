import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as docs/http-api.md fixes it: HMAC-SHA-1, 6 digits, 30-second steps (what every authenticator app does). */
const PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
export const TOTP_PERIOD_MS = PARAMS.period * 1000;

/** 160 random bits, the size RFC 4226 recommends, as base32 for authenticator apps. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

export const otpauthUrl = (secretBase32: string, account: string): string =>
  new TOTP({ ...PARAMS, issuer: 'Gatehouse', label: account, secret: Secret.fromBase32(secretBase32) }).toString();

/** The code for the time step containing `timestamp` (the tests and a user's phone compute the same). */
export const totpCode = (secretBase32: string, timestamp = Date.now()): string =>
  TOTP.generate({ ...PARAMS, secret: Secret.fromBase32(secretBase32), timestamp });

/**
 * The time step a code belongs to, or null when it matches none. One step either side is accepted for
 * clock drift; the caller must still refuse a step already used, so a code works once.
 */
export function totpStepOf(secretBase32: string, code: string, timestamp = Date.now()): number | null {
  const delta = TOTP.validate({ ...PARAMS, token: code, secret: Secret.fromBase32(secretBase32), timestamp, window: 1 });
  if (delta === null) return null;
  return TOTP.counter({ period: PARAMS.period, timestamp }) + delta;
}
