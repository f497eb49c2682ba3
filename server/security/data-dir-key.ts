import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const cache = new Map<string, Buffer>();

/**
 * A random key kept in DATA_DIR (mode 0600), made on first use, so every process on this data
 * directory and every restart agree on it. Two processes racing to make it: the first write wins
 * (`wx`) and the loser reads the winner's key.
 */
export function dataDirKey(dataDir: string, name: string, bytes = 32): Buffer {
  const file = path.join(dataDir, name);
  const cached = cache.get(file);
  if (cached) return cached;
  fs.mkdirSync(dataDir, { recursive: true });
  let key: Buffer;
  try {
    key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch {
    try {
      key = randomBytes(bytes);
      fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch {
      key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    }
  }
  if (key.length !== bytes) throw new Error(`${file} does not hold a ${bytes}-byte key`);
  cache.set(file, key);
  return key;
}
