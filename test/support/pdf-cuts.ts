import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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

/** The same as `run`, without blocking: several cuts are read side by side. */
async function runAsync(cmd: string, args: string[], encoding: 'latin1' | 'utf8' = 'latin1'): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { encoding, maxBuffer: BIG });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { status: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

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
export function cutPoints(pdf: Buffer, seed: number, counts: { anywhere: number; inTail: number; lastObjects: number }): number[] {
  const random = seededRandom(seed);
  const tail = lastSectionStart(pdf);
  const cuts = new Set<number>();
  for (let i = 0; i < counts.anywhere; i++) cuts.add(1 + Math.floor(random() * (pdf.length - 1)));
  for (let i = 0; i < counts.inTail; i++) cuts.add(tail + 1 + Math.floor(random() * Math.max(1, pdf.length - tail - 1)));
  const text = pdf.toString('latin1');
  const lastXref = text.lastIndexOf('\nxref');
  if (lastXref > tail) cuts.add(lastXref + 1);
  const lastStartxref = text.lastIndexOf('startxref');
  if (lastStartxref > tail) cuts.add(lastStartxref);
  const endobjs: number[] = [];
  for (let i = text.indexOf('endobj', tail); i >= 0; i = text.indexOf('endobj', i + 6)) endobjs.push(i + 6);
  for (const e of counts.lastObjects > 0 ? endobjs.slice(-counts.lastObjects) : []) cuts.add(e);
  return [...cuts].filter((c) => c > 0 && c < pdf.length).sort((a, b) => a - b);
}

/** Runs `fn` over `items`, `width` at a time, keeping the order of the results. */
export async function inPool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]);
      }
    }),
  );
  return results;
}

export type Reader = 'qpdf-recovery' | 'poppler' | 'pdf.js' | 'page-tree-rebuild';

/** What one reader made of a file: the text of each page it found, or why it found none. */
export interface Reading {
  reader: Reader;
  pages: string[] | null;
  /** The page numbers of `pages`, when a reader read only some of a long document's pages. */
  pageNumbers?: number[];
  /** Per page: true when the page has no text and renders as a white sheet — it shows nothing, stamped or not. */
  blank?: boolean[];
  error?: string;
}

/**
 * pdftotext's text per page, or null when poppler cannot open the file. pdftotext ends every page
 * with a form feed, so their number is the page count (pages without text included). Raw mode keeps
 * the order the text is drawn in, so a stamp laid over the page's own words comes out whole.
 */
async function popplerPages(file: string): Promise<{ pages: string[] | null; error?: string }> {
  const r = await runAsync('pdftotext', ['-raw', '-enc', 'UTF-8', file, '-'], 'utf8');
  if (r.status !== 0) return { pages: null, error: r.stderr.trim().split('\n').pop() };
  const count = r.stdout.split('\f').length - 1;
  return { pages: r.stdout.split('\f').slice(0, count) };
}

/** qpdf --show-npages on the file as it is (undefined when qpdf cannot open it). */
export async function qpdfPageCount(file: string): Promise<number | undefined> {
  const r = await runAsync('qpdf', ['--show-npages', file]);
  return r.status === 0 || r.status === 3 ? Number(r.stdout.trim()) : undefined;
}

/** qpdf --check: exit 0 clean, 2 errors, 3 warnings. */
export async function qpdfCheck(file: string): Promise<{ status: number | null; output: string }> {
  const r = await runAsync('qpdf', ['--check', file]);
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
async function pdfjsPages(pdf: Buffer): Promise<{ pages: string[] | null; pageNumbers?: number[]; error?: string }> {
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
    return { pages, pageNumbers: numbers };
  } catch (err) {
    return { pages: null, error: (err as Error).message };
  } finally {
    await task.destroy().catch(() => undefined);
  }
}

/**
 * The page objects a file holds, as `N G R` references: written plainly or packed in an object
 * stream, complete or not referred to by anything.
 */
