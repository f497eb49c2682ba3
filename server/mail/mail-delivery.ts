import type { Logger } from 'pino';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import { createMailTransport } from './transport.js';
import { startMailWorker, type MailWorker } from './worker.js';
import { documentDigestJob, ndaExpiryJob } from './notifications.js';
import { dealEndJobs } from '../certifications/clock-jobs.js';
import { engagementDigestJob } from '../engagement/weekly-digest.js';

/**
 * Mail as a process runs it: the transport its configuration names, and the worker that sends the
 * outbox and makes the mail the clock causes (document digests, NDA expiries). Every process runs
 * one; they share the outbox safely.
 */
export function startMailDelivery(opts: { db: Db; config: Config; logger: Logger; poll?: boolean; digestSettleMs?: number }): MailWorker & { transportKind: 'smtp' | 'files' } {
  const transport = createMailTransport(opts.config);
  const worker = startMailWorker({
    ...opts,
    transport,
    jobs: [documentDigestJob(opts.config, opts.digestSettleMs), ndaExpiryJob(opts.config), ...dealEndJobs(opts.config), engagementDigestJob(opts.config)],
  });
  return { ...worker, transportKind: transport.kind };
}
