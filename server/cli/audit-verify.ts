import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.js';
import { createDb } from '../db.js';
import { createObjectStore } from '../../storage/create-object-store.js';
import { verifyLedgerIntegrity } from '../ledger/verify-ledger.js';

/**
 * `npm run audit:verify`: recomputes the whole hash chain and holds it to the signed checkpoints,
 * on the database, object store and key the server is configured with. A progress bar on stderr
 * (when it is a terminal) for long ledgers; the result as JSON on stdout; exit status 0 when the
 * ledger verifies, 1 when it is broken (the JSON names the first broken seq), 2 when it cannot run.
 */
const config = loadConfig();
const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const store = createObjectStore({ driver: config.storage.driver, dataDir: config.dataDir, s3: config.storage.driver === 's3' ? config.storage : undefined });
const bar = new SingleBar({ stream: process.stderr, format: 'verifying ledger [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left', etaBuffer: 50 }, Presets.shades_classic);
let started = false;
try {
  const result = await verifyLedgerIntegrity({ db, store, config }, (verified, total) => {
    if (!started) bar.start(total, 0);
    started = true;
    bar.setTotal(total);
    bar.update(verified);
  });
  if (started) bar.stop();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exitCode = result.ok ? 0 : 1;
} catch (err) {
  if (started) bar.stop();
  process.stderr.write(`audit:verify could not run: ${(err as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await db.destroy();
  await store.close?.();
}
