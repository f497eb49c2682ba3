import fs from 'node:fs';
import { PDFDict, PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { readDownloadIdsFromPdf, samplePages } from '../../../server/watermark/read-stamp.js';
import { stampPdf } from '../../../server/pdf-intake/prepare-pdf.js';
import { fields, qpdf, readCorpus, tempDir } from './helpers.js';

const ID = fields().downloadId;

describe('reading download ids back from a PDF', () => {
  const tmp = tempDir();
  let stamped: Uint8Array;
  let stampedFile: string;

  beforeAll(async () => {
    // 19 pages: enough to remove some and keep others.
    stamped = await stampPdf(readCorpus('us_constitution.pdf'), fields());
    stampedFile = tmp.file('stamped.pdf', stamped);
  });
  afterAll(() => tmp.cleanup());

  it('reads the id back from the stamped file', async () => {
    expect(await readDownloadIdsFromPdf(stamped)).toEqual([ID]);
  });

  it('reads the id back from a copy re-saved by qpdf', async () => {
    for (const opts of [[], ['--object-streams=generate'], ['--qdf']]) {
      const out = tmp.file(`resaved${opts.join('')}.pdf`);
      qpdf(...opts, stampedFile, out);
      expect(await readDownloadIdsFromPdf(fs.readFileSync(out))).toEqual([ID]);
    }
  });

  it('reads the id back from a copy re-saved by pdf-lib', async () => {
    const copy = await (await PDFDocument.load(stamped)).save();
    expect(await readDownloadIdsFromPdf(copy)).toEqual([ID]);
  });

  it('reads the id back from a copy with pages removed', async () => {
    const out = tmp.file('pages.pdf');
    // --empty: a new document with pages 3 to 5 only, so no /Info and a fresh /ID: the text alone.
    qpdf('--empty', '--pages', stampedFile, '3-5', '--', out);
    expect(await readDownloadIdsFromPdf(fs.readFileSync(out))).toEqual([ID]);
    const one = tmp.file('one-page.pdf');
    qpdf(stampedFile, '--pages', stampedFile, '19', '--', one);
    expect(await readDownloadIdsFromPdf(fs.readFileSync(one))).toEqual([ID]);
  });

  it('reads the id back from a copy with bytes appended', async () => {
    const appended = Buffer.concat([Buffer.from(stamped), Buffer.from('\n%%EOF garbage \u0000\u0001 trailing bytes'.repeat(50))]);
    expect(await readDownloadIdsFromPdf(appended)).toEqual([ID]);
  });

  it('reads the id from the bytes of a copy too damaged to open', async () => {
    // Only the file's tail: no parser finds a page, but the trailer /ID is still there as plain bytes.
    const tail = Buffer.from(stamped).subarray(stamped.length - 2000);
    const damaged = Buffer.concat([Buffer.from('%PDF-1.7\n'), tail]);
    expect(await readDownloadIdsFromPdf(damaged)).toEqual([ID]);
  });

  it('ranks the id shown on the pages above one only in the metadata', async () => {
    const doc = await PDFDocument.load(stamped);
    const info = doc.context.lookup(doc.context.trailerInfo.Info) as PDFDict;
    info.set(PDFName.of('GatehouseDownloadId'), PDFString.of('0000000000AB'));
    doc.setKeywords([]);
    expect(await readDownloadIdsFromPdf(await doc.save())).toEqual([ID, '0000000000AB']);
  });

  it('returns nothing, and does not throw, for garbage, unstamped and encrypted files', async () => {
    const inputs = [
      new Uint8Array(0),
      Buffer.from('not a pdf at all'),
      Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF'),
      readCorpus('normal.pdf'),
      readCorpus('encrypted_new.pdf'),
      readCorpus('with_invalid_objects.pdf'),
    ];
    for (const input of inputs) {
      await expect(readDownloadIdsFromPdf(input)).resolves.toEqual([]);
    }
  });

  it('does not take ordinary words for ids', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage();
    ['Download the report now', 'STRENGTHENED PARTNERSHIPS', 'Download: SEE ATTACHMENT'].forEach((line, i) =>
      page.drawText(line, { x: 50, y: 700 - 30 * i, size: 14, font }),
    );
    expect(await readDownloadIdsFromPdf(await doc.save())).toEqual([]);
  });

  it('samples the first, last and spread-out pages of a long document', () => {
    expect(samplePages(5)).toEqual([1, 2, 3, 4, 5]);
    const pages = samplePages(2000);
    expect(pages.length).toBe(24);
    expect(pages.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pages).toContain(2000);
    expect(new Set(pages).size).toBe(pages.length);
  });
});
