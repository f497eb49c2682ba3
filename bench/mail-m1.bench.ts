/*
 * M1 of docs/quality.md: 10,000 notifications through the outbox to an SMTP server on loopback.
 * The mails are queued with queueMail in transactions of 500 (as a change that notifies a party's
 * members queues them), while the worker a process runs (startMailDelivery: the SMTP transport, the
 * lease, the retries, the clock's jobs) sends them to a real smtp-server in a child process that
 * counts them by Message-ID. Figure: mails per second from the first queueing until the server has
 * all of them (and until every row is marked sent), that every mail arrived exactly once, and the
 * RSS growth meanwhile of the process that queues and sends. Baseline in the same run: the same
 * 10,000 mails handed straight to the same SMTP transport (nodemailer, the same pool of
 * connections), without the outbox, just before and just after each outbox run (their mean: the
 * load of a shared machine drifts), its time and its RSS growth. Every run is a process of its own
 * (as a server is; warmed up by 300 mails first) with a sink of its own, and reports the heap it
 * still holds after the run once collected: V8 lets garbage pile up to a few times the live heap
 * before a full collection, which RSS shows and a leak would not explain.
 * On SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set.
 * BENCH_M1_MAILS overrides the count. Runs alone with `npm run bench -- mail`.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../server/config.js';
import { createDb, migrateToLatest, type Db } from '../server/db.js';
import { createLogger } from '../server/logger.js';
import { startMailDelivery } from '../server/mail/mail-delivery.js';
import { queueMail, type OutboxRow } from '../server/mail/outbox.js';
import { createMailTransport } from '../server/mail/transport.js';
import { ndaStatusMail } from '../server/mail/templates.js';
import { createPostgresSchema } from '../test/support/test-app.js';
import { startCountingSink } from './smtp-counting-sink.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'mail';

const MAILS = Number(process.env.BENCH_M1_MAILS ?? 10_000);
const QUEUE_BATCH = 500;
/** Mails sent before measuring, as by a server that has been running: V8 has sized its heap for the work by then. */
const WARM_UP = Number(process.env.BENCH_M1_WARM_UP ?? 300);
/** Mails handed to nodemailer at once in the baseline: enough to keep its pool of 5 connections busy. */
const BASELINE_IN_FLIGHT = 50;
const MB = 1024 * 1024;

/**
 * A full garbage collection on demand, without starting node with --expose-gc: the RSS peak is
 * measured as V8 runs on its own (collecting lazily), and the heap still held after the run, once
 * collected, tells garbage from a leak.
 */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** The notification of recipient i: an NDA confirmed, as notifyNdaStatus writes it. */
const notification = (config: Pick<Config, 'mail'>, run: string, i: number) => ({
  kind: 'nda_status' as const,
  to: `reader-${run}-${i}@buyer.example`,
  ...ndaStatusMail({ name: `Reader ${i} of ${run}`, roomLabel: 'Project Falcon', status: 'confirmed', url: `${config.mail.publicUrl}/rooms/${randomUUID()}`, invited: i % 10 === 0 }),
});

async function openDatabase(work: string, smtpUrl: string, databaseUrl?: string): Promise<{ db: Db; config: Config; drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(work, 'data-'));
  const schema = databaseUrl ? await createPostgresSchema(databaseUrl) : undefined;
  return {
    db: createDb({ dataDir, databaseUrl: schema?.url }),
    config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SMTP_URL: smtpUrl, ...(schema ? { DATABASE_URL: schema.url } : {}) }),
    drop: async () => {
      await schema?.drop();
    },
  };
}

/** Queues `count` notifications in transactions of QUEUE_BATCH, the bodies made batch by batch. */
async function queueNotifications(db: Db, config: Config, run: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += QUEUE_BATCH) {
    await db.transaction(async (trx) => {
      const at = new Date().toISOString();
      for (let i = start; i < Math.min(count, start + QUEUE_BATCH); i++) await queueMail(trx, config, { ...notification(config, run, i), at });
    });
  }
}

async function countSent(db: Db): Promise<number> {
  const [row] = await db('mailOutbox').where({ status: 'sent' }).count({ n: '*' });
  return Number(row!.n);
}

/** This process's memory over a stretch of work: RSS and heap in use from a full collection before, their peaks, and the heap still held after once collected. */
interface Memory {
  rssBefore: number;
  rssPeak: number;
  heapBefore: number;
  heapPeak: number;
  heapAfter: number;
}

