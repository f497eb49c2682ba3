import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync, constants as zlib } from 'node:zlib';

/**
 * What someone holding a delivered PDF can get out of a part of it: the file cut at any byte (as
 * `head -c` or a Range request would), then opened by the readers people actually use — qpdf (with
 * its damaged-file recovery), poppler (pdfinfo/pdftotext, which rebuild a broken cross-reference
 * table on their own) and pdf.js (the viewer in the browser). A cut is safe when none of them finds
 * a page, or every page they find carries the stamp.
 */

const BIG = 512 * 1024 * 1024;

export function scratchDir(prefix = 'gatehouse-cuts-'): { file(name: string, data?: Buffer): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    file(name, data) {
      const p = path.join(dir, name);
      if (data) fs.writeFileSync(p, data);
      return p;
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'latin1', maxBuffer: BIG });

/** Offsets just past each `%%EOF` and the end-of-line after it: where an earlier revision (or the base) ends. */
export function eofEnds(pdf: Buffer): number[] {
  const ends: number[] = [];
  for (let i = pdf.indexOf('%%EOF'); i >= 0; i = pdf.indexOf('%%EOF', i + 5)) {
    let end = i + 5;
    if (pdf[end] === 0x0d) end++;
    if (pdf[end] === 0x0a) end++;
    ends.push(end);
  }
  return ends;
}

/** Where the delivery's last section begins: just past the %%EOF before the final one (0 if there is one only). */
export function lastSectionStart(pdf: Buffer): number {
  const ends = eofEnds(pdf).filter((e) => e < pdf.length);
  return ends.length ? ends[ends.length - 1] : 0;
}

/** The upload's header line(s): `%PDF-x.y` and the binary comment after it, wherever the header starts. */
export function headerEnd(pdf: Buffer): number {
  let at = Math.max(0, pdf.indexOf('%PDF-'));
  while (at < pdf.length && pdf[at] === 0x25 /* % */) {
    while (at < pdf.length && pdf[at] !== 0x0a && pdf[at] !== 0x0d) at++;
    while (at < pdf.length && (pdf[at] === 0x0a || pdf[at] === 0x0d)) at++;
  }
  return at;
}

/** A small seeded generator (mulberry32): the same cut points on every run, so a failure reproduces. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 20260101);

/**
 * Cut points for a delivery: some anywhere in the file, more inside its last section (the tail,
 * where the stamp, pages and catalog are written and the interesting joints are), and the joints
 * themselves — just before the tail's xref, before its startxref, after its last objects.
 */
export function cutPoints(pdf: Buffer, seed: number, count = 20): number[] {
  const random = seededRandom(seed);
  const tail = lastSectionStart(pdf);
  const cuts = new Set<number>();
  const anywhere = Math.floor(count * 0.4);
  for (let i = 0; i < anywhere; i++) cuts.add(1 + Math.floor(random() * (pdf.length - 1)));
  for (let i = anywhere; i < count; i++) cuts.add(tail + 1 + Math.floor(random() * Math.max(1, pdf.length - tail - 1)));
  const text = pdf.toString('latin1');
  const lastXref = text.lastIndexOf('\nxref');
  if (lastXref > tail) cuts.add(lastXref + 1);
  const lastStartxref = text.lastIndexOf('startxref');
  if (lastStartxref > tail) cuts.add(lastStartxref);
  const endobjs: number[] = [];
  for (let i = text.indexOf('endobj', tail); i >= 0; i = text.indexOf('endobj', i + 6)) endobjs.push(i + 6);
  for (const e of endobjs.slice(-4)) cuts.add(e);
  return [...cuts].filter((c) => c > 0 && c < pdf.length).sort((a, b) => a - b);
}

export type Reader = 'qpdf-recovery' | 'poppler' | 'pdf.js';

/** What one reader made of a file: the text of each page it found, or why it found none. */
export interface Reading {
  reader: Reader;
  pages: string[] | null;
  error?: string;
}

/** pdftotext's text per page (form feeds separate pages), or null when poppler cannot open it. */
function popplerPages(file: string): { pages: string[] | null; error?: string } {
  const info = run('pdfinfo', [file]);
  const count = Number(/Pages:\s+(\d+)/.exec(info.stdout ?? '')?.[1]);
  if (info.status !== 0 || !Number.isFinite(count)) return { pages: null, error: (info.stderr ?? '').trim().split('\n').pop() };
  if (count === 0) return { pages: [] };
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: BIG });
  if (r.status !== 0) return { pages: Array(count).fill(''), error: `pdftotext exit ${r.status}` };
  const pages = r.stdout.split('\f').slice(0, count);
  while (pages.length < count) pages.push('');
  return { pages };
}

/** qpdf --show-npages on the file as it is (undefined when qpdf cannot open it). */
export function qpdfPageCount(file: string): number | undefined {
  const r = run('qpdf', ['--show-npages', file]);
  return r.status === 0 || r.status === 3 ? Number(r.stdout.trim()) : undefined;
}

