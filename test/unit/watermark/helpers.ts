import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StampFields } from '../../../server/watermark/stamp-fields.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CORPUS_DIR = path.resolve(PROJECT_ROOT, '../shared/corpus/pdf');

export const corpusFiles = (): string[] => fs.readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.pdf')).sort();
export const readCorpus = (name: string): Buffer => fs.readFileSync(path.join(CORPUS_DIR, name));

export const fields = (overrides: Partial<StampFields> = {}): StampFields => ({
  codeName: 'Project Falcon',
  userName: 'Jane Doe',
  userEmail: 'jane.doe@alpha-capital.example',
  orgName: 'Alpha Capital LLP',
  at: new Date('2024-05-01T10:11:12.345Z'),
  downloadId: '7K3M9QX2ZR4D',
  ...overrides,
});

/** A scratch directory for the command-line tools, removed by the returned cleanup. */
export function tempDir(): { dir: string; file(name: string, data?: Uint8Array): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-watermark-'));
  return {
    dir,
    file(name, data) {
      const p = path.join(dir, name);
      if (data) fs.writeFileSync(p, data);
      return p;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const BIG = 256 * 1024 * 1024;

/** pdftotext's text of each page (it separates pages with form feeds). */
export function pdftotextPages(file: string, mode: 'default' | 'raw' = 'default'): string[] {
  const args = mode === 'raw' ? ['-raw', '-enc', 'UTF-8', file, '-'] : ['-enc', 'UTF-8', file, '-'];
  const text = execFileSync('pdftotext', args, { encoding: 'utf8', maxBuffer: BIG, stdio: ['ignore', 'pipe', 'ignore'] });
  const pages = text.split('\f');
  // The last form feed ends the last page.
  if (pages.length > 1 && pages[pages.length - 1].trim() === '') pages.pop();
  return pages;
}

/** qpdf --check: exit 0 clean, 2 errors, 3 warnings. */
export function qpdfCheck(file: string): { status: number | null; output: string } {
  const r = spawnSync('qpdf', ['--check', file], { encoding: 'utf8', maxBuffer: BIG });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function qpdfPageCount(file: string): number | undefined {
  const r = spawnSync('qpdf', ['--show-npages', file], { encoding: 'utf8' });
  // Exit 3 is "succeeded with warnings": the count is still good.
  return r.status === 0 || r.status === 3 ? Number(r.stdout.trim()) : undefined;
}

export function qpdf(...args: string[]): void {
  const r = spawnSync('qpdf', args, { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 3) throw new Error(`qpdf ${args.join(' ')}: ${r.stderr}`);
}

/** pdf-lib narrates every damaged object it skips on console.warn; in these tests the damage is the point. */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}
