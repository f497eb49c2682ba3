import { createHmac } from 'node:crypto';
import type { Config } from '../config.js';
import { sessionSecretOf } from './session-secret.js';

/**
 * A keyed pseudonym of an email address, for records that must recognise the same address again
 * (failed sign-ins, throttle counters) without holding it. A plain SHA-256 of an address is no
 * pseudonym: anyone with the ledger and a list of addresses recovers which were tried. Keyed by a
 * label under the session secret, which every process shares (checked at start), so all processes
 * agree; the address cannot be tested without the key.
 */
export function emailPseudonym(config: Pick<Config, 'sessionSecret' | 'dataDir'>, value: string): string {
  const key = createHmac('sha256', sessionSecretOf(config)).update('gatehouse email pseudonym v1').digest();
  return createHmac('sha256', key).update(value).digest('hex');
}
