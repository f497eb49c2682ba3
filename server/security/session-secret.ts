import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';

/**
 * The key that signs session cookies: SESSION_SECRET, or else one kept in DATA_DIR so every process
 * on this data directory and every restart agree on it. (The session id itself is random; the
 * signature only stops forgery.) Two processes making it at once: the first write wins (`wx`).
 */
export function sessionSecretOf(config: Pick<Config, 'sessionSecret' | 'dataDir'>): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, 'session-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomUUID() + randomUUID();
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return fs.readFileSync(file, 'utf8').trim(); // another process wrote it first
    }
  }
}
