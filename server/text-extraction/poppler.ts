import { MINIMAL_ENV, runBounded, type ProcessResult } from '../pdf-intake/bounded-process.js';
import { ExtractionBudget, formatSeconds } from './extraction-budget.js';
import { TextExtractionError, type PageFailure } from './text-extraction-types.js';

/*
 * poppler's command-line tools (Debian poppler-utils) on one document: pdfinfo for its pages and
 * their sizes, pdftotext for its text layer. Every run goes through runBounded, under the
 * document's budget, a memory cap and the caller's signal.
 */

/** What every child process of an extraction runs with: nothing of the server's environment, temporary files in the work folder. */
export interface ToolContext {
  workDir: string;
  memoryBytes: number;
  budget: ExtractionBudget;
}

/**
 * The environment of the tools: the intake's minimal one, temporary files in the work folder (removed
 * with it), and Tesseract on one thread — with OpenMP's threads a page took 8 s of wall time instead
 * of 3 on a two-core machine, the threads spinning against each other and every other process.
 */
export const toolEnv = (workDir: string): NodeJS.ProcessEnv => ({ ...MINIMAL_ENV(workDir), TMPDIR: workDir, OMP_THREAD_LIMIT: '1' });

export async function runTool(ctx: ToolContext, command: string, args: string[], capMs: number, maxStdoutBytes: number): Promise<ProcessResult> {
  ctx.budget.assertLeft();
  return runBounded(command, args, {
    timeoutMs: ctx.budget.stepMs(capMs),
    memoryBytes: ctx.memoryBytes,
    maxStdoutBytes,
    signal: ctx.budget.signal,
    env: toolEnv(ctx.workDir),
    cwd: ctx.workDir,
  });
}

/** After a run that was stopped: the document's budget or the caller ended it (throws), or only the step's own cap did (returns). */
export function assertNotStoppedByBudget(ctx: ToolContext, r: ProcessResult): void {
  if (r.aborted || ctx.budget.signal?.aborted) ctx.budget.assertLeft();
  if (r.timedOut && ctx.budget.spent) throw ctx.budget.exhausted();
}

export interface PdfLayout {
  pages: number;
  /** Width and height in points of each page (index 0 is page 1), as it is shown (rotation applied). */
  sizes: Array<{ width: number; height: number }>;
}

/** pdfinfo's output for 100,000 pages (the intake's maximum) is ~7 MB. */
const PDFINFO_MAX_STDOUT = 32 * 1024 * 1024;
const PDFINFO_TIMEOUT_MS = 30_000;
const LAST_PAGE = '2147483647';

/** The pages of the PDF and their sizes, from one pdfinfo run. Throws TextExtractionError when poppler cannot open it. */
export async function readPdfLayout(ctx: ToolContext, pdfPath: string): Promise<PdfLayout> {
  const r = await runTool(ctx, 'pdfinfo', ['-f', '1', '-l', LAST_PAGE, pdfPath], PDFINFO_TIMEOUT_MS, PDFINFO_MAX_STDOUT);
  if (r.notFound) throw new TextExtractionError('tools_missing', 'poppler (pdfinfo, pdftotext) is not installed on the server, so the text of PDFs cannot be read.');
  assertNotStoppedByBudget(ctx, r);
  if (r.timedOut || r.overflow || r.outOfMemory) throw new TextExtractionError('unreadable', 'The PDF is too complex to read its pages.');
  if (r.status !== 0) {
    const why = /password/i.test(r.stderr) ? 'it needs a password to open' : 'it is damaged';
    throw new TextExtractionError('unreadable', `The text of the PDF cannot be read: ${why}.`, { cause: new Error(r.stderr.slice(0, 2000)) });
  }
  const out = r.stdout.toString('utf8');
  const pages = Number(/^Pages:\s+(\d+)/m.exec(out)?.[1] ?? NaN);
  if (!Number.isSafeInteger(pages)) throw new TextExtractionError('unreadable', 'The text of the PDF cannot be read: it names no pages.');
  const sizes = Array.from({ length: pages }, () => ({ width: 612, height: 792 }));
  for (const m of out.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
    const at = Number(m[1]) - 1;
    if (at >= 0 && at < pages) sizes[at] = { width: Number(m[2]), height: Number(m[3]) };
  }
  for (const m of out.matchAll(/^Page\s+(\d+) rot:\s+(\d+)/gm)) {
    const at = Number(m[1]) - 1;
    if (at >= 0 && at < pages && Number(m[2]) % 180 === 90) sizes[at] = { width: sizes[at].height, height: sizes[at].width };
  }
  return { pages, sizes };
}

/**
 * A run of pdftotext gets the page's budget plus this much per page it reads: a text page of 50
 * lines reads in under 1 ms here, so 20 ms is a wide margin on a loaded machine, and a 2,000-page
 * document is still given up on in under a minute when one of its pages never ends.
 */
