import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractPdfText } from '../../../server/text-extraction/pdf-text.js';
import { TextExtractionError, type DocumentText } from '../../../server/text-extraction/text-extraction-types.js';
import { makePdf } from '../../support/fixtures.js';
import { streamBody, textContent, writePdf } from '../../support/handmade-pdf.js';
import { pdfOfPages } from '../../support/scanned-pdf.js';

// database-independent: no database, no server; poppler, Tesseract and its nld/deu/fra packs, as installed by .ci/run.

/**
 * Text extraction for full-text search (issue 21), with the real poppler and Tesseract: the text
 * layer page by page, OCR of scanned pages in English, Dutch, German and French, and a hostile PDF
 * costing at most its budget — a page failed, or the document refused with its reason — and never a
 * process or a file left behind.
 */
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-text-test-'));
/** Where the extractions make their work folders: empty again after each, however it ended. */
const workRoot = path.join(scratch, 'work');
fs.mkdirSync(workRoot);

const write = (name: string, data: Buffer) => {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, data);
  return file;
};
const textOf = (result: DocumentText, page: number) => result.pages[page - 1]!.text;
/** Processes still running whose command line names `file`. */
const processesOn = (file: string) => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(file));
const leftInWorkRoot = () => fs.readdirSync(workRoot);

const ENGLISH_SCAN = ['Schedule 4: the escrow holdback secures the indemnification claims.', 'Warranty claims expire eighteen months after completion.'];
const EUROPEAN_SCAN = [
  'Die Kündigungsfrist beträgt drei Monate zum Quartalsende.',
  'Deze overeenkomst wordt beheerst door Nederlands recht.',
  'La résiliation du contrat prend effet à la fin du trimestre.',
];

