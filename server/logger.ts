import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Secrets never reach the logs: credentials, cookies, tokens, passwords and TOTP material are redacted
 * wherever a log line carries them — in request headers (pino-http), at the top level of a logged
 * object, or one level down (e.g. `{ err: { secret } }`, `{ body: { password } }`).
 */
const SECRET_FIELDS = ['password', 'currentPassword', 'newPassword', 'token', 'otp', 'secret', 'mfaSecret', 'passwordHash', 'recoveryCode', 'recoveryCodes', 'otpauthUrl', 'csrfToken', 'authorization', 'cookie'];

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

/** The destination is stdout unless given (tests capture the lines to prove the redaction). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