export function pageObjectRefs(pdf: Buffer): string[] {
  const refs = new Set<string>();
  const isPage = (dict: string) => /\/Type\s*\/Page(?![A-Za-z])/.test(dict);
  const text = pdf.toString('latin1');
  const header = /(\d+)\s+(\d+)\s+obj\b/g;
  for (let m = header.exec(text); m; m = header.exec(text)) {
    const end = text.indexOf('endobj', m.index);
    // Only whole objects: a page cut in half is no page to any reader.
    if (end < 0) break;
    const body = text.slice(m.index + m[0].length, end);
    const dict = body.split(/\bstream[\r\n]/)[0];
    if (isPage(dict)) refs.add(`${m[1]} ${m[2]} R`);
    if (/\/Type\s*\/ObjStm\b/.test(dict)) {
      const start = m.index + m[0].length + body.search(/\bstream[\r\n]/) + 'stream'.length;
      const streamStart = text[start] === '\r' && text[start + 1] === '\n' ? start + 2 : start + 1;
      const streamEnd = text.indexOf('endstream', streamStart);
      const first = Number(/\/First\s+(\d+)/.exec(dict)?.[1]);
      try {
        const data = inflateSync(pdf.subarray(streamStart, streamEnd), { finishFlush: zlib.Z_SYNC_FLUSH }).toString('latin1');
        const pairs = data.slice(0, first).trim().split(/\s+/).map(Number);
        for (let i = 0; i + 1 < pairs.length; i += 2) {
          const from = first + pairs[i + 1];
          const to = i + 3 < pairs.length ? first + pairs[i + 3] : data.length;
          if (isPage(data.slice(from, to))) refs.add(`${pairs[i]} 0 R`);
        }
      } catch {
        // An object stream cut short or not deflated: what it holds is unreadable.
      }
    }
  }
  return [...refs];
}

/**
 * What an attacker who knows PDF does with a cut that has page objects but no catalog (which no
 * ordinary reader opens): append a catalog and a page tree over the page objects found, put the
 * cut's own trailers out of the way, and let poppler (or, failing it, qpdf) repair the rest. A page
 * whose stamp did not survive the cut shows up here unstamped. Of many pages, the last ones before
 * the cut are the ones whose stamp may be missing: those are read, and the first few.
 */
async function rebuiltPageTree(pdf: Buffer, input: string, recovered: string): Promise<Reading> {
  const found = pageObjectRefs(pdf);
  if (found.length === 0) return { reader: 'page-tree-rebuild', pages: [] };
  const pages = found.length > 16 ? [...found.slice(0, 4), ...found.slice(-12)] : found;
  let max = 0;
  for (const m of pdf.toString('latin1').matchAll(/(\d+)\s+\d+\s+obj\b/g)) max = Math.max(max, Number(m[1]));
  const catalog = max + 1;
  const tree = max + 2;
  const neutered = Buffer.from(pdf.toString('latin1').replace(/(^|[\r\n])(trailer|startxref)(?=[\s<])/g, (_m, eol: string, word: string) => eol + '%'.repeat(word.length)), 'latin1');
  fs.writeFileSync(
    input,
    Buffer.concat([
      neutered,
      // Closes a stream or object the cut left open; stray keywords are skipped by the repair.
      Buffer.from(
        `\nendstream\nendobj\n${catalog} 0 obj\n<< /Type /Catalog /Pages ${tree} 0 R >>\nendobj\n${tree} 0 obj\n<< /Type /Pages /Kids [${pages.join(' ')}] /Count ${pages.length} >>\nendobj\n` +
          `trailer\n<< /Size ${tree + 1} /Root ${catalog} 0 R >>\n%%EOF\n`,
        'latin1',
      ),
    ]),
  );
  const poppler = await popplerPages(input);
  if (poppler.pages && poppler.pages.length > 0) return withBlankPages({ reader: 'page-tree-rebuild', ...poppler }, input);
  const q = await runAsync('qpdf', ['--warning-exit-0', '--stream-data=preserve', input, recovered]);
  if (q.status !== 0 || !fs.existsSync(recovered)) return { reader: 'page-tree-rebuild', pages: null, error: q.stderr.trim().split('\n').pop() };
  return withBlankPages({ reader: 'page-tree-rebuild', ...(await popplerPages(recovered)) }, recovered);
}

