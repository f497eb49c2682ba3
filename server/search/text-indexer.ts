import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { isoNow } from '../clock.js';
import { CONVERTIBLE_TYPES } from '../pdf-intake/office-conversion.js';
import { descriptionOf, findClassification, findDescription } from '../datasets/repository.js';
import { extractPdfText } from '../text-extraction/pdf-text.js';
import { extractOfficeText } from '../text-extraction/office-text.js';
import { extractDatasetText } from '../text-extraction/dataset-text.js';
import { TextExtractionError, type DocumentText, type PageText } from '../text-extraction/text-extraction-types.js';
import { claimTextJob, finishTextJob, type TextJob, type TextOutcome } from './text-jobs.js';

/** Tries of a job that failed for a reason outside the document (the store, the database), before it is `failed`. */
const MAX_ATTEMPTS = 5;
/** The wait before trying such a job again: 10 s, 20 s, 40 s… */
const retryDelayMs = (attempts: number) => Math.min(10 * 60_000, 10_000 * 2 ** (attempts - 1));

export interface TextIndexer {
  /** Extracts every job due now, one after another; resolves with how many it finished (tests, the CLI). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

interface IndexerDeps {
  db: Db;
  store: ObjectStore;
  config: Config;
  logger: Logger;
  /** Look for work every config.textIndex.pollMs (a server process); off, only runOnce works (tests, the CLI). */
  poll?: boolean;
}

/**
 * Text extraction in the background (API.md "Search": uploads never wait for it). Every process
 * runs one, taking one job at a time: extraction runs poppler, tesseract and LibreOffice as child
 * processes, and one document's OCR is as much CPU as a process should spend beside serving
 * requests. Leases make it safe to run many; a process that dies leaves its job to the next once
 * the lease ends (the extraction budget plus a margin).
 */
export function startTextIndexer(deps: IndexerDeps): TextIndexer {
  const { db, config, logger } = deps;
  const worker = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const abort = new AbortController();
  let stopped = false;
  let running: Promise<number> | null = null;

  const runOnce = () => {
    running ??= drain().finally(() => (running = null));
    return running;
  };

  async function drain(): Promise<number> {
    let done = 0;
    while (!stopped) {
      const at = isoNow();
      const leaseUntil = new Date(Date.now() + config.textIndex.documentTimeoutMs + 60_000).toISOString();
      const job = await claimTextJob(db, worker, at, leaseUntil);
      if (!job) break;
      const outcome = await extract(deps, job, abort.signal);
      if (stopped && outcome.status === 'retry') break; // left to its lease: the next process takes it
      const recorded = await finishTextJob(db, job, worker, outcome, isoNow());
      if (recorded) done++;
      logger.info({ documentId: job.documentId, versionId: job.versionId, status: outcome.status, recorded }, 'document text extracted');
    }
    return done;
  }

  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = setTimeout(() => {
      runOnce()
        .catch((err: unknown) => logger.error({ err }, 'text extraction pass failed'))
        .finally(() => {
          if (!stopped) tick();
        });
    }, config.textIndex.pollMs);
    timer.unref();
  };
  if (deps.poll) tick();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}

/** What extracting one job's document came to: never throws. */
async function extract(deps: IndexerDeps, job: TextJob, signal: AbortSignal): Promise<TextOutcome> {
  const { db, store, config } = deps;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-text-job-'));
  try {
    const doc = await db('documents')
      .join('documentVersions as v', 'v.id', 'documents.currentVersionId')
      .where('documents.id', job.documentId)
      .first('documents.kind', 'documents.entityId', 'v.id as versionId', 'v.objectKey', 'v.mimeType');
    // Deleted, or a newer version since: finishing is refused anyway; nothing to read.
    if (!doc || doc.versionId !== job.versionId) return { status: 'none', pages: [], ocrPages: 0 };
    const limits = {
      documentTimeoutMs: config.textIndex.documentTimeoutMs,
      ocrPageTimeoutMs: config.textIndex.ocrPageTimeoutMs,
      memoryBytes: config.textIndex.memoryBytes,
      signal,
    };

    let text: DocumentText;
    if (doc.kind === 'dataset') {
      const described = await findDescription(db, job.versionId);
      if (!described || described.status !== 'ready') return { status: 'none', pages: [], ocrPages: 0 };
      const extracted = await extractDatasetText(
        { open: () => store.get(doc.objectKey), format: described.format as never, description: descriptionOf(described), classification: await findClassification(db, job.documentId), documentEntityId: doc.entityId },
        { timeoutMs: config.textIndex.documentTimeoutMs, signal },
      );
      // Only what whoever may view the dataset may find: a page of one entity's rows would let a
      // searcher not covered for that entity learn its values, so such pages are not indexed.
      text = { ...extracted, pages: extracted.pages.filter((p) => p.entityIds === null) };
    } else if (doc.mimeType === 'application/pdf' || CONVERTIBLE_TYPES.has(doc.mimeType)) {
      const input = path.join(dir, doc.mimeType === 'application/pdf' ? 'input.pdf' : `input${CONVERTIBLE_TYPES.get(doc.mimeType)}`);
      await pipeline(await store.get(doc.objectKey), createWriteStream(input), { signal });
      text = doc.mimeType === 'application/pdf' ? await extractPdfText(input, limits) : await extractOfficeText(input, doc.mimeType, limits);
    } else {
      // Images and other files have no pages of text.
      return { status: 'none', pages: [], ocrPages: 0 };
    }
    return outcomeOf(text);
  } catch (err) {
    if (err instanceof TextExtractionError && err.code !== 'aborted') return { status: 'failed', reason: err.reason };
    const reason = err instanceof TextExtractionError ? err.reason : 'The document could not be read from storage.';
    if (job.attempts >= MAX_ATTEMPTS) return { status: 'failed', reason };
    deps.logger.warn({ err, documentId: job.documentId, attempts: job.attempts }, 'text extraction will be tried again');
    return { status: 'retry', reason, runAfter: new Date(Date.now() + retryDelayMs(job.attempts)).toISOString() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** indexed when a page has words; the pages that failed are named in the reason, for the deal team. */
function outcomeOf(text: DocumentText): TextOutcome {
  const pages = text.pages.filter((p: PageText) => p.text.length > 0).map((p) => ({ page: p.page, text: p.text }));
  const notes = [
    ...(text.failures.length ? [`${text.failures.length === 1 ? 'One page' : `${text.failures.length} pages`} could not be read: ${text.failures.slice(0, 3).map((f) => f.reason).join(' ')}`] : []),
    ...(text.truncated ? ['The document has more text than is indexed; the rest is not searchable.'] : []),
  ];
  if (pages.length === 0 && text.failures.length > 0) return { status: 'failed', reason: notes.join(' ') };
  return { status: pages.length ? 'indexed' : 'none', pages, ocrPages: text.ocrPages, reason: notes.length ? notes.join(' ') : null };
}