/** qpdf --check: exit 0 clean, 2 errors, 3 warnings. */
export function qpdfCheck(file: string): { status: number | null; output: string } {
  const r = run('qpdf', ['--check', file]);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

let pdfjsReady: Promise<typeof import('pdfjs-dist/legacy/build/pdf.mjs')> | undefined;
function loadPdfJs() {
  pdfjsReady ??= (async () => {
    const g = globalThis as { pdfjsWorker?: unknown };
    // The in-process "fake worker": no worker file to load by URL under the test runner.
    if (!g.pdfjsWorker) g.pdfjsWorker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs' as string);
    return import('pdfjs-dist/legacy/build/pdf.mjs');
  })();
  return pdfjsReady;
}

/** pdf.js's text of every page (of the first and last 8 pages of a long document), or null when it cannot open the file. */
async function pdfjsPages(pdf: Buffer): Promise<{ pages: string[] | null; error?: string }> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(pdf),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  try {
    const doc = await task.promise;
    const numbers = [...Array(doc.numPages).keys()].map((i) => i + 1).filter((n) => doc.numPages <= 16 || n <= 8 || n > doc.numPages - 8);
    const pages: string[] = [];
    for (const n of numbers) {
      try {
        const page = await doc.getPage(n);
        const content = await page.getTextContent();
        pages.push(content.items.map((it) => ('str' in it ? it.str : '')).join(' '));
        page.cleanup();
      } catch (err) {
        // A page pdf.js lists but cannot read shows nothing, stamped or not.
        pages.push(`(unreadable page: ${(err as Error).message})`);
      }
    }
    return { pages };
  } catch (err) {
    return { pages: null, error: (err as Error).message };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

/**
 * Every reader's pages of one file (a prefix, a range answer, a whole delivery). qpdf goes through
 * its recovery (`qpdf --warning-exit-0 in out`), then poppler reads what qpdf wrote; poppler and
 * pdf.js also read the file as it is, each with its own repair.
 */
export async function readPages(pdf: Buffer, dir: { file(name: string, data?: Buffer): string }, opts: { pdfjs?: boolean } = {}): Promise<Reading[]> {
  const input = dir.file('cut.pdf', pdf);
  const recovered = dir.file('recovered.pdf');
  fs.rmSync(recovered, { force: true });
  const q = run('qpdf', ['--warning-exit-0', input, recovered]);
  const readings: Reading[] = [];
  if (q.status === 0 && fs.existsSync(recovered)) readings.push({ reader: 'qpdf-recovery', ...popplerPages(recovered) });
  else readings.push({ reader: 'qpdf-recovery', pages: null, error: (q.stderr ?? '').trim().split('\n').pop() });
  readings.push({ reader: 'poppler', ...popplerPages(input) });
  if (opts.pdfjs !== false) readings.push({ reader: 'pdf.js', ...(await pdfjsPages(pdf)) });
  return readings;
}

/** Whether a page's text carries the stamp naming this download (however the reader broke its lines). */
export function carriesStamp(text: string, downloadId: string): boolean {
  return text.replace(/\s+/g, ' ').includes(`Download ${downloadId}`) || text.replace(/\s+/g, '').includes(`Download${downloadId}`);
}

/** The pages some reader found without the stamp, described for a failure message. */
export function unstampedPages(readings: Reading[], downloadId: string, where: string): string[] {
  const found: string[] = [];
  for (const r of readings) {
    (r.pages ?? []).forEach((text, i) => {
      if (!carriesStamp(text, downloadId)) found.push(`${where}: ${r.reader} page ${i + 1} unstamped: ${JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 80))}`);
    });
  }
  return found;
}

/** The largest page count any reader found. */
export const pagesFound = (readings: Reading[]) => Math.max(0, ...readings.map((r) => r.pages?.length ?? 0));

/**
 * The bytes of every stream in a file, decoded where they are deflated — whether or not anything
 * still refers to them, so an object an update orphaned is searched too.
 */
export function rawAndInflatedStreams(pdf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const re = /stream(\r\n|\n|\r)/g;
  const text = pdf.toString('latin1');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (text.slice(Math.max(0, m.index - 3), m.index) === 'end') continue;
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const data = pdf.subarray(start, end);
    out.push(data);
    for (const opts of [{}, { finishFlush: zlib.Z_SYNC_FLUSH }]) {
      try {
        out.push(inflateSync(data, opts));
        break;
      } catch {
        // Not deflated, or cut short: the raw bytes are already kept.
      }
    }
  }
  return out;
}

/** Where a string turns up in a file: its raw bytes, its streams decoded, and qpdf's fully expanded QDF form. */
export function findHiddenText(pdf: Buffer, needle: string, dir: { file(name: string, data?: Buffer): string }): string[] {
  const places: string[] = [];
  const forms = [Buffer.from(needle, 'latin1'), Buffer.from(needle, 'utf16le').swap16()];
  const contains = (b: Buffer) => forms.some((f) => b.indexOf(f) >= 0);
  if (contains(pdf)) places.push('raw bytes');
  if (rawAndInflatedStreams(pdf).some(contains)) places.push('a decoded stream');
  const input = dir.file('search.pdf', pdf);
  const qdf = dir.file('search.qdf.pdf');
  fs.rmSync(qdf, { force: true });
  const q = run('qpdf', ['--qdf', '--object-streams=disable', '--warning-exit-0', input, qdf]);
  if (q.status === 0 && contains(fs.readFileSync(qdf))) places.push('qpdf --qdf output');
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', input, '-'], { encoding: 'utf8', maxBuffer: BIG }).stdout ?? '';
  if (text.includes(needle)) places.push('pdftotext');
  return places;
}

/** The file as qpdf writes it in QDF form (every object uncompressed, no object streams): its keys are plain text. */
export function qdfText(pdf: Buffer, dir: { file(name: string, data?: Buffer): string }): string {
  const input = dir.file('keys.pdf', pdf);
  const qdf = dir.file('keys.qdf.pdf');
  fs.rmSync(qdf, { force: true });
  const r = run('qpdf', ['--qdf', '--object-streams=disable', '--warning-exit-0', input, qdf]);
  if (r.status !== 0) throw new Error(`qpdf --qdf could not read the delivery: ${r.stderr}`);
  return fs.readFileSync(qdf, 'latin1');
}
