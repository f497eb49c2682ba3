import { findExecutable, runBounded } from '../pdf-intake/bounded-process.js';
import { formatSeconds } from './extraction-budget.js';
import { assertNotStoppedByBudget, runTool, type ToolContext } from './poppler.js';
import type { PageFailure } from './text-extraction-types.js';

/*
 * OCR of one page: poppler's pdftoppm renders it greyscale and Tesseract (Debian tesseract-ocr, with
 * the language packs tesseract-ocr-nld, -deu, -fra) reads it, the image piped from one to the other:
 * a page at 300 dpi is ~9 MB of pixels that never touch the disk. Both run in one process group
 * under one time limit, so the page's budget covers rendering and recognition, and its end kills both.
 */

/**
 * Pixels a page is rendered at, at most: A3 at 300 dpi is 17 million. A page declared 5 m wide
 * (PDF allows 200 inches a side) is rendered at a lower resolution instead of gigabytes of pixels.
 */
const MAX_PAGE_PIXELS = 40_000_000;
/** The text Tesseract writes for a page: a few KB; past this the page is no page of text. */
const OCR_MAX_STDOUT = 4 * 1024 * 1024;

/** Tesseract's installed languages, asked once per process: null when Tesseract is not installed. */
let installed: Promise<string[] | null> | undefined;

export function installedOcrLanguages(): Promise<string[] | null> {
  installed ??= (async () => {
    if (!findExecutable('tesseract')) return null;
    const r = await runBounded('tesseract', ['--list-langs'], { timeoutMs: 10_000 });
    if (r.status !== 0) return null;
    // "List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (5):" then one per line (stdout, or stderr in older versions).
    const listed = `${r.stdout.toString('utf8')}\n${r.stderr}`.split('\n').map((l) => l.trim());
    return listed.filter((l) => /^[a-z_]+$/i.test(l) && l !== 'osd');
  })();
  return installed;
}

/**
 * What OCR can do here: the languages asked for that are installed, joined as Tesseract takes them
 * (`eng+nld+deu+fra`), or why it cannot run at all.
 */
export async function ocrLanguagesFor(wanted: readonly string[]): Promise<{ languages: string } | { unavailable: string }> {
  const have = await installedOcrLanguages();
  if (!have) return { unavailable: 'Tesseract (tesseract-ocr) is not installed on the server, so scanned pages are not read.' };
  const usable = wanted.filter((l) => have.includes(l));
  if (usable.length === 0) return { unavailable: `None of the OCR languages ${wanted.join(', ')} is installed on the server, so scanned pages are not read.` };
  return { languages: usable.join('+') };
}

/** The resolution to render a page at: `dpi`, or less when that would make more than MAX_PAGE_PIXELS. */
export function renderDpi(size: { width: number; height: number }, dpi: number): number {
  const inches = (size.width / 72) * (size.height / 72);
  if (!(inches > 0)) return dpi;
  return Math.max(1, Math.min(dpi, Math.floor(Math.sqrt(MAX_PAGE_PIXELS / inches))));
}

/*
 * The pipeline, with the page, resolution, file and languages as positional parameters (never
 * interpolated into the script). PGM rather than PNG: compressing the pixels would take longer than
 * recognising them. `--dpi` tells Tesseract the resolution a PGM cannot carry.
 */
const OCR_PIPELINE = 'pdftoppm -f "$1" -l "$1" -r "$2" -gray "$3" | tesseract stdin stdout --dpi "$2" -l "$4"';

export type OcrOutcome = { text: string } | { failure: PageFailure };

export async function ocrPage(ctx: ToolContext, pdfPath: string, page: number, size: { width: number; height: number }, opts: { dpi: number; languages: string; timeoutMs: number }): Promise<OcrOutcome> {
  const dpi = renderDpi(size, opts.dpi);
  const r = await runTool(ctx, 'sh', ['-c', OCR_PIPELINE, 'ocr-page', String(page), String(dpi), pdfPath, opts.languages], opts.timeoutMs, OCR_MAX_STDOUT);
  assertNotStoppedByBudget(ctx, r);
  if (r.timedOut) return { failure: { page, code: 'timed_out', reason: `Page ${page} took longer than the ${formatSeconds(opts.timeoutMs)} allowed to read it by OCR.` } };
  if (r.outOfMemory) return { failure: { page, code: 'out_of_memory', reason: `Reading page ${page} by OCR needs more memory than allowed.` } };
  if (r.overflow) return { failure: { page, code: 'too_much_text', reason: `Page ${page} holds more text than can be indexed.` } };
  if (r.status === 127 && /not found/i.test(r.stderr)) return { failure: { page, code: 'ocr_unavailable', reason: 'poppler (pdftoppm) or Tesseract is not installed on the server, so scanned pages are not read.' } };
  // dash has no pipefail: a page pdftoppm cannot render reaches Tesseract as no image at all, which it refuses.
  if (r.status !== 0) return { failure: { page, code: 'ocr_failed', reason: `Page ${page} could not be rendered to read it by OCR.` } };
  return { text: r.stdout.toString('utf8') };
}