/** Whether poppler renders a page of a file as an empty white sheet (a failed render counts as not blank). */
async function rendersBlank(file: string, page: number): Promise<boolean> {
  try {
    const { stdout } = await promisify(execFile)('pdftoppm', ['-r', '8', '-gray', '-f', String(page), '-l', String(page), file], { encoding: 'buffer', maxBuffer: BIG });
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(stdout.subarray(0, 40).toString('latin1'));
    if (!header) return false;
    const pixels = stdout.subarray(header[0].length);
    return pixels.length > 0 && pixels.every((v) => v >= 250);
  } catch {
    return false;
  }
}

/**
 * Marks the pages without text that render white: a range or a cut may hold page objects whose
 * content lives in bytes it does not have, and such a page shows nothing of the document.
 */
async function withBlankPages(reading: Reading, file: string): Promise<Reading> {
  if (!reading.pages) return reading;
  const blank = await Promise.all(reading.pages.map((text, i) => (text.trim() === '' ? rendersBlank(file, reading.pageNumbers?.[i] ?? i + 1) : false)));
  return { ...reading, blank };
}

let scratchCounter = 0;

/**
 * Every reader's pages of one file (a prefix, a range answer, a whole delivery). qpdf goes through
 * its recovery (`qpdf --warning-exit-0 in out`), then poppler reads what qpdf wrote; poppler and
 * pdf.js also read the file as it is, each with its own repair; and the page objects found are
 * given a catalog of their own.
 */
export async function readPages(pdf: Buffer, dir: { file(name: string, data?: Buffer): string }, opts: { pdfjs?: boolean } = {}): Promise<Reading[]> {
  const n = scratchCounter++;
  const input = dir.file(`cut-${n}.pdf`, pdf);
  const recovered = dir.file(`cut-${n}-recovered.pdf`);
  const rebuiltInput = dir.file(`cut-${n}-rebuilt-in.pdf`);
  const rebuilt = dir.file(`cut-${n}-rebuilt.pdf`);
  try {
    const [recovery, poppler, pdfjs, rebuild] = await Promise.all([
      runAsync('qpdf', ['--warning-exit-0', '--stream-data=preserve', input, recovered]).then(async (q): Promise<Reading> =>
        q.status === 0 && fs.existsSync(recovered)
          ? withBlankPages({ reader: 'qpdf-recovery', ...(await popplerPages(recovered)) }, recovered)
          : { reader: 'qpdf-recovery', pages: null, error: q.stderr.trim().split('\n').pop() },
      ),
      popplerPages(input).then((r) => withBlankPages({ reader: 'poppler', ...r }, input)),
      // pdf.js cannot render here; poppler renders its pages for it (a page poppler cannot render counts as showing something).
      opts.pdfjs === false ? undefined : pdfjsPages(pdf).then((r) => withBlankPages({ reader: 'pdf.js', ...r }, input)),
      rebuiltPageTree(pdf, rebuiltInput, rebuilt),
    ]);
    return [recovery, poppler, ...(pdfjs ? [pdfjs] : []), rebuild];
  } finally {
    for (const f of [input, recovered, rebuiltInput, rebuilt]) fs.rmSync(f, { force: true });
  }
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
      if (!carriesStamp(text, downloadId) && !r.blank?.[i]) found.push(`${where}: ${r.reader} page ${r.pageNumbers?.[i] ?? i + 1} unstamped: ${text.trim() ? JSON.stringify(text.replace(/\s+/g, ' ').trim().slice(0, 80)) : '(no text, but it draws something)'}`);
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
