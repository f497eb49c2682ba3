import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnstampableError } from '../watermark/errors.js';

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

/**
 * Converts one document to PDF with LibreOffice headless. Each conversion gets its own user
 * profile: two soffice processes sharing one refuse to run side by side. Throws UnstampableError
 * 'not_converted' saying why when LibreOffice is missing or fails on the file.
 */
export async function convertToPdf(input: string, workDir: string, soffice = DEFAULT_SOFFICE): Promise<string> {
  const outDir = path.join(workDir, 'converted');
  await mkdir(outDir, { recursive: true });
  const profile = pathToFileURL(path.join(workDir, 'lo-profile')).href;
  await new Promise<void>((resolve, reject) => {
    execFile(
      soffice,
      [`-env:UserInstallation=${profile}`, '--headless', '--norestore', '--nolockcheck', '--convert-to', 'pdf', '--outdir', outDir, input],
      { timeout: CONVERSION_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (err) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.code === 'ENOENT') {
          reject(new UnstampableError('not_converted', 'LibreOffice is not installed on the server, so this document cannot be converted to a watermarked PDF.'));
        } else if (e?.killed) {
          reject(new UnstampableError('not_converted', 'Converting the document to PDF took longer than the time allowed.'));
        } else if (e) {
          reject(new UnstampableError('not_converted', 'LibreOffice could not convert the document to PDF.', { cause: e }));
        } else resolve();
      },
    );
  });
  const produced = (await readdir(outDir)).find((f) => f.toLowerCase().endsWith('.pdf'));
  if (!produced) throw new UnstampableError('not_converted', 'LibreOffice could not convert the document to PDF.');
  return path.join(outDir, produced);
}
