import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnstampableError } from '../watermark/errors.js';
import { buildStampReadyPdf, type RemovedContent } from './stamp-ready-pdf.js';
import type { PdfStampIndex } from '../watermark/stamp-index.js';
import { buildStampTail, type StampPdfOptions } from '../watermark/stamp-pdf.js';
import type { StampFields } from '../watermark/stamp-fields.js';
import { qpdfComplaint, runQpdf, type QpdfLimits } from './qpdf.js';
import { assertWithinBudget, timeLeft, type IntakeLimits } from './intake-budget.js';

/** How the PDF that gets stamped was obtained from the one uploaded. */
export type PdfSource = 'original' | 'repaired' | 'decrypted';

export interface PreparedPdf {
  /** The page-less base, written beside the input; never the input's bytes. */
  basePath: string;
  source: PdfSource;
  size: number;
  sha256: string;
  index: PdfStampIndex;
  removed: RemovedContent[];
}

const QPDF_TIMEOUT_MS = 120_000;

/** A qpdf step's limits: its own time cap, or what the intake has left if that is less. */
const qpdfLimits = (limits: IntakeLimits | undefined): QpdfLimits => ({
  timeoutMs: timeLeft(limits, QPDF_TIMEOUT_MS),
  memoryBytes: limits?.memoryBytes,
  signal: limits?.signal,
});

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Makes a PDF ready for stamped delivery, once:
 * - a PDF that needs a user password is refused (it cannot be opened, let alone stamped);
 * - one with only an owner password is decrypted by qpdf first (the permissions it claims are not
 *   ours to enforce, and a delivery is a new file);
 * - then qpdf reads its latest revision (recovering what damage it can) and the page-less base and
 *   the tail's index are written from that, under limits on objects, pages, nesting and time.
 * With `limits`, every qpdf run shares the intake's deadline and memory cap, and no step starts once
 * the deadline has passed.
 */
export async function preparePdf(input: string, workDir: string, knownSha256?: string, limits?: IntakeLimits): Promise<PreparedPdf> {
  let current = input;
  let source: PdfSource = 'original';

  const encrypted = await runQpdf(['--is-encrypted', current], qpdfLimits(limits));
  if (encrypted.timedOut) throw new UnstampableError('too_complex', 'Opening the PDF took longer than the time allowed.');
  if (encrypted.outOfMemory) throw new UnstampableError('too_complex', 'Opening the PDF needs more memory than allowed.');
  if (encrypted.status === 0) {
    const needsPassword = await runQpdf(['--requires-password', current], qpdfLimits(limits));
    if (needsPassword.timedOut) throw new UnstampableError('too_complex', 'Opening the PDF took longer than the time allowed.');
    if (needsPassword.status === 0) {
      throw new UnstampableError('password_required', 'The PDF needs a password to open; upload a copy without the password.');
    }
    const out = path.join(workDir, 'decrypted.pdf');
    const r = await runQpdf(['--decrypt', current, out], qpdfLimits(limits));
    if (r.timedOut) throw new UnstampableError('too_complex', 'Decrypting the PDF took longer than the time allowed.');
    if (r.outOfMemory) throw new UnstampableError('too_complex', 'Decrypting the PDF needs more memory than allowed.');
    if (r.status !== 0 && r.status !== 3) throw new UnstampableError('encrypted', `The encrypted PDF cannot be decrypted: ${qpdfComplaint(r)}.`);
    current = out;
    source = 'decrypted';
  }

  const dataDir = path.join(workDir, 'streams');
  await mkdir(dataDir, { recursive: true });
  const basePath = path.join(workDir, 'base.pdf');
  const sha256 = current === input && knownSha256 ? knownSha256 : await sha256Of(current);
  try {
    assertWithinBudget(limits, 'Reading the PDF');
    let ready = await buildStampReadyPdf(current, basePath, dataDir, { sha256, limits });
    assertWithinBudget(limits, 'Reading the PDF');
    if (ready.repaired) {
      // qpdf recovered the file while describing it, and the stream data it hands out of a
      // recovered file is not always where the objects are (bytes before the header shift it):
      // let qpdf write the repaired file whole, then read that clean copy instead.
      const repaired = path.join(workDir, 'repaired.pdf');
      const r = await runQpdf([current, repaired], qpdfLimits(limits));
      if (r.timedOut) throw new UnstampableError('too_complex', 'Repairing the PDF took longer than the time allowed.');
      if (r.outOfMemory) throw new UnstampableError('too_complex', 'Repairing the PDF needs more memory than allowed.');
      if (r.status !== 0 && r.status !== 3) throw new UnstampableError('unparseable', `The PDF is too damaged to repair: ${qpdfComplaint(r)}.`);
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true });
      assertWithinBudget(limits, 'Repairing the PDF');
      ready = await buildStampReadyPdf(repaired, basePath, dataDir, { sha256, limits });
      if (source === 'original') source = 'repaired';
    }
    return { basePath, source, size: ready.base.size, sha256: ready.base.sha256, index: ready.index, removed: ready.removed };
  } finally {
    // The streams' data was copied into the base: thousands of small files need not wait for the caller.
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** preparePdf for bytes in memory: returns the page-less base with its index. */
export async function preparePdfBytes(pdf: Uint8Array): Promise<{ bytes: Buffer; index: PdfStampIndex; source: PdfSource; removed: RemovedContent[] }> {
  if (pdf.length < 8 || Buffer.from(pdf.subarray(0, 1024)).indexOf('%PDF-') < 0) {
    throw new UnstampableError('unparseable', 'The file cannot be read as a PDF.');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-pdf-'));
  try {
    const input = path.join(dir, 'input.pdf');
    await writeFile(input, pdf);
    const prepared = await preparePdf(input, dir);
    return { bytes: await readFile(prepared.basePath), index: prepared.index, source: prepared.source, removed: prepared.removed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Stamps a whole PDF held in memory: the upload-time preparation (decrypt, the page-less base and
 * its index) and the tail in one call. The server does these at different times; tests, the bench and
 * one-off tools use this. Throws UnstampableError rather than ever returning the input unstamped.
 */
export async function stampPdf(pdf: Uint8Array, fields: StampFields, options: StampPdfOptions = {}): Promise<Uint8Array> {
  const prepared = await preparePdfBytes(pdf);
  const tail = await buildStampTail(prepared.index, fields, options);
  return Buffer.concat([prepared.bytes, tail.bytes]);
}
