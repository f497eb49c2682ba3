import type { Logger } from 'pino';
import type { Db } from '../db.js';
import type { ObjectStore } from '../../storage/object-store.js';

/** The key prefixes the server writes uploads under (server/uploads/multipart-upload.ts keyPrefix). */
export const SWEPT_PREFIXES = ['versions/', 'ndas/'] as const;

/** Keys checked against the database per query: small enough for any driver's bind-parameter limit. */
const BATCH = 500;

export interface SweepResult {
  scanned: number;
  removed: number;
}

/**
 * Deletes stored objects that no row references and that are older than `graceMs`.
 *
 * An upload stores its object first and inserts its row after, so a process killed in between (or a
 * rollback whose clean-up delete failed because the store was down) leaves an object nobody can
 * reach. Such an object is only an orphan once its upload can no longer be about to commit: the
 * grace must exceed the longest upload, because S3 dates a multipart object from when the upload
 * began, not when it completed. Safe to run in every process at once: deleting is idempotent.
 */
export async function sweepOrphanObjects(db: Db, store: ObjectStore, opts: { graceMs: number; now?: number }): Promise<SweepResult> {
  const cutoff = (opts.now ?? Date.now()) - opts.graceMs;
  const result: SweepResult = { scanned: 0, removed: 0 };
  for (const prefix of SWEPT_PREFIXES) {
    let batch: string[] = [];
    for await (const object of store.list(prefix)) {
      result.scanned += 1;
      if (object.lastModified.getTime() >= cutoff) continue;
      batch.push(object.key);
      if (batch.length >= BATCH) {
        result.removed += await removeUnreferenced(db, store, batch);
        batch = [];
      }
    }
    if (batch.length > 0) result.removed += await removeUnreferenced(db, store, batch);
  }
  return result;
}

/**
 * The upload an object belongs to. Uploads are stored under generated keys with no dot in their last
 * segment (`versions/<uuid>`); what the server derives from one (the stamping index, a stampable
 * copy) is stored as `<key>.<suffix>` and lives exactly as long as the upload's row.
 */
export const uploadKeyOf = (key: string): string => {
  const slash = key.lastIndexOf('/');
  const dot = key.indexOf('.', slash + 1);
  return dot === -1 ? key : key.slice(0, dot);
};

async function removeUnreferenced(db: Db, store: ObjectStore, keys: string[]): Promise<number> {
  const uploads = [...new Set(keys.map(uploadKeyOf))];
  const referenced = new Set<string>();
  for (const table of ['documentVersions', 'ndas']) {
    const rows: Array<{ objectKey: string }> = await db(table).whereIn('objectKey', uploads).select('objectKey');
    for (const row of rows) referenced.add(row.objectKey);
  }
  let removed = 0;
  for (const key of keys) {
    if (referenced.has(uploadKeyOf(key))) continue;
    await store.delete(key);
    removed += 1;
  }
  return removed;
}

export interface MaintenanceOptions {
  intervalMs: number;
  orphanGraceMs: number;
  logger: Logger;
  /** Extra work on the same schedule (expired sessions, a local store's temp files). */
  tasks?: Array<{ name: string; run(): Promise<number> }>;
}

/**
 * Runs the sweeps once now and then every `intervalMs`, one run at a time; a failed run (the store
 * or the database down) is logged and retried at the next tick. `stop()` waits for a run in flight.
 */
export function startMaintenance(db: Db, store: ObjectStore, opts: MaintenanceOptions): { stop(): Promise<void>; runNow(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const runOnce = async () => {
    try {
      const swept = await sweepOrphanObjects(db, store, { graceMs: opts.orphanGraceMs });
      const counts: Record<string, number> = { orphanObjectsRemoved: swept.removed, objectsScanned: swept.scanned };
      for (const task of opts.tasks ?? []) counts[task.name] = await task.run();
      opts.logger.info({ maintenance: counts }, 'maintenance sweep done');
    } catch (err) {
      opts.logger.warn({ err }, 'maintenance sweep failed; retrying at the next interval');
    }
  };
  const tick = () => {
    if (stopped || running) return running ?? Promise.resolve();
    running = runOnce().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  void tick();
  return {
    runNow: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
