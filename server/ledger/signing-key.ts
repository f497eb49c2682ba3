import fs from 'node:fs';
import path from 'node:path';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';

export interface LedgerKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER): names the key in each checkpoint. */
  keyId: string;
}

function parsePrivateKey(text: string | Buffer, source: string): KeyObject {
  let key: KeyObject;
  try {
    key =
      typeof text === 'string' && !text.includes('-----BEGIN')
        ? createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' })
        : createPrivateKey(text);
  } catch {
    throw new ConfigError(`${source} is not a PEM or base64 PKCS#8 private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${source} must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  return key;
}

/**
 * Reads the file, or creates it on first start. 'wx' makes creation atomic: when two processes on
 * one DATA_DIR start at once, one writes and the other reads what it wrote, so both sign with one key.
 */
function readOrCreateKeyFile(file: string): KeyObject {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      return privateKey;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return parsePrivateKey(fs.readFileSync(file), `AUDIT_SIGNING_KEY_FILE (${file})`);
}

/**
 * The key that signs ledger checkpoints. It is kept outside the database on purpose: whoever can
 * rewrite the database must not also be able to sign a checkpoint for the rewritten chain.
 */
export function loadLedgerKey(audit: Config['audit']): LedgerKey {
  const privateKey = audit.signingKey ? parsePrivateKey(audit.signingKey, 'AUDIT_SIGNING_KEY') : readOrCreateKeyFile(audit.signingKeyFile);
  const publicKey = createPublicKey(privateKey);
  const keyId = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
  return { privateKey, publicKey, keyId };
}
