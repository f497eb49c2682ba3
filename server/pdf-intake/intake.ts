import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../../storage/object-store.js';
import { isoNow } from '../clock.js';
import { HttpError } from '../errors.js';
import { UnstampableError } from '../watermark/errors.js';
import { CONVERTIBLE_TYPES, convertToPdf } from './office-conversion.js';
import { assertWithinBudget, DEFAULT_INTAKE_BUDGET, limitsFrom, type IntakeBudget, type IntakeLimits } from './intake-budget.js';
import { scanEarlierRevisions } from './earlier-revisions.js';
import { INDEX_FORMAT } from '../watermark/stamp-index.js';
import { preparePdf } from './prepare-pdf.js';
import type { RenditionRow } from './rendition-repository.js';

/** What an upload stored; the rendition is derived from it. */
export interface StoredVersionFile {
  objectKey: string;
  size: number;
  sha256: string;
  mimeType: string;
}

export type PreparedRendition = Omit<RenditionRow, 'versionId'> & {
  /** Objects written beside the version, to remove if the upload is rolled back. */
  derivedKeys: string[];
};

/** Whether files of this type are delivered through a stamped PDF rendition (images are not). */
export const needsRendition = (mimeType: string) => mimeType === 'application/pdf' || CONVERTIBLE_TYPES.has(mimeType);

/** Where a version's rendition lives: beside the upload, under a name that says which format it is. */
export const renditionKeys = (uploadKey: string) => ({
  base: `${uploadKey}.rendition-v${INDEX_FORMAT}.pdf`,
  index: `${uploadKey}.rendition-v${INDEX_FORMAT}.json`,
});

export interface IntakeOptions {
  /** The intake's time and memory budget (config.intake); DEFAULT_INTAKE_BUDGET when not given. */
  budget?: IntakeBudget;
  soffice?: string;
  sandbox?: 'auto' | 'off';
}

/**
 * Once the budget is spent, how long the abandoned work may take to stop: its processes are killed
 * at once and it stops at its next step, removing what it stored. Past this the answer goes out
 * anyway (a step that never settles cannot hold the request), and whatever the work still stores
 * is removed when it ends. The default budget plus this stays well inside R7's 60 s.
 */
const SETTLE_GRACE_MS = 5_000;

/**
 * The upload-time step of stamped delivery: read the stored PDF once (or convert the document to
 * PDF once) and keep what the stamper needs beside the version — the page-less base every delivery
 * starts with, and the index its tail is built from. The stored upload itself is never sent below
 * level original.
 *
 * A PDF that cannot be stamped is refused here with 422 (the person uploading can fix it); a
 * document that cannot be converted is kept, since the native file is still deliverable at level
 * original, and its stamped delivery answers 422 unstampable with the reason recorded here.
 *
 * It always settles within the budget (R7): every process it runs shares one deadline and memory
 * cap and is killed when the deadline passes, no step starts after it, and a step that would still
 * not end is abandoned — answered as "took longer than the time allowed", with nothing it stored kept.
 */
export async function prepareRendition(store: ObjectStore, file: StoredVersionFile, opts: IntakeOptions = {}): Promise<PreparedRendition | null> {
  if (!needsRendition(file.mimeType)) return null;
  const isPdf = file.mimeType === 'application/pdf';
  const budget = opts.budget ?? DEFAULT_INTAKE_BUDGET;
  const controller = new AbortController();
  const work = buildRendition(store, file, limitsFrom(budget, controller.signal), opts);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), budget.timeoutMs);
  });
  try {
    const first = await Promise.race([work, expired]);
    if (first !== 'expired') return first;
    controller.abort();
    const settled = await Promise.race([work.then(() => 'settled' as const, () => 'settled' as const), delay(SETTLE_GRACE_MS)]);
    if (settled === 'settled') return await work;
    // Still running: whatever it stores from now on is not wanted.
    work.then((late) => discardRendition(store, late), () => undefined);
    throw new UnstampableError('too_complex', `Preparing the file took longer than the ${Math.round(budget.timeoutMs / 1000)} s allowed.`);
  } catch (err) {
    if (!(err instanceof UnstampableError)) throw err;
    if (isPdf) throw refusal(err);
    return unstampableRendition(err.reason, err.message, isoNow());
  } finally {
    clearTimeout(timer);
  }
}