async function measuringMemory<T>(work: () => Promise<T>): Promise<T & Memory> {
  collectGarbage();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sampler = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    rssPeak = Math.max(rssPeak, rss);
    heapPeak = Math.max(heapPeak, heapUsed);
  }, 50);
  try {
    const result = await work();
    clearInterval(sampler);
    collectGarbage();
    return { ...result, rssBefore: before.rss, rssPeak, heapBefore: before.heapUsed, heapPeak, heapAfter: process.memoryUsage().heapUsed };
  } finally {
    clearInterval(sampler);
  }
}

type OutboxRun = Memory & {
  deliveredSeconds: number;
  markedSeconds: number;
  queuedSeconds: number;
  received: number;
  distinct: number;
};
type DirectRun = Memory & { seconds: number; received: number; distinct: number };

/** The outbox, end to end: queue MAILS (after a warm-up), time until the sink has them all and every row says sent. */
async function outboxRun(work: string, databaseUrl?: string): Promise<OutboxRun> {
  const sink = await startCountingSink();
  const { db, config, drop } = await openDatabase(work, sink.url, databaseUrl);
  await migrateToLatest(db);
  const mail = startMailDelivery({ db, config, logger: createLogger('silent') });
  try {
    await queueNotifications(db, config, 'warm', WARM_UP);
    await sink.waitForDistinct(WARM_UP, 120_000);
    while ((await countSent(db)) < WARM_UP) await new Promise((resolve) => setTimeout(resolve, 50));
    await sink.reset();

    return await measuringMemory(async () => {
      const t0 = performance.now();
      await queueNotifications(db, config, 'run', MAILS);
      const queuedSeconds = (performance.now() - t0) / 1000;
      await sink.waitForDistinct(MAILS);
      const deliveredSeconds = (performance.now() - t0) / 1000;
      while ((await countSent(db)) < WARM_UP + MAILS) await new Promise((resolve) => setTimeout(resolve, 20));
      const markedSeconds = (performance.now() - t0) / 1000;
      // Anything sent twice would have arrived by now: the worker has passed over the outbox since.
      await mail.runOnce();
      return { deliveredSeconds, markedSeconds, queuedSeconds, ...(await sink.count()) };
    });
  } finally {
    await mail.stop();
    await db.destroy();
    await drop();
    await sink.stop();
  }
}

/**
 * Every run in a process of its own, as a server that sends mail is: its RSS is its own, not grown
 * by the runs before it, and the baseline's memory is measured the same way.
 */
function inChild<T>(args: string[]): Promise<T> {
  const child = fork(fileURLToPath(import.meta.url), ['--run', ...args], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined;
    child.on('message', (message: T) => (result = message));
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`the ${args[0]} run exited with ${code}`))));
  });
}

/** The baseline: the same mails straight to the same SMTP transport, BASELINE_IN_FLIGHT at a time. */
async function directRun(work: string, round: number): Promise<DirectRun> {
  const sink = await startCountingSink();
  const config = loadConfig({ DATA_DIR: path.join(work, 'direct'), LOG_LEVEL: 'silent', SMTP_URL: sink.url });
  const transport = createMailTransport(config);
  const rowOf = (run: string, i: number): OutboxRow => {
    const n = notification(config, run, i);
    const id = randomUUID();
    const at = new Date().toISOString();
    return {
      id,
      kind: n.kind,
      toAddress: n.to,
      toUserId: null,
      subject: n.subject,
      textBody: n.text,
      htmlBody: n.html,
      status: 'queued',
      attempts: 0,
      lastError: null,
      nextAttemptAt: at,
      leasedUntil: null,
      leasedBy: null,
      createdAt: at,
      sentAt: null,
      messageId: `<${id}@127.0.0.1>`,
    };
  };
  const sendAll = async (run: string, count: number) => {
    let next = 0;
    const lane = async () => {
      while (next < count) await transport.send(rowOf(run, next++));
    };
    await Promise.all(Array.from({ length: BASELINE_IN_FLIGHT }, lane));
  };
  try {
    await sendAll(`direct-${round}-warm`, WARM_UP);
    await sink.waitForDistinct(WARM_UP);
    await sink.reset();
    return await measuringMemory(async () => {
      const t0 = performance.now();
      await sendAll(`direct-${round}`, MAILS);
      await sink.waitForDistinct(MAILS);
      const seconds = (performance.now() - t0) / 1000;
      return { seconds, ...(await sink.count()) };
    });
  } finally {
    transport.close();
    await sink.stop();
  }
}

