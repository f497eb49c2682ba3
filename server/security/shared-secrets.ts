import { createHmac } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import type { Db } from '../db.js';
import type { LedgerKey } from '../ledger/signing-key.js';
import { isoNow } from '../clock.js';
import { dataDirKey } from './data-dir-key.js';
import { sessionSecretOf } from './session-secret.js';

/*
 * Settings every process must share (docs/quality.md security 16). Two processes on one database with
 * different values all start and all seem to work, and the damage is silent: checkpoints signed by
 * two keys (the ledger stops verifying), cookies valid on one process only, TOTP seeds one process
 * cannot open (users locked out). So the database keeps a fingerprint of each, recorded by the first
 * process to start, and a process whose value differs refuses to start, naming the variable.
 *
 * A fingerprint reveals nothing of the secret: an HMAC, keyed with the secret, of a constant naming
 * the setting (neither the secret nor a plain hash of it, which a dictionary could reverse); for the
 * ledger key, the id of its public key, which every checkpoint already carries.
 */

export type SharedSetting = 'AUDIT_SIGNING_KEY' | 'SESSION_SECRET' | 'MFA_SEALING_KEY';

export interface SharedSecretFingerprint {
  setting: SharedSetting;
  fingerprint: string;
  /** Where this process took the value from, for the refusal's message. */
  source: string;
}

const keyedFingerprint = (setting: SharedSetting, secret: Buffer | string) =>
  `hmac-sha256:${createHmac('sha256', secret).update(`gatehouse shared-setting fingerprint v1\n${setting}`).digest('hex')}`;

const keyIdFingerprint = (keyId: string) => `ed25519-key-id:${keyId}`;

/** The fingerprints of this process' values, as it will use them (a DATA_DIR key where the variable is unset). */
export function sharedSecretFingerprints(config: Config, ledgerKey: LedgerKey): SharedSecretFingerprint[] {
  return [
    {
      setting: 'AUDIT_SIGNING_KEY',
      fingerprint: keyIdFingerprint(ledgerKey.keyId),
      source: config.audit.signingKey ? 'AUDIT_SIGNING_KEY' : `the key file ${config.audit.signingKeyFile} (AUDIT_SIGNING_KEY is not set)`,
    },
    {
      setting: 'SESSION_SECRET',
      fingerprint: keyedFingerprint('SESSION_SECRET', sessionSecretOf(config)),
      source: config.sessionSecret ? 'SESSION_SECRET' : 'its own key in DATA_DIR/session-secret (SESSION_SECRET is not set)',
    },
    {
      setting: 'MFA_SEALING_KEY',
      // The key mfa-service.ts seals TOTP seeds with.
      fingerprint: keyedFingerprint('MFA_SEALING_KEY', config.mfaSealingKey ?? dataDirKey(config.dataDir, 'mfa-secret-key')),
      source: config.mfaSealingKey ? 'MFA_SEALING_KEY' : 'its own key in DATA_DIR/mfa-secret-key (MFA_SEALING_KEY is not set)',
    },
  ];
}

/** A process whose shared setting is not the one the database was first started with. */
export class SharedSecretMismatchError extends ConfigError {
  constructor(
    readonly setting: SharedSetting,
    message: string,
  ) {
    super(message);
    this.name = 'SharedSecretMismatchError';
  }
}

interface FingerprintRow {
  setting: string;
  fingerprint: string;
  recordedAt: string;
}

/**
 * Records each fingerprint the database does not hold yet, then holds this process' values to what
 * it holds. Run at start-up, after the migrations, under the start-up lock. A ledger that already
 * has checkpoints (a database from before fingerprints were kept) answers for the ledger key: its
 * latest checkpoint names the key that signed it.
 */
export async function assertSharedSecretsMatch(db: Db, mine: SharedSecretFingerprint[]): Promise<void> {
  // One transaction: a process that is refused records nothing of its own values.
  await db.transaction(async (trx) => {
    const latestCheckpoint: { keyId: string } | undefined = await trx('auditCheckpoints').orderBy('seq', 'desc').first('keyId');
    const recordedAt = isoNow();
    const rows = mine.map((m) => ({
      setting: m.setting,
      fingerprint: m.setting === 'AUDIT_SIGNING_KEY' && latestCheckpoint ? keyIdFingerprint(latestCheckpoint.keyId) : m.fingerprint,
      recordedAt,
    }));
    // Two processes starting at once: the first insert stands, and the other is held to it below.
    await trx('sharedSecretFingerprints').insert(rows).onConflict('setting').ignore();
    const held: FingerprintRow[] = await trx('sharedSecretFingerprints').whereIn('setting', mine.map((m) => m.setting));
    for (const m of mine) {
      const row = held.find((h) => h.setting === m.setting);
      if (row && row.fingerprint !== m.fingerprint) {
        throw new SharedSecretMismatchError(
          m.setting,
          `${m.setting} is not the one this database was first started with (recorded ${row.recordedAt}): this process uses ${m.source}. ` +
            `Every process on one database must have the same ${m.setting}; start this one with the value the others use ` +
            `(to change it on purpose, see README "Shared secrets").`,
        );
      }
    }
  });
}