export const TEXT_LAYER_MS_PER_PAGE = 20;
/** What one pdftotext run may print before it is cut into smaller runs: 64 MiB of text. */
const TEXT_LAYER_MAX_STDOUT = 64 * 1024 * 1024;

export interface TextLayer {
  /** Raw text per page (index 0 is page 1); null for a page that could not be read. */
  pages: Array<string | null>;
  failures: PageFailure[];
}

/**
 * The text layer of every page: one pdftotext run for the whole document, its pages split on the
 * form feed pdftotext writes after each. A run that fails — out of time (a page whose content never
 * ends), out of output, out of memory, or with a form feed too many (one in the text itself) — is
 * cut in two and each half read again, down to single pages: one bad page costs its own text and
 * about log2(pages) runs, never the document's.
 */
export async function readTextLayer(ctx: ToolContext, pdfPath: string, pages: number, pageTimeoutMs: number): Promise<TextLayer> {
  const layer: TextLayer = { pages: new Array<string | null>(pages).fill(null), failures: [] };
  const readRange = async (first: number, last: number): Promise<void> => {
    const count = last - first + 1;
    const r = await runTool(ctx, 'pdftotext', ['-enc', 'UTF-8', '-eol', 'unix', '-f', String(first), '-l', String(last), pdfPath, '-'], pageTimeoutMs + count * TEXT_LAYER_MS_PER_PAGE, TEXT_LAYER_MAX_STDOUT);
    if (r.notFound) throw new TextExtractionError('tools_missing', 'poppler (pdftotext) is not installed on the server, so the text of PDFs cannot be read.');
    assertNotStoppedByBudget(ctx, r);
    if (r.status === 0) {
      const parts = r.stdout.toString('utf8').split('\f');
      // pdftotext ends every page with a form feed: `count` pages are `count + 1` parts, the last empty.
      if (parts.length === count + 1) {
        for (let i = 0; i < count; i++) layer.pages[first - 1 + i] = parts[i];
        return;
      }
      // One page whose text holds form feeds of its own: they are its text, not page breaks.
      if (count === 1) {
        layer.pages[first - 1] = parts.join(' ');
        return;
      }
    }
    if (count > 1) {
      const middle = first + Math.floor(count / 2) - 1;
      await readRange(first, middle);
      await readRange(middle + 1, last);
      return;
    }
    layer.failures.push(textLayerFailure(first, r, pageTimeoutMs));
  };
  if (pages > 0) await readRange(1, pages);
  return layer;
}

function textLayerFailure(page: number, r: ProcessResult, pageTimeoutMs: number): PageFailure {
  if (r.timedOut) return { page, code: 'timed_out', reason: `Page ${page} took longer than the ${formatSeconds(pageTimeoutMs + TEXT_LAYER_MS_PER_PAGE)} allowed to read its text.` };
  if (r.overflow) return { page, code: 'too_much_text', reason: `Page ${page} holds more text than can be indexed.` };
  if (r.outOfMemory) return { page, code: 'out_of_memory', reason: `Reading the text of page ${page} needs more memory than allowed.` };
  return { page, code: 'unreadable_page', reason: `The text of page ${page} cannot be read.` };
}

/**
 * Pages (1-based) among `pages` showing an image that covers at least `share` of the page: a scan,
 * or a photo of one. From one `pdfimages -list` run over the pages' range; pdfimages does not decode
 * the images, it reports where they are drawn (its x-ppi and y-ppi are pixels per inch as placed).
 * Empty when it cannot say: the pages then keep the text they have.
 */
export async function pagesShowingLargeImages(ctx: ToolContext, pdfPath: string, layout: PdfLayout, pages: number[], timeoutMs: number, share = 0.5): Promise<Set<number>> {
  const found = new Set<number>();
  if (pages.length === 0) return found;
  const wanted = new Set(pages);
  const r = await runTool(ctx, 'pdfimages', ['-list', '-f', String(Math.min(...pages)), '-l', String(Math.max(...pages)), pdfPath], timeoutMs, 16 * 1024 * 1024);
  assertNotStoppedByBudget(ctx, r);
  if (r.status !== 0) return found;
  // page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
  for (const line of r.stdout.toString('utf8').split('\n')) {
    const cols = line.trim().split(/\s+/);
    const page = Number(cols[0]);
    if (cols.length < 14 || !wanted.has(page) || found.has(page)) continue;
    const [width, height, xppi, yppi] = [Number(cols[3]), Number(cols[4]), Number(cols[12]), Number(cols[13])];
    if (!(width > 0 && height > 0 && xppi > 0 && yppi > 0)) continue;
    const placed = ((width / xppi) * 72) * ((height / yppi) * 72);
    const size = layout.sizes[page - 1];
    if (size && placed >= share * size.width * size.height) found.add(page);
  }
  return found;
}