/** The baseline of an outbox run: the direct runs just before and just after it, averaged (the machine's load drifts). */
const around = (before: DirectRun, after: DirectRun) => ({
  seconds: (before.seconds + after.seconds) / 2,
  rssGrowth: (before.rssPeak - before.rssBefore + after.rssPeak - after.rssBefore) / 2,
});

const memoryText = (m: Memory) =>
  `RSS ${(m.rssBefore / MB).toFixed(0)} → peak ${(m.rssPeak / MB).toFixed(0)} MB; heap in use ${(m.heapBefore / MB).toFixed(0)} → peak ${(m.heapPeak / MB).toFixed(0)} MB, held after the run once collected ${((m.heapAfter - m.heapBefore) / MB).toFixed(1)} MB`;

function figuresOf(label: string, run: OutboxRun, direct: { seconds: number; rssGrowth: number }): BenchFigure[] {
  const rate = MAILS / run.deliveredSeconds;
  const directRate = MAILS / direct.seconds;
  const ratio = rate / directRate;
  const growth = run.rssPeak - run.rssBefore;
  const once = run.received === MAILS && run.distinct === MAILS;
  return [
    {
      id: 'M1',
      what: `${MAILS.toLocaleString('en')} notifications through the outbox to SMTP on loopback, ${label}: delivered`,
      figure: `${rate.toFixed(0)} mails/s (${run.deliveredSeconds.toFixed(1)} s to the last arrival; queueing ${run.queuedSeconds.toFixed(1)} s; every row marked sent at ${run.markedSeconds.toFixed(1)} s)`,
      baseline: `the same mails straight to the same nodemailer transport ${directRate.toFixed(0)} mails/s (${direct.seconds.toFixed(1)} s, the mean of the runs before and after)`,
      ratio,
      ratioText: `${(ratio * 100).toFixed(0)}% of the direct send`,
      target: 'all delivered once',
      met: once,
      details: { received: run.received, distinct: run.distinct },
    },
    {
      id: 'M1',
      what: `${MAILS.toLocaleString('en')} notifications through the outbox, ${label}: RSS growth of the queueing and sending process`,
      figure: `${(growth / MB).toFixed(1)} MB (${memoryText(run)}); ${run.received.toLocaleString('en')} received, ${run.distinct.toLocaleString('en')} distinct`,
      baseline: `the direct send's RSS growth ${(direct.rssGrowth / MB).toFixed(1)} MB (the mean of the runs before and after)`,
      ratio: growth / MB,
      ratioText: `${(growth / MB).toFixed(1)} MB growth`,
      target: 'all delivered once; RSS growth < 50 MB',
      met: once && growth < 50 * MB,
      details: { warmUp: WARM_UP, directRssGrowth: direct.rssGrowth, rssBefore: run.rssBefore, rssPeak: run.rssPeak, heapBefore: run.heapBefore, heapPeak: run.heapPeak, heapAfter: run.heapAfter },
    },
  ];
}

export async function run(): Promise<BenchFigure[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-m1-'));
  const directRuns: DirectRun[] = [];
  const direct = async () => {
    const result = await inChild<DirectRun>(['direct', work, String(directRuns.length)]);
    if (result.distinct !== MAILS) throw new Error(`the direct send delivered ${result.distinct} of ${MAILS} mails`);
    directRuns.push(result);
    return result;
  };
  try {
    // Direct, outbox, direct (, outbox, direct): each outbox run is judged against the direct runs on either side of it.
    const first = await direct();
    const sqlite = await inChild<OutboxRun>(['outbox', work]);
    const figures = figuresOf('SQLite', sqlite, around(first, await direct()));
    if (process.env.BENCH_DATABASE_URL) {
      const postgres = await inChild<OutboxRun>(['outbox', work, process.env.BENCH_DATABASE_URL]);
      figures.push(...figuresOf('PostgreSQL', postgres, around(directRuns.at(-1)!, await direct())));
    }
    return figures;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--run') {
  const [kind, work, arg] = process.argv.slice(3) as [string, string, string | undefined];
  const result = kind === 'outbox' ? await outboxRun(work, arg || undefined) : await directRun(work, Number(arg));
  process.send!(result, () => process.exit(0));
}
