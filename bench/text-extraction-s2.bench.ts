/*
 * S2 of docs/quality.md: text extraction at upload (issue 21), through server/text-extraction in
 * this process, with the real poppler and Tesseract.
 *
 * - Text layer: a 2,000-page text PDF as office programs write them (bench/stamping-inputs.ts: 50
 *   lines of 10-point text a page, ~4 KB of text each) read by extractPdfText, rounds alternating
 *   with a bare `pdftotext` of the whole file through runBounded (the floor: poppler's own time,
 *   nothing split, normalised or checked). Figure: pages/s, medians; target ≥ 200 pages/s.
 * - OCR: a PDF of scanned pages (9-point type, 300 dpi, English, German, Dutch and French lines)
 *   read by extractPdfText, against the bare `pdftoppm | tesseract` pipeline on each of its pages with
 *   the same resolution and languages. Figure: seconds per OCR page; S2 asks only that it be reported.
 * Knobs: BENCH_S2_PAGES (default 2,000), BENCH_S2_ROUNDS (3), BENCH_S2_OCR_PAGES (4).
 * Runs alone with `npm run bench -- text-extraction`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MINIMAL_ENV, runBounded } from '../server/pdf-intake/bounded-process.js';
import { extractPdfText } from '../server/text-extraction/pdf-text.js';
import { DEFAULT_OCR_LANGUAGES } from '../server/text-extraction/text-extraction-types.js';
import { pdfOfPages } from '../test/support/scanned-pdf.js';
import { median, type BenchFigure } from './bench-figure.js';
import { textPdf } from './stamping-inputs.js';

export const name = 'text-extraction';

const PAGES = Number(process.env.BENCH_S2_PAGES ?? 2_000);
const ROUNDS = Number(process.env.BENCH_S2_ROUNDS ?? 3);
const OCR_PAGES = Number(process.env.BENCH_S2_OCR_PAGES ?? 4);
const TARGET_PAGES_PER_SECOND = 200;

const SCAN_LINES = [
  'Schedule 4: the escrow holdback secures the indemnification claims of the purchaser.',
  'Die Kündigungsfrist beträgt drei Monate zum Quartalsende.',
  'Deze overeenkomst wordt beheerst door Nederlands recht.',
  'La résiliation du contrat prend effet à la fin du trimestre.',
];

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export async function run(): Promise<BenchFigure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-text-'));
  try {
    const textFile = path.join(dir, 'binder.pdf');
    fs.writeFileSync(textFile, await textPdf(PAGES));
    const ours: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const extracted = await timed(() => extractPdfText(textFile));
      if (extracted.value.pages.length !== PAGES || extracted.value.ocrPages !== 0 || !extracted.value.pages.every((p) => p.source === 'text')) {
        throw new Error(`extractPdfText read ${extracted.value.pages.length} pages, ${extracted.value.ocrPages} by OCR: not the ${PAGES} text pages of the binder`);
      }
      ours.push(extracted.ms);
      const bare = await timed(() => runBounded('pdftotext', ['-enc', 'UTF-8', textFile, '-'], { timeoutMs: 120_000, maxStdoutBytes: 256 * 1024 * 1024 }));
      if (bare.value.status !== 0) throw new Error(`pdftotext failed: ${bare.value.stderr}`);
      floor.push(bare.ms);
    }
    const pagesPerSecond = (PAGES * 1000) / median(ours);
    const floorPagesPerSecond = (PAGES * 1000) / median(floor);

    const scanFile = path.join(dir, 'scans.pdf');
    fs.writeFileSync(scanFile, await pdfOfPages(Array.from({ length: OCR_PAGES }, () => ({ kind: 'scan' as const, lines: SCAN_LINES }))));
    const ocr = await timed(() => extractPdfText(scanFile));
    if (ocr.value.ocrPages !== OCR_PAGES || !ocr.value.pages.every((p) => p.text.includes('Kündigungsfrist'))) {
      throw new Error(`OCR read ${ocr.value.ocrPages} of ${OCR_PAGES} scanned pages: ${JSON.stringify(ocr.value.failures)}`);
    }
    const secondsPerPage = ocr.ms / 1000 / OCR_PAGES;
    const pipeline = await timed(async () => {
      for (let page = 1; page <= OCR_PAGES; page++) {
        const r = await runBounded('sh', ['-c', 'pdftoppm -f "$1" -l "$1" -r 300 -gray "$2" | tesseract stdin stdout --dpi 300 -l "$3"', 'bare-ocr', String(page), scanFile, DEFAULT_OCR_LANGUAGES.join('+')], {
          timeoutMs: 120_000,
          env: { ...MINIMAL_ENV(dir), OMP_THREAD_LIMIT: '1' },
        });
        if (r.status !== 0) throw new Error(`pdftoppm | tesseract failed: ${r.stderr}`);
      }
    });
    const bareSeconds = pipeline.ms / 1000 / OCR_PAGES;

    return [
      {
        id: 'S2',
        what: `text layer of a ${PAGES.toLocaleString('en')}-page PDF by extractPdfText (median of ${ROUNDS})`,
        figure: `${pagesPerSecond.toFixed(0)} pages/s`,
        baseline: `bare pdftotext of the whole file ${floorPagesPerSecond.toFixed(0)} pages/s`,
        ratio: pagesPerSecond / floorPagesPerSecond,
        ratioText: `${((pagesPerSecond / floorPagesPerSecond) * 100).toFixed(0)}% of the floor`,
        target: `≥ ${TARGET_PAGES_PER_SECOND} pages/s`,
        met: pagesPerSecond >= TARGET_PAGES_PER_SECOND,
        details: { roundsMs: ours.map(Math.round), floorRoundsMs: floor.map(Math.round) },
      },
      {
        id: 'S2',
        what: `OCR of ${OCR_PAGES} scanned pages (9-point type, 300 dpi, ${DEFAULT_OCR_LANGUAGES.join('+')}) by extractPdfText`,
        figure: `${secondsPerPage.toFixed(2)} s per page`,
        baseline: `bare pdftoppm | tesseract ${bareSeconds.toFixed(2)} s per page`,
        ratio: secondsPerPage / bareSeconds,
        ratioText: `${(secondsPerPage / bareSeconds).toFixed(2)}× the bare pipeline`,
        target: 'reported per page',
        details: { totalMs: Math.round(ocr.ms), pages: OCR_PAGES },
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
