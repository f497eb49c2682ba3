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
/**
 * No send starts with less of its lease left than this: a send gives up within 40 s (transport.ts:
 * connection 10 s, greeting 10 s, socket 20 s), so a mail is never still being sent here when its
 * lease lets another process send it too. A mail that waited too long in a slow batch is put back.
 */
const LEASE_LEFT_TO_SEND_MS = 45_000;
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
 * Calls `write` with every item handed in while the previous call ran: one UPDATE for many mails
 * under load, one per mail when idle. Resolves each item's promise with its group's write.
 */
function groupedWrites(write: (ids: string[]) => Promise<void>): (id: string) => Promise<void> {
  let waiting: Array<{ id: string; resolve: () => void; reject: (err: unknown) => void }> = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      await write(group.map((g) => g.id)).then(
        () => group.forEach((g) => g.resolve()),
        (err: unknown) => group.forEach((g) => g.reject(err)),
      );
    }
    writing = false;
  };
  return (id) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ id, resolve, reject });
      if (!writing) void drain();
    });
}

/**
 * Sends the outbox. Every process runs one; a mail is leased to one process at a time (on PostgreSQL
 * by FOR UPDATE SKIP LOCKED, on SQLite by the database's single writer), sent, then marked sent in the
 * same step that clears its body, or put back with its error and a later time. An SMTP outage only
 * delays mail; a restart picks up whatever is queued.
 *
 * Throughput: PARALLEL_SENDS sends run at all times (the next batch is claimed before the current
 * one runs dry), and the mails sent while one marking UPDATE runs are marked by the next, together.
 * A crash between a send and its marking sends that mail again once its lease ends, with the same
 * Message-ID: at least once, as any SMTP client that cannot know whether a reply was lost.
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

  // The body goes with the mail: a reset link's secret does not stay in the database after it
  // left (the embedded default keeps it: its .eml file is the mailbox the admins read).
  const clearedBody = transport.kind === 'smtp' ? { textBody: null, htmlBody: null } : {};
  const markSent = groupedWrites(async (ids) => {
    await db('mailOutbox')
      .whereIn('id', ids)
      .where({ leasedBy: workerId })
      .update({ status: 'sent', sentAt: isoNow(), attempts: db.raw('?? + 1', ['attempts']), lastError: null, leasedUntil: null, leasedBy: null, ...clearedBody });
  });

  /** Gives a claimed mail back unsent (stopping, or its lease too short to send it safely): due again at once. */
  const release = (mail: OutboxRow) => db('mailOutbox').where({ id: mail.id, leasedBy: workerId }).update({ leasedUntil: null, leasedBy: null });

  /** Sends one mail; resolves once it is sent or put back for a retry, with the promise of its marking. */
  const deliver = async (mail: OutboxRow): Promise<{ marked: Promise<void> }> => {
    try {
      await transport.send(mail);
    } catch (err) {
      const attempts = mail.attempts + 1;
      const lastError = String((err as Error)?.message ?? err).slice(0, 1000);
      const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempts, config.mail.retryMaxMs)).toISOString();
      logger.warn({ mailId: mail.id, attempts, err: lastError }, 'mail not sent; will retry');
      await db('mailOutbox').where({ id: mail.id, leasedBy: workerId }).update({ attempts, lastError, nextAttemptAt, leasedUntil: null, leasedBy: null });
      return { marked: Promise.resolve() };
    }
    // Sent: a failure to record it is not a failure to send (no retry is scheduled for it); the
    // lease runs out and the mail goes again, with the same Message-ID.
    return { marked: markSent(mail.id).catch((err: unknown) => logger.error({ err, mailId: mail.id }, 'mail sent but not marked; it will be sent again when its lease ends')) };
  };

  const pass = async (): Promise<number> => {
    const at = isoNow();
    for (const job of opts.jobs ?? []) {
      await job.run(db, at).catch((err: unknown) => logger.error({ err, job: job.name }, 'mail job failed; retried on the next pass'));
    }
    let sent = 0;
    const marking = new Set<Promise<void>>();
    const queue: OutboxRow[] = [];
    let dry = false;
    let claiming = null as Promise<void> | null;
    const refill = () =>
      (claiming ??= claim()
        .then((rows) => {
          queue.push(...rows);
          dry = rows.length === 0;
        })
        .finally(() => {
          claiming = null;
        }));
    // PARALLEL_SENDS lanes take mails off one queue; the next batch is claimed while the last mails
    // of this one are still being sent, so the SMTP connections never wait for the database.
    const lane = async () => {
      for (;;) {
        if (queue.length <= PARALLEL_SENDS && !dry && !stopped) void refill().catch(() => undefined);
        const mail = queue.shift();
        if (!mail) {
          if (dry || stopped) return;
          await refill();
          continue;
        }
        if (stopped || Date.parse(mail.leasedUntil!) - Date.now() < LEASE_LEFT_TO_SEND_MS) {
          await release(mail);
          continue;
        }
        // The next send does not wait for this one's marking: it is written with others, meanwhile.
        const { marked } = await deliver(mail);
        marking.add(marked);
        void marked.finally(() => marking.delete(marked));
        sent += 1;
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: PARALLEL_SENDS }, lane));
    await claiming?.catch(() => undefined);
    await Promise.all(marking);
    // A lane that failed (the database) leaves its mails leased: give back what was never tried.
    await Promise.allSettled(queue.splice(0).map(release));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return sent;
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
