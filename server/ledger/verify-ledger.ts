import type { Deps } from '../service-context.js';
import { loadCheckpoints } from './checkpoints.js';
import { loadLedgerKey } from './signing-key.js';
import { verifyChain, type ChainVerification, type VerifyOptions } from './verify-chain.js';

/**
 * The whole ledger check, as the API and `npm run audit:verify` run it: the hash chain, held to every
 * signed checkpoint in the database and to the latest one in the object store.
 */
export async function verifyLedgerIntegrity(deps: Pick<Deps, 'db' | 'store' | 'config'>, onProgress?: VerifyOptions['onProgress']): Promise<ChainVerification> {
  const key = loadLedgerKey(deps.config.audit);
  const checkpoints = await loadCheckpoints(deps.db, deps.store);
  return verifyChain(deps.db, { checkpoints, key, onProgress });
}