let mixed: string;
beforeAll(async () => {
  mixed = write('mixed.pdf', await pdfOfPages([
    { kind: 'text', lines: ['Share purchase agreement: the purchaser acknowledges the disclosed liabilities.'] },
    { kind: 'scan', lines: ENGLISH_SCAN },
    { kind: 'scan', lines: EUROPEAN_SCAN },
    { kind: 'text', lines: ['Signature page of the share purchase agreement.'] },
  ]));
}, 60_000);
afterEach(() => expect(leftInWorkRoot()).toEqual([]));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the text layer', () => {
  it('gives each page its own words, from the text layer, numbered from 1', async () => {
    const file = write('three-pages.pdf', await makePdf('Quarterly revenue of Falcon GmbH', 3));
    const result = await extractPdfText(file, { tempDir: workRoot });
    expect(result.pages.map((p) => p.page)).toEqual([1, 2, 3]);
    result.pages.forEach((p, i) => {
      expect(p.source).toBe('text');
      expect(p.text).toBe(`Quarterly revenue of Falcon GmbH — page ${i + 1}`);
    });
    expect(result).toMatchObject({ ocrPages: 0, failures: [], truncated: false });
  });

  it('caps the text kept per page and per document, and says it did', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Line ${i + 1}: the disclosed liabilities of the target, as listed in schedule 7.`);
    const file = write('capped.pdf', await pdfOfPages([1, 2, 3].map(() => ({ kind: 'text' as const, lines }))));
    const perPage = await extractPdfText(file, { tempDir: workRoot, maxPageBytes: 100 });
    expect(perPage.truncated).toBe(true);
    for (const p of perPage.pages) expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(100);
    const perDocument = await extractPdfText(file, { tempDir: workRoot, maxDocumentBytes: 500 });
    expect(perDocument.truncated).toBe(true);
    expect(perDocument.pages.reduce((sum, p) => sum + Buffer.byteLength(p.text), 0)).toBeLessThanOrEqual(500);
    expect(Buffer.byteLength(perDocument.pages[0]!.text)).toBeGreaterThan(400);
    expect(perDocument.pages.slice(1).map((p) => [p.text, p.source])).toEqual([['', 'none'], ['', 'none']]);
  });

  it('refuses a file that is not a PDF, and one that needs a password, with a reason a person can read', async () => {
    const notPdf = write('not.pdf', Buffer.from('this is a text file, not a PDF\n'));
    await expect(extractPdfText(notPdf, { tempDir: workRoot })).rejects.toMatchObject({ name: 'TextExtractionError', code: 'unreadable' });
    const open = write('open.pdf', await makePdf('Locked memo'));
    const locked = path.join(scratch, 'locked.pdf');
    execFileSync('qpdf', ['--encrypt', 'user-secret', 'owner-secret', '256', '--', open, locked]);
    const err = await extractPdfText(locked, { tempDir: workRoot }).catch((e) => e);
    expect(err).toBeInstanceOf(TextExtractionError);
    expect(err.reason).toMatch(/needs a password/);
  });
});

describe('OCR of scanned pages', () => {
  let result: DocumentText;
  beforeAll(async () => {
    result = await extractPdfText(mixed, { tempDir: workRoot });
  }, 120_000);

  it('finds the words of an image-only page of 9-point type by OCR, on its own page', () => {
    expect(result.pages.map((p) => p.source)).toEqual(['text', 'ocr', 'ocr', 'text']);
    expect(result.ocrPages).toBe(2);
    expect(textOf(result, 2)).toMatch(/escrow holdback secures the indemnification claims/);
    expect(textOf(result, 1)).not.toMatch(/escrow/);
    expect(textOf(result, 1)).toMatch(/purchaser acknowledges the disclosed liabilities/);
    expect(result.failures).toEqual([]);
  });

  it('reads German, Dutch and French words with their accents', () => {
    const page = textOf(result, 3);
    for (const word of ['Kündigungsfrist', 'beträgt', 'overeenkomst', 'Nederlands', 'résiliation', 'trimestre']) expect(page).toContain(word);
  });

  it('(control) reads the German page with English alone and gets its umlauts wrong: the languages are what reads them', async () => {
    const englishOnly = await extractPdfText(mixed, { tempDir: workRoot, languages: ['eng'] });
    expect(textOf(englishOnly, 3)).toMatch(/overeenkomst/);
    expect(textOf(englishOnly, 3)).not.toContain('Kündigungsfrist');
  }, 120_000);

  it('reads a scanned page stamped with a Bates number by OCR, not by its stamp alone', async () => {
    const file = write('bates.pdf', await pdfOfPages([{ kind: 'scan', lines: ENGLISH_SCAN, stamp: 'FALCON-000123' }]));
    const stamped = await extractPdfText(file, { tempDir: workRoot });
    expect(stamped.pages[0]!.source).toBe('ocr');
    expect(textOf(stamped, 1)).toMatch(/indemnification/);
  }, 60_000);

  it('treats a garbage text layer (glyphs mapped to private-use code points) as no text, and reads the page by OCR', async () => {
    // Helvetica draws the letters; its /ToUnicode map says they are private-use characters, so copying the text gives
    // nonsense — and the digits, mapped right, leave words in it: only the share of garbage tells it from text.
    const toUnicode = [
      '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Garbage-UCS def /CMapType 2 def',
      '1 begincodespacerange <00> <FF> endcodespacerange',
      '1 beginbfrange <41> <7A> <E041> endbfrange',
      'endcmap CMapName currentdict /CMap defineresource pop end end',
    ].join('\n');
    const content = `${textContent('Vendor due diligence report 2024', 720)}\n${textContent('Confidential information memorandum 17 of 40', 680)}`;
    const file = write('garbage-layer.pdf', writePdf([
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
      { num: 3, body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>' },
      { num: 4, body: streamBody('', content) },
      { num: 5, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>' },
      { num: 6, body: streamBody('', toUnicode) },
    ], '/Root 1 0 R'));
    // The file does have a text layer, and it is unreadable.
    const layer = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(layer).toMatch(/[\uE041-\uE07A]{5}/u);
    expect(layer).toContain('2024');

    const read = await extractPdfText(file, { tempDir: workRoot });
    expect(read.pages[0]!.source).toBe('ocr');
    expect(textOf(read, 1)).toMatch(/Vendor due diligence report/);
    expect(textOf(read, 1)).not.toMatch(/[\uE000-\uF8FF]/u);
  }, 60_000);
});

describe('a hostile PDF costs at most its budget', () => {
  /** Three pages, the second drawing 3,000,000 strings on top of each other: seconds of work for pdftotext and pdftoppm alike. */
  function slowMiddlePage(): string {
    const slow = 'BT /F1 1 Tf 10 10 Td (ab) Tj ET\n'.repeat(3_000_000);
    const page = (num: number, contents: number) => ({
      num,
      body: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 9 0 R >> >> /Contents ${contents} 0 R >>`,
    });
    return write('slow-page.pdf', writePdf([
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>' },
      page(3, 6),
      page(4, 7),
      page(5, 8),
      { num: 6, body: streamBody('', textContent('Alpha clause of the agreement')) },
      { num: 7, body: streamBody('', slow, { deflate: true }) },
      { num: 8, body: streamBody('', textContent('Omega clause of the agreement')) },
      { num: 9, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>' },
    ], '/Root 1 0 R'));
  }

  it('records a page whose text layer takes longer than its budget as failed, and reads the others', async () => {
    const file = slowMiddlePage();
    const result = await extractPdfText(file, { tempDir: workRoot, textLayerPageTimeoutMs: 400 });
    // The budget is shown by what it cut (page 2 timed out, its process gone), not by a stopwatch on a shared machine.
    expect(result.failures).toEqual([{ page: 2, code: 'timed_out', reason: expect.stringMatching(/^Page 2 took longer than/) }]);
    expect(result.pages.map((p) => [p.text, p.source])).toEqual([
      ['Alpha clause of the agreement', 'text'],
      ['', 'none'],
      ['Omega clause of the agreement', 'text'],
    ]);
    expect(processesOn(file)).toEqual([]);
  }, 30_000);

  it('records scanned pages whose OCR takes longer than the page budget as failed, and keeps the text pages', async () => {
    const result = await extractPdfText(mixed, { tempDir: workRoot, ocrPageTimeoutMs: 150 });
    expect(result.failures.map((f) => [f.page, f.code])).toEqual([[2, 'timed_out'], [3, 'timed_out']]);
    expect(result.pages.map((p) => p.source)).toEqual(['text', 'none', 'none', 'text']);
    expect(result.ocrPages).toBe(0);
    expect(processesOn(mixed)).toEqual([]);
  }, 30_000);

  it('ends with a typed error within the document budget when OCR would take longer, leaving no process and no file', async () => {
    const started = Date.now();
    const err = await extractPdfText(mixed, { tempDir: workRoot, documentTimeoutMs: 1_500 }).catch((e) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(TextExtractionError);
    expect(err).toMatchObject({ code: 'too_long', reason: 'Reading the text of the document took longer than the 1.5 s allowed.' });
    // The budget, and the moment it takes to kill the running OCR and remove the work folder.
    expect(took).toBeGreaterThanOrEqual(1_500);
    expect(took).toBeLessThan(3_000);
    expect(processesOn(mixed)).toEqual([]);
    expect(leftInWorkRoot()).toEqual([]);
  }, 30_000);

  it('stops at once when the caller aborts, with a typed error', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await expect(extractPdfText(mixed, { tempDir: workRoot, signal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(processesOn(mixed)).toEqual([]);
  }, 30_000);
});
