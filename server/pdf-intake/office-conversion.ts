import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnstampableError } from '../watermark/errors.js';
import { findExecutable, MINIMAL_ENV, runBounded } from './bounded-process.js';
import { assertWithinBudget, timeLeft, type IntakeLimits } from './intake-budget.js';
import { probeOfficeSandbox, sandboxedCommand } from './office-sandbox.js';

/** Types LibreOffice turns into a PDF that can then be stamped like any other. */
export const CONVERTIBLE_TYPES: ReadonlyMap<string, string> = new Map([
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', '.docx'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '.xlsx'],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', '.pptx'],
  ['application/vnd.oasis.opendocument.text', '.odt'],
  ['application/vnd.oasis.opendocument.spreadsheet', '.ods'],
  ['application/vnd.oasis.opendocument.presentation', '.odp'],
  // Legacy .doc/.xls/.ppt share one container format; LibreOffice tells them apart by content.
  ['application/x-cfb', '.doc'],
  ['application/rtf', '.rtf'],
  ['text/csv', '.csv'],
  ['text/plain', '.txt'],
]);

const CONVERSION_TIMEOUT_MS = 180_000;
/** The LibreOffice command; a test passes a missing one to see the upload survive without it. */
export const DEFAULT_SOFFICE = 'soffice';

export interface ConversionOptions {
  soffice?: string;
  /** The intake's deadline, memory cap and abort signal. */
  limits?: IntakeLimits;
  /**
   * 'auto' (the default) sandboxes the conversion wherever bwrap works (office-sandbox.ts); 'off'
   * runs LibreOffice with the minimal environment and limits only — what a host without bwrap gets.
   */
  sandbox?: 'auto' | 'off';
}

/**
 * Converts one document to PDF with LibreOffice headless, in a sandbox (no network, no file but its
 * work folder, no environment of the server's) and under the intake's time and memory budget.
 * Each conversion gets its own user profile: two soffice processes sharing one refuse to run side
 * by side. Throws UnstampableError 'not_converted' saying why when LibreOffice is missing, fails on
 * the file or runs out of its budget.
 */
export async function convertToPdf(input: string, workDir: string, opts: ConversionOptions = {}): Promise<string> {
  const soffice = findExecutable(opts.soffice ?? DEFAULT_SOFFICE);
  if (!soffice) {
    throw new UnstampableError('not_converted', 'LibreOffice is not installed on the server, so this document cannot be converted to a watermarked PDF.');
  }
  assertWithinBudget(opts.limits, 'Converting the document to PDF');
  const outDir = path.join(workDir, 'converted');
  await mkdir(outDir, { recursive: true });
  const profile = pathToFileURL(path.join(workDir, 'lo-profile')).href;
  const args = [`-env:UserInstallation=${profile}`, '--headless', '--norestore', '--nolockcheck', '--convert-to', 'pdf', '--outdir', outDir, input];
  const sandbox = opts.sandbox === 'off' ? null : await probeOfficeSandbox();
  const command = sandbox?.available ? sandboxedCommand(sandbox.bwrap, workDir, soffice, args) : { file: soffice, args };
  const r = await runBounded(command.file, command.args, {
    timeoutMs: timeLeft(opts.limits, CONVERSION_TIMEOUT_MS),
    memoryBytes: opts.limits?.memoryBytes,
    signal: opts.limits?.signal,
    env: MINIMAL_ENV(workDir),
    cwd: workDir,
  });
  if (r.notFound) {
    throw new UnstampableError('not_converted', 'LibreOffice is not installed on the server, so this document cannot be converted to a watermarked PDF.');
  }
  if (r.timedOut || r.aborted) throw new UnstampableError('not_converted', 'Converting the document to PDF took longer than the time allowed.');
  if (r.outOfMemory) throw new UnstampableError('not_converted', 'Converting the document to PDF needs more memory than allowed.');
  if (r.status !== 0) {
    throw new UnstampableError('not_converted', 'LibreOffice could not convert the document to PDF.', { cause: new Error(r.stderr.slice(0, 2000)) });
  }
  const produced = (await readdir(outDir)).find((f) => f.toLowerCase().endsWith('.pdf'));
  if (!produced) throw new UnstampableError('not_converted', 'LibreOffice could not convert the document to PDF.');
  return path.join(outDir, produced);
}
