import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExtractionBudget } from './extraction-budget.js';
import { ocrLanguagesFor, ocrPage } from './ocr-page.js';
import { capUtf8, hasWords, isGarbageText, letterCount, normalisePageText } from './page-text.js';
import { pagesShowingLargeImages, readPdfLayout, readTextLayer, type ToolContext } from './poppler.js';
import { DEFAULT_TEXT_EXTRACTION, type DocumentText, type PageFailure, type PageText, type TextExtractionOptions } from './text-extraction-types.js';

/**
 * A text layer this thin (fewer letters) on a page that shows a page-sized image is a scan with a
 * stamp on it — a Bates number, "Page 3 of 40", a scanner's header — and is read by OCR as well.
 */
const THIN_TEXT_LETTERS = 40;
const IMAGE_LIST_TIMEOUT_MS = 30_000;

export type ResolvedOptions = Required<Omit<TextExtractionOptions, 'signal' | 'tempDir'>>;

export function resolveOptions(options: TextExtractionOptions): ResolvedOptions {
  const given = Object.keys(DEFAULT_TEXT_EXTRACTION).flatMap((key) => {
    const value = options[key as keyof ResolvedOptions];
    return value === undefined ? [] : [[key, value]];
  });
  return { ...DEFAULT_TEXT_EXTRACTION, ...Object.fromEntries(given) } as ResolvedOptions;
}

/** The work folder of one extraction: the tools' temporary files, removed with it however extraction ends. */
export const makeWorkDir = (tempDir = os.tmpdir()) => mkdtemp(path.join(tempDir, 'gatehouse-text-'));

/**
 * The text of every page of a PDF (docs/http-api.md, "Search"): its text layer, read by pdftotext,
 * and for pages without usable text — none, or garbage — OCR of the page's image. A page that cannot
 * be read within its budget is recorded in `failures` and the others are still read; the document's
 * own budget running out, or the caller's signal, ends it with a TextExtractionError. Never leaves a
 * process or a file behind.
 */
export async function extractPdfText(pdfPath: string, options: TextExtractionOptions = {}): Promise<DocumentText> {
  const opts = resolveOptions(options);
  const budget = new ExtractionBudget(opts.documentTimeoutMs, options.signal);
  const workDir = await makeWorkDir(options.tempDir);
  try {
    return await extractWithin({ workDir, memoryBytes: opts.memoryBytes, budget }, pdfPath, opts);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** What the text layer gave a page, and whether its image is to be read as well. */
interface PageState {
  text: string;
  /** 'instead': no usable text layer; 'if_scanned': a thin one, read again when the page shows a page-sized image. */
  ocr: 'no' | 'instead' | 'if_scanned';
}

/** extractPdfText's steps, in a work folder and under a budget the caller owns (extractOfficeText shares its own). */
export async function extractWithin(ctx: ToolContext, pdfPath: string, opts: ResolvedOptions): Promise<DocumentText> {
  ctx.budget.assertLeft();
  const layout = await readPdfLayout(ctx, pdfPath);
  const layer = await readTextLayer(ctx, pdfPath, layout.pages, opts.textLayerPageTimeoutMs);
  const failures: PageFailure[] = [...layer.failures];

  const states: PageState[] = layer.pages.map((raw) => {
    // A page whose text layer could not be read is in `failures`; rendering it would fail the same way.
    if (raw === null) return { text: '', ocr: 'no' };
    const text = normalisePageText(raw);
    if (isGarbageText(raw) || !hasWords(text)) return { text: hasWords(text) ? text : '', ocr: 'instead' };
    return { text, ocr: letterCount(text, THIN_TEXT_LETTERS) < THIN_TEXT_LETTERS ? 'if_scanned' : 'no' };
  });

  const sources: PageText['source'][] = states.map((s) => (s.text ? 'text' : 'none'));
  let truncated = false;
  if (opts.ocr) {
    const thin = states.flatMap((s, i) => (s.ocr === 'if_scanned' ? [i + 1] : []));
    const scanned = await pagesShowingLargeImages(ctx, pdfPath, layout, thin, IMAGE_LIST_TIMEOUT_MS);
    const toRead = states.flatMap((s, i) => (s.ocr === 'instead' || (s.ocr === 'if_scanned' && scanned.has(i + 1)) ? [i + 1] : []));
    const ocr = toRead.length ? await ocrLanguagesFor(opts.languages) : null;
    // What the pages already hold: OCR stops once the document's cap is reached, since its text would not be kept.
    let held = states.reduce((sum, s) => sum + Math.min(Buffer.byteLength(s.text), opts.maxPageBytes), 0);
    for (const page of toRead) {
      const state = states[page - 1];
      if (!ocr) break;
      if ('unavailable' in ocr) {
        if (state.ocr === 'instead') failures.push({ page, code: 'ocr_unavailable', reason: ocr.unavailable });
        continue;
      }
      if (held >= opts.maxDocumentBytes) {
        truncated = true;
        break;
      }
      ctx.budget.assertLeft();
      const read = await ocrPage(ctx, pdfPath, page, layout.sizes[page - 1], { dpi: opts.dpi, languages: ocr.languages, timeoutMs: opts.ocrPageTimeoutMs });
      if ('failure' in read) {
        // A thin page that fails keeps its text layer: the failure is a scan's, and the page has text.
        if (state.ocr === 'instead') failures.push(read.failure);
        continue;
      }
      const text = normalisePageText(read.text);
      if (!hasWords(text) || (state.ocr === 'if_scanned' && letterCount(text) <= letterCount(state.text))) continue;
      held += Math.min(Buffer.byteLength(text), opts.maxPageBytes) - Math.min(Buffer.byteLength(state.text), opts.maxPageBytes);
      state.text = text;
      sources[page - 1] = 'ocr';
    }
  }

  const pages: PageText[] = [];
  let left = opts.maxDocumentBytes;
  states.forEach((state, i) => {
    const capped = capUtf8(state.text, Math.min(opts.maxPageBytes, left));
    truncated ||= capped.truncated;
    // Cut by the document's cap: the pages after it keep nothing, rather than a word or two each.
    left = capped.truncated && left <= opts.maxPageBytes ? 0 : left - Buffer.byteLength(capped.text);
    pages.push({ page: i + 1, text: capped.text, source: capped.text ? sources[i] : 'none' });
  });
  failures.sort((a, b) => a.page - b.page);
  return { pages, ocrPages: pages.filter((p) => p.source === 'ocr').length, failures, truncated };
}
