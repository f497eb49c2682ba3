import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db.js';
import { isPostgres } from '../db.js';
import type { Config } from '../config.js';
import { isoNow } from '../clock.js';
import { mailQueued, type OutboxRow } from './outbox.js';
import type { MailTransport } from './transport.js';

/** How long a claimed mail is this process's: past it (the process died mid-send), another may send it. */
const LEASE_MS = 90_000;
/** Mails claimed at once, and sent at once (the SMTP pool's connections). */
const BATCH = 50;
const PARALLEL_SENDS = 5;

/** The wait before the next try of a mail that failed `attempts` times: 1 s, 2 s, 4 s… capped. */
export const retryDelayMs = (attempts: number, maxMs: number) => Math.min(maxMs, 1000 * 2 ** Math.max(0, attempts - 1));

export interface MailWorker {
  /** Sends whatever is due now, once; resolves when this pass is done (tests and the bench use it). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Work the worker does on each pass before sending: producing mail that the clock, not a request, causes. */
export interface MailJob {
  name: string;
  run(db: Db, at: string): Promise<unknown>;
}

/**
 * Sends the outbox. Every process runs one; a mail is leased to one process at a time (on PostgreSQL
 * by FOR UPDATE SKIP LOCKED, on SQLite by the database's single writer), sent, then marked sent in the
 * same step that clears its body, or put back with its error and a later time. An SMTP outage only
 * delays mail; a restart picks up whatever is queued.
 */
export function startMailWorker(opts: { db: Db; config: Config; transport: MailTransport; logger: Logger; jobs?: MailJob[]; poll?: boolean }): MailWorker {
  const { db, config, transport, logger } = opts;
  const workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;

  const claim = async (): Promise<OutboxRow[]> => {
    const now = isoNow();
    const leasedUntil = new Date(Date.parse(now) + LEASE_MS).toISOString();
    const due = (q: ReturnType<Db>) =>
      q.where({ status: 'queued' }).where('nextAttemptAt', '<=', now).where((w) => w.whereNull('leasedUntil').orWhere('leasedUntil', '<', now));
    return db.transaction(async (trx) => {
      const pick = due(trx('mailOutbox').select('id')).orderBy('nextAttemptAt').limit(BATCH);
      if (isPostgres(db)) pick.forUpdate().skipLocked();
      const ids = (await pick).map((r: { id: string }) => r.id);
      if (ids.length === 0) return [];
      await trx('mailOutbox').whereIn('id', ids).update({ leasedUntil, leasedBy: workerId });
      return trx('mailOutbox').whereIn('id', ids).where({ leasedBy: workerId }).select();
    });
  };

  const deliver = async (mail: OutboxRow) => {
    try {
      await transport.send(mail);
      // The body goes with the mail: a reset link's secret does not stay in the database after it
      // left (the embedded default keeps it: its .eml file is the mailbox the admins read).
      const body = transport.kind === 'smtp' ? { textBody: null, htmlBody: null } : {};
      await db('mailOutbox').where({ id: mail.id }).update({ status: 'sent', sentAt: isoNow(), attempts: mail.attempts + 1, lastError: null, leasedUntil: null, leasedBy: null, ...body });
    } catch (err) {
      const attempts = mail.attempts + 1;
      const lastError = String((err as Error)?.message ?? err).slice(0, 1000);
      const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempts, config.mail.retryMaxMs)).toISOString();
      logger.warn({ mailId: mail.id, attempts, err: lastError }, 'mail not sent; will retry');
      await db('mailOutbox').where({ id: mail.id, leasedBy: workerId }).update({ attempts, lastError, nextAttemptAt, leasedUntil: null, leasedBy: null });
    }
  };

  const pass = async (): Promise<number> => {
    const at = isoNow();
    for (const job of opts.jobs ?? []) {
      await job.run(db, at).catch((err: unknown) => logger.error({ err, job: job.name }, 'mail job failed; retried on the next pass'));
    }
    let sent = 0;
    for (;;) {
      const batch = await claim();
      if (batch.length === 0) return sent;
      for (let i = 0; i < batch.length; i += PARALLEL_SENDS) {
        await Promise.all(batch.slice(i, i + PARALLEL_SENDS).map(deliver));
      }
      sent += batch.length;
      if (stopped) return sent;
    }
  };

  const runOnce = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = pass()
      .catch((err: unknown) => {
        logger.error({ err }, 'mail pass failed; retried on the next pass');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void runOnce();
        }
      });
    return running;
  };

  const wake = () => void runOnce();
  let timer: NodeJS.Timeout | null = null;
  if (opts.poll !== false) {
    mailQueued.on('queued', wake);
    timer = setInterval(wake, config.mail.pollMs);
    timer.unref();
    wake();
  }
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      mailQueued.off('queued', wake);
      await running;
      transport.close();
    },
  };
}
