import { loadConfig } from './config.js';
import { createDb, migrateToLatest } from './db.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { afterResponseTasksSettled } from './service-context.js';
import { ensureFirstAdmin } from './users/service.js';
import { createObjectStore } from '../storage/create-object-store.js';
import { LocalDiskStore } from '../storage/local-disk-store.js';
import type { Lifecycle } from './health/routes.js';
import { startMaintenance } from './maintenance/orphan-sweeper.js';
import { withStartupLock } from './maintenance/startup-lock.js';
import { sweepExpiredSessions } from './auth/session-store.js';
import { startCheckpointer } from './ledger/checkpoints.js';
import { loadLedgerKey } from './ledger/signing-key.js';
import { assertSharedSecretsMatch, SharedSecretMismatchError, sharedSecretFingerprints } from './security/shared-secrets.js';
import { probeOfficeSandbox } from './pdf-intake/office-sandbox.js';
import { describeQpdfEngine } from './pdf-intake/qpdf-engine.js';
import { startTextIndexer } from './search/text-indexer.js';
import { startMailDelivery } from './mail/mail-delivery.js';
import { mailFolderOf } from './mail/transport.js';
import { archiveBuilderOf } from './archives/archive-builder.js';
import { sweepRetention } from './purge/retention-sweeper.js';
import { isoNow } from './clock.js';

/** Start-up only: configuration → database (migrated) → object store → listen. */
const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
// Loaded before anything is served: a bad key fails fast, and its id is held to the database's below.
const ledgerKey = loadLedgerKey(config.audit);
try {
  await withStartupLock(db, async () => {
    await migrateToLatest(db);
    // Settings every process must share: a process with another value refuses to start (docs/quality.md security 16).
    await assertSharedSecretsMatch(db, sharedSecretFingerprints(config, ledgerKey));
    await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
  });
} catch (err) {
  if (!(err instanceof SharedSecretMismatchError)) throw err;
  logger.fatal({ setting: err.setting }, err.message);
  await db.destroy();
  process.exit(1);
}

// Office documents are converted in a sandbox where the system allows one; say so where it does not.
const sandbox = await probeOfficeSandbox();
if (sandbox.available) logger.info('office documents are converted in a bwrap sandbox (no network, no files but their own)');
else logger.warn({ reason: sandbox.reason }, 'office documents are converted WITHOUT a sandbox: LibreOffice runs with a minimal environment and limits, but can reach the network and the files this process can read (see README "Configuration")');
logger.info(await describeQpdfEngine(), 'PDF intake runs qpdf');

const store = createObjectStore({ driver: config.storage.driver, dataDir: config.dataDir, s3: config.storage.driver === 's3' ? config.storage : undefined });
await store.init();
// A crash mid-upload leaves a temp file, never a visible object; clear the leftovers of old crashes.
if (store instanceof LocalDiskStore) await store.sweepTemp(60 * 60 * 1000);

const lifecycle: Lifecycle = { draining: false };
const app = createApp({ db, store, config, logger, lifecycle });
const server = app.listen(config.port, config.host, () => {
  const { port } = server.address() as { port: number };
  logger.info({ host: config.host, port, database: config.databaseUrl ? 'postgresql' : 'sqlite', storage: config.storage.driver }, 'gatehouse listening');
});
// Idle keep-alive connections stay open longer than a load balancer's (60 s on the usual ones) and a
// client's: whoever reuses a connection must never meet one the server has just closed (a reset
// request, seen by the user as a failed download).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// Objects no row references (a process killed between storing an upload and committing its row),
// expired sessions and a local store's stale temp files go at start-up and then periodically.
const maintenance = startMaintenance(db, store, {
  intervalMs: config.maintenance.intervalMs,
  orphanGraceMs: config.maintenance.orphanGraceMs,
  logger,
  tasks: [
    { name: 'expiredSessionsRemoved', run: async () => Number(await sweepExpiredSessions(db)) },
    ...(store instanceof LocalDiskStore ? [{ name: 'tempFilesRemoved', run: () => store.sweepTemp(60 * 60 * 1000) }] : []),
    // Retention (server/purge/): the week-before mail to admins, then the purge of closed rooms whose retainDays ran out.
    { name: 'roomsPurged', run: async () => (await sweepRetention({ db, store, config, logger }, isoNow())).purged },
  ],
});

// The outbox: queued in the transactions of the changes that cause mail, sent from here with retries.
const mail = startMailDelivery({ db, config, logger });

// Search: text extraction after upload, in the background; every process takes its share of the queue.
const textIndexer = startTextIndexer({ db, store, config, logger, poll: true });
// Deal-end archives: built in the background; this process also takes jobs a dead process left behind.
const archiveBuilder = archiveBuilderOf({ db, store, config, logger });
archiveBuilder.startPolling();
if (mail.transportKind === 'smtp') logger.info({ publicUrl: config.mail.publicUrl }, 'mail is sent over SMTP (SMTP_URL)');
else logger.info({ folder: mailFolderOf(config), publicUrl: config.mail.publicUrl }, 'no SMTP_URL: mail is written as .eml files, and admins read it under Administration → Outbox');

// Signed ledger checkpoints every N events or M minutes, and a last one at shutdown: cutting off the
// chain's tail is then detected by verification. Loading the key at start fails fast on a bad one.
const checkpoints = startCheckpointer({
  db,
  store,
  key: ledgerKey,
  everyEvents: config.audit.checkpointEveryEvents,
  everyMs: config.audit.checkpointEveryMs,
  logger,
});

/**
 * SIGTERM (a deploy, a scale-in): readiness turns 503, the listener closes so no new connection is
 * accepted, requests in flight (downloads included) run to their end, idle keep-alive connections
 * are closed as they free up, then the sweeps stop and the pools close. Past SHUTDOWN_GRACE_SECONDS
 * the process exits anyway, with status 1.
 */
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  lifecycle.draining = true;
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  setTimeout(() => {
    logger.error({ graceMs: config.shutdownGraceMs }, 'requests still in flight at the end of the grace period; exiting');
    process.exit(1);
  }, config.shutdownGraceMs).unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  server.closeIdleConnections();
  await closed;
  clearInterval(idleSweep);
  // Refusals explained after their response still write to the ledger.
  await afterResponseTasksSettled(db);
  await maintenance.stop();
  await mail.stop();
  await textIndexer.stop();
  await archiveBuilder.stop();
  await checkpoints.stop();
  await store.close?.();
  await db.destroy();
  logger.info('shut down cleanly');
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
