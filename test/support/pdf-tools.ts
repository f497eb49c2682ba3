import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function withTempFile<T>(data: Buffer, fn: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pdf-'));
  const file = path.join(dir, 'in.pdf');
  fs.writeFileSync(file, data);
  try {
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The text poppler's pdftotext reads from a PDF: what a person copying text out of it would get. */
export const pdfText = (pdf: Buffer): string => withTempFile(pdf, (file) => execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }));

/** Pages of a PDF, by poppler's pdfinfo. */
export const pdfPageCount = (pdf: Buffer): number =>
  withTempFile(pdf, (file) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]));
