import { loadConfig } from '../config.js';
import { createDb } from '../db.js';
import { createLogger } from '../logger.js';
import { isoNow } from '../clock.js';
import { createObjectStore } from '../../storage/create-object-store.js';
import { requeueRoom } from '../search/text-jobs.js';
import { startTextIndexer } from '../search/text-indexer.js';

/**
 * `npm run search:reindex -- <roomId> [--queue-only]`: queues every document of the room for text
 * extraction again (after OCR languages were installed, or a failure was fixed), then extracts them
 * in this process unless `--queue-only` leaves them to the running servers (whose indexers take
 * their share either way: a job is leased to one process at a time). Prints how many were queued
 * and indexed; exit status 2 when it cannot run (no such room, no database).
 */
const args = process.argv.slice(2);
const roomId = args.find((a) => !a.startsWith('--'));
const queueOnly = args.includes('--queue-only');
const config = loadConfig();
const db = createDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const store = createObjectStore({ driver: config.storage.driver, dataDir: config.dataDir, s3: config.storage.driver === 's3' ? config.storage : undefined });
try {
  if (!roomId) throw new Error('name the room: npm run search:reindex -- <roomId>');
  const room = await db('rooms').where({ id: roomId }).first('id', 'name');
  if (!room) throw new Error(`no room ${roomId}`);
  const queued = await requeueRoom(db, room.id, isoNow());
  process.stdout.write(`${queued} documents of "${room.name}" queued for text extraction\n`);
  if (!queueOnly) {
    const indexer = startTextIndexer({ db, store, config, logger: createLogger(config.logLevel) });
    const done = await indexer.runOnce();
    await indexer.stop();
    const counts: Array<{ status: string; n: number | string }> = await db('documentText').where({ roomId: room.id }).groupBy('status').select('status').count({ n: '*' });
    process.stdout.write(`${done} extracted here; the room now: ${counts.map((c) => `${Number(c.n)} ${c.status}`).join(', ')}\n`);
  }
} catch (err) {
  process.stderr.write(`search:reindex could not run: ${(err as Error).message}\n`);
  process.exitCode = 2;
} finally {
  await db.destroy();
  await store.close?.();
}
