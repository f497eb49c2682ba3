import { pino, type Logger } from 'pino';

/** Secrets never reach the logs: credentials, cookies, tokens, passwords and TOTP material are redacted. */
export const createLogger = (level: string): Logger =>
  pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.otp',
        '*.secret',
        '*.mfaSecret',
        '*.passwordHash',
      ],
      censor: '[redacted]',
    },
  });
