import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { isoNow } from '../clock.js';
import { appendAuditEvent } from '../ledger/ledger.js';
import { loadLedgerKey, type LedgerKey } from '../ledger/signing-key.js';
import { claimArchiveJob, finishArchiveJob, releaseArchiveJob, renewArchiveLease, type ArchiveRow } from './repository.js';
import { ArchiveContentError, buildArchive } from './archive-build.js';
import { lockPurgeRoom } from '../purge/repository.js';

/**
 * How long a build holds its job without renewing the lease. It renews every quarter of it, so only
 * a process that died (or stalled that long) loses it, and the job is retaken one lease later.
 */
const LEASE_MS = 2 * 60_000;
const POLL_MS = 10_000;
/** Tries of a build that failed for a reason outside the room's content (the store, the database). */
const MAX_ATTEMPTS = 3;

export interface ArchiveBuilder {
  /** Builds every archive waiting now, one after another; resolves with how many it finished. */
  runOnce(): Promise<number>;
  /** Looks for waiting archives every few seconds (a server process): jobs left by a dead process are retaken. */
  startPolling(): void;
  stop(): Promise<void>;
}

interface BuilderDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  logger?: Logger;
}

/** One builder per database handle: the routes wake it, index.ts makes it poll, shutdown stops it. */
const builders = new WeakMap<Db, ArchiveBuilder>();

export function archiveBuilderOf(deps: BuilderDeps): ArchiveBuilder {
  let builder = builders.get(deps.db);
  if (!builder) builders.set(deps.db, (builder = createArchiveBuilder(deps)));
  return builder;
}

/**
 * Archives are built in the background, one at a time per process: a build reads every file of a
 * room, and a process serving the room meanwhile must keep answering (R8). Any process takes any
 * waiting archive, under a lease (repository.ts).
 */
function createArchiveBuilder(deps: BuilderDeps): ArchiveBuilder {
  const { db, store, config } = deps;
  const worker = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const abort = new AbortController();
  let key: LedgerKey | undefined;
  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const runOnce = (): Promise<number> => {
    if (running) {
      // A request while a pass runs: the pass looks once more before it ends.
      again = true;
      return running;
    }
    running = drain().finally(() => (running = null));
    return running;
  };

  async function drain(): Promise<number> {
    let built = 0;
    do {
      again = false;
      while (!stopped) {
        const job = await claimArchiveJob(db, worker, isoNow(), new Date(Date.now() + LEASE_MS).toISOString());
        if (!job) break;
        if (await runJob(job)) built++;
      }
    } while (again && !stopped);
    return built;
  }

  async function runJob(job: ArchiveRow): Promise<boolean> {
    key ??= loadLedgerKey(config.audit);
    const jobAbort = new AbortController();
    const stopJob = () => jobAbort.abort();
    abort.signal.addEventListener('abort', stopJob, { once: true });
    let progress = { filesDone: 0, filesTotal: null as number | null };
    // The lease is renewed while the job runs; losing it (another process took the job) stops the build.
    const heartbeat = setInterval(() => {
      renewArchiveLease(db, job.id, worker, progress, isoNow(), new Date(Date.now() + LEASE_MS).toISOString())
        .then((mine) => {
          if (!mine) jobAbort.abort();
        })
        .catch((err: unknown) => deps.logger?.warn({ err, archiveId: job.id }, 'archive lease not renewed; trying again'));
    }, LEASE_MS / 4);
    heartbeat.unref();
    try {
      const built = await buildArchive({
        db,
        store,
        key,
        archive: job,
        signal: jobAbort.signal,
        progress: (done, total) => (progress = { filesDone: done, filesTotal: total }),
      });
      const at = isoNow();
      const finished = await db.transaction(async (trx) => {
        // The room row locked as a purge's start locks it: a purge that began while this archive was
        // written may have listed the room's objects before this one existed, so it is never kept.
        if ((await lockPurgeRoom(trx, job.roomId))?.purgeStartedAt) throw new ArchiveContentError('The room was purged while the archive was built.');
        const updated = await finishArchiveJob(trx, job.id, worker, {
          status: 'ready',
          size: built.size,
          sha256: built.sha256,
          documents: built.documents,
          filesDone: progress.filesDone,
          filesTotal: progress.filesTotal,
          sealedSeq: Number(built.sealed.seq),
          keyId: key!.keyId,
          completedAt: at,
          updatedAt: at,
        });
        if (updated !== 1) return false;
        await appendAuditEvent(trx, {
          actorId: job.requestedBy,
          action: 'archive.ready',
          subjectType: 'Archive',
          subjectId: job.id,
          roomId: job.roomId,
          decision: 'allow',
          details: { partyId: job.partyId, size: built.size, sha256: built.sha256, documents: built.documents, sealedSeq: Number(built.sealed.seq) },
        });
        return true;
      });
      deps.logger?.info({ archiveId: job.id, roomId: job.roomId, size: built.size, finished }, 'archive built');
      return finished;
    } catch (err) {
      if (stopped) {
        // A shutdown: the job goes back at once, for the next process to build from the start.
        await releaseArchiveJob(db, job.id, worker, isoNow(), isoNow()).catch(() => undefined);
        deps.logger?.warn({ archiveId: job.id }, 'archive build stopped by shutdown; the job is left for the next process');
        return false;
      }
      if (jobAbort.signal.aborted) {
        // The lease was lost: another process holds the job now, and builds it.
        deps.logger?.warn({ archiveId: job.id }, 'archive build stopped: its lease was taken over');
        return false;
      }
      // Whatever the build stored goes: nothing but a ready archive is ever under its key.
      await store.delete(job.objectKey).catch(() => undefined);
      const final = err instanceof ArchiveContentError || job.attempts >= MAX_ATTEMPTS;
      const reason = err instanceof ArchiveContentError ? err.message : 'The archive could not be written (storage or database unavailable).';
      deps.logger?.error({ err, archiveId: job.id, attempts: job.attempts, final }, 'archive build failed');
      const at = isoNow();
      if (!final) {
        // Tried again after a pause, by whichever process comes first.
        await releaseArchiveJob(db, job.id, worker, new Date(Date.now() + 30_000 * job.attempts).toISOString(), at).catch(() => undefined);
        return false;
      }
      await db
        .transaction(async (trx) => {
          const updated = await finishArchiveJob(trx, job.id, worker, { status: 'failed', failureReason: reason.slice(0, 1000), completedAt: at, updatedAt: at });
          if (updated !== 1) return;
          await appendAuditEvent(trx, {
            actorId: job.requestedBy,
            action: 'archive.failed',
            subjectType: 'Archive',
            subjectId: job.id,
            roomId: job.roomId,
            decision: 'allow',
            details: { partyId: job.partyId, reason: reason.slice(0, 300), attempts: job.attempts },
          });
        })
        .catch((e: unknown) => deps.logger?.error({ err: e, archiveId: job.id }, 'archive failure not recorded'));
      return false;
    } finally {
      clearInterval(heartbeat);
      abort.signal.removeEventListener('abort', stopJob);
    }
  }

  const tick = () => {
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => deps.logger?.error({ err }, 'archive pass failed'))
        .finally(() => {
          if (!stopped) tick();
        });
    }, POLL_MS);
    timer.unref();
  };

  return {
    runOnce,
    startPolling() {
      if (!timer && !stopped) tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}
