import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UnstampableError } from '../watermark/errors.js';
import { buildStampIndex, type PdfStampIndex } from './pdf-stamp-index.js';
import { qpdfComplaint, runQpdf } from './qpdf.js';

/** How the PDF that gets stamped was obtained from the one uploaded. */
export type PdfSource = 'original' | 'repaired' | 'decrypted';

export interface PreparedPdf {
  /** The file to stamp: the input itself, or qpdf's repaired or decrypted copy beside it. */
  path: string;
  source: PdfSource;
  size: number;
  sha256: string;
  index: PdfStampIndex;
}

const QPDF_TIMEOUT_MS = 120_000;

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/**
 * Makes an uploaded PDF ready for incremental stamping, once:
 * - a PDF that needs a user password is refused (it cannot be opened, let alone stamped);
 * - one with only an owner password is decrypted by qpdf (an update to an encrypted file would have
 *   to be encrypted too, and the permissions it claims are not ours to enforce);
 * - one qpdf --check finds damaged is rewritten once by qpdf, and that copy is stamped thereafter;
 * - then the index is built, under limits on objects, pages, nesting and time.
 */
export async function preparePdf(input: string, workDir: string, knownSha256?: string): Promise<PreparedPdf> {
  let current = input;
  let source: PdfSource = 'original';

  const encrypted = await runQpdf(['--is-encrypted', current], { timeoutMs: QPDF_TIMEOUT_MS });
  if (encrypted.status === 0) {
    const needsPassword = await runQpdf(['--requires-password', current], { timeoutMs: QPDF_TIMEOUT_MS });
    if (needsPassword.status === 0) {
      throw new UnstampableError('password_required', 'The PDF needs a password to open; upload a copy without the password.');
    }
    const out = path.join(workDir, 'decrypted.pdf');
    const r = await runQpdf(['--decrypt', current, out], { timeoutMs: QPDF_TIMEOUT_MS });
    if (r.status !== 0 && r.status !== 3) throw new UnstampableError('encrypted', `The encrypted PDF cannot be decrypted: ${qpdfComplaint(r)}.`);
    current = out;
    source = 'decrypted';
  }

  const check = await runQpdf(['--check', current], { timeoutMs: QPDF_TIMEOUT_MS, maxOutputBytes: 16 * 1024 * 1024 });
  if (check.timedOut) throw new UnstampableError('too_complex', 'Checking the PDF took longer than the time allowed.');
  let index: PdfStampIndex | undefined;
  if (check.status === 0) {
    try {
      index = await buildStampIndex(current, (await stat(current)).size, { sha256: knownSha256 && source === 'original' ? knownSha256 : await sha256Of(current) });
    } catch (err) {
      // qpdf silently tolerates some damage the update cannot (an off-by-some startxref): repair.
      if (!(err instanceof UnstampableError) || err.reason !== 'unparseable') throw err;
    }
  }
  if (!index) {
    const out = path.join(workDir, 'repaired.pdf');
    const r = await runQpdf([current, out], { timeoutMs: QPDF_TIMEOUT_MS });
    if (r.timedOut) throw new UnstampableError('too_complex', 'Repairing the PDF took longer than the time allowed.');
    if (r.status !== 0 && r.status !== 3) throw new UnstampableError('unparseable', `The PDF is too damaged to read: ${qpdfComplaint(check.status === 2 ? check : r)}.`);
    const recheck = await runQpdf(['--check', out], { timeoutMs: QPDF_TIMEOUT_MS, maxOutputBytes: 16 * 1024 * 1024 });
    if (recheck.status !== 0) throw new UnstampableError('unparseable', `The PDF is too damaged to repair: ${qpdfComplaint(recheck)}.`);
    current = out;
    if (source === 'original') source = 'repaired';
    index = await buildStampIndex(current, (await stat(current)).size, { sha256: await sha256Of(current) });
  }
  const sha256 = current === input && knownSha256 ? knownSha256 : await sha256Of(current);
  return { path: current, source, size: index.size, sha256, index };
}

/** preparePdf for bytes in memory: returns the bytes to stamp with their index. */
export async function preparePdfBytes(pdf: Uint8Array): Promise<{ bytes: Buffer; index: PdfStampIndex; source: PdfSource }> {
  if (pdf.length < 8 || Buffer.from(pdf.subarray(0, 1024)).indexOf('%PDF-') < 0) {
    throw new UnstampableError('unparseable', 'The file cannot be read as a PDF.');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gatehouse-pdf-'));
  try {
    const input = path.join(dir, 'input.pdf');
    await writeFile(input, pdf);
    const prepared = await preparePdf(input, dir);
    return { bytes: await readFile(prepared.path), index: prepared.index, source: prepared.source };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