const delay = (ms: number) => new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), ms).unref());

/** Why a PDF is not accepted, named in the code and the message (and `details.file`, the field at fault). */
function refusal(err: UnstampableError): HttpError {
  if (err.reason === 'password_required') return new HttpError(422, 'pdf_password_required', err.message, { file: err.reason });
  const code = err.reason === 'too_complex' ? 'pdf_too_complex' : 'unreadable_pdf';
  return new HttpError(422, code, `${err.message} It cannot be watermarked, so it is not accepted.`, { file: err.reason });
}

/**
 * The steps of prepareRendition, under `limits`. On failure it removes what it stored; its work
 * folder goes when it ends, whatever the outcome.
 */
async function buildRendition(store: ObjectStore, file: StoredVersionFile, limits: IntakeLimits, opts: IntakeOptions): Promise<PreparedRendition> {
  const isPdf = file.mimeType === 'application/pdf';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-intake-'));
  const derivedKeys: string[] = [];
  try {
    const input = path.join(dir, isPdf ? 'input.pdf' : `input${CONVERTIBLE_TYPES.get(file.mimeType)}`);
    await pipeline(await store.get(file.objectKey), createWriteStream(input), { signal: limits.signal });
    const pdfPath = isPdf ? input : await convertToPdf(input, dir, { soffice: opts.soffice, sandbox: opts.sandbox, limits });
    const prepared = await preparePdf(pdfPath, dir, isPdf ? file.sha256 : undefined, limits);
    const revisions = isPdf ? await scanEarlierRevisions(input) : { count: 0, prefixes: [] };

    const keys = renditionKeys(file.objectKey);
    assertWithinBudget(limits, 'Preparing the file');
    derivedKeys.push(keys.base);
    const stored = await store.put(keys.base, createReadStream(prepared.basePath));
    assertWithinBudget(limits, 'Preparing the file');
    derivedKeys.push(keys.index);
    await store.put(keys.index, Readable.from([Buffer.from(JSON.stringify(prepared.index))]));
    assertWithinBudget(limits, 'Preparing the file');
    return {
      status: 'ready',
      format: INDEX_FORMAT,
      source: isPdf ? prepared.source : 'converted',
      reason: null,
      message: null,
      objectKey: keys.base,
      size: prepared.size,
      sha256: stored.sha256,
      indexKey: keys.index,
      earlierRevisions: revisions.count,
      removed: JSON.stringify(prepared.removed),
      revisionPrefixes: revisions.prefixes.length ? JSON.stringify(revisions.prefixes) : null,
      createdAt: isoNow(),
      derivedKeys,
    };
  } catch (err) {
    await Promise.all(derivedKeys.map((k) => store.delete(k).catch(() => undefined)));
    // The copy from the store was cut short by the budget's abort.
    if ((err as Error).name === 'AbortError') throw new UnstampableError('too_complex', 'Preparing the file took longer than the time allowed.', { cause: err });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rendition of a version that cannot be stamped: why, and nothing stored. */
export const unstampableRendition = (reason: string, message: string, createdAt: string): PreparedRendition => ({
  status: 'unstampable',
  format: INDEX_FORMAT,
  source: null,
  reason,
  message,
  objectKey: null,
  size: null,
  sha256: null,
  indexKey: null,
  earlierRevisions: null,
  removed: null,
  revisionPrefixes: null,
  createdAt,
  derivedKeys: [],
});

/** Removes what prepareRendition stored, when the upload it belongs to does not commit. */
export async function discardRendition(store: ObjectStore, rendition: PreparedRendition | null): Promise<void> {
  if (rendition) await Promise.all(rendition.derivedKeys.map((k) => store.delete(k).catch(() => undefined)));
}
