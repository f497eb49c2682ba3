import { loadConfig } from './config.js';
import { createDb, migrateToLatest } from './db.js';
import { createLogger } from './logger.js';
import { createApp } from './app.js';
import { ensureFirstAdmin } from './users/service.js';
import { createObjectStore } from '../storage/create-object-store.js';
import { LocalDiskStore } from '../storage/local-disk-store.js';

/** Start-up only: configuration → database (migrated) → object store → listen. */
const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await migrateToLatest(db);
await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
const store = createObjectStore({ driver: config.storage.driver, dataDir: config.dataDir, s3: config.storage.driver === 's3' ? config.storage : undefined });
await store.init();
// A crash mid-upload leaves a temp file, never a visible object; clear the leftovers of old crashes.
if (store instanceof LocalDiskStore) await store.sweepTemp(60 * 60 * 1000);

const app = createApp({ db, store, config, logger });
const server = app.listen(config.port, config.host, () => {
  const { port } = server.address() as { port: number };
  logger.info({ host: config.host, port, database: config.databaseUrl ? 'postgresql' : 'sqlite', storage: config.storage.driver }, 'gatehouse listening');
});

const shutdown = () => {
  logger.info('shutting down');
  server.close(() => {
    void db.destroy().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(1), 10_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
