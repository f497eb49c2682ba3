import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString, StandardFonts, degrees } from 'pdf-lib';
import { UnstampableError } from '../../../server/watermark/errors.js';
import { stampFonts } from '../../../server/watermark/fonts.js';
import { loadPdfJs, PDFJS_OPTIONS, readDownloadIdsFromPdf } from '../../../server/watermark/read-stamp.js';
import { stampLines } from '../../../server/watermark/stamp-fields.js';
import { stampPdf } from '../../../server/pdf-intake/prepare-pdf.js';
import fs from 'node:fs';
import path from 'node:path';
import {
  CORPUS_DIR,
  corpusFiles,
  fields,
  pdftotextPages,
  qpdfCheck,
  qpdfPageCount,
  quietly,
  readCorpus,
  tempDir,
} from './helpers.js';

const ID = fields().downloadId;
const corpusPath = (name: string) => path.join(CORPUS_DIR, name);

/**
 * The corpus files that cannot be stamped, and why: two need a user password; in one the trailer
 * is gone, in another its /Root names no page tree, so no page can be found (qpdf cannot repair them either).
 * Anything else must come out stamped.
 */
const EXPECTED_REFUSALS: Record<string, string> = {
  'encrypted_new.pdf': 'password_required',
  'encrypted_old.pdf': 'password_required',
  'invalid_root_ref.pdf': 'no_pages',
  'missing_xref_trailer_dict.pdf': 'unparseable',
};

interface TextItem {
  str: string;
  /** Start and end of the item's baseline in display coordinates (y down), and the page size. */
  start: [number, number];
  end: [number, number];
  page: { width: number; height: number };
}

/** Every text item on every page as a viewer lays it out: CropBox and /Rotate applied. */
async function displayedText(pdf: Uint8Array): Promise<TextItem[][]> {
  const pdfjs = await loadPdfJs();
  const task = pdfjs.getDocument({ data: new Uint8Array(pdf), ...PDFJS_OPTIONS, verbosity: 0 });
  try {
    const doc = await task.promise;
    const pages: TextItem[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale: 1 });
      const content = await page.getTextContent();
      pages.push(
        content.items.flatMap((it) => {
          if (!('str' in it)) return [];
          const [a, b, , , e, f] = it.transform as number[];
          const len = Math.hypot(a, b);
          const endUser = [e + (a / len) * it.width, f + (b / len) * it.width];
          return [{
            str: it.str,
            start: viewport.convertToViewportPoint(e, f) as [number, number],
            end: viewport.convertToViewportPoint(endUser[0], endUser[1]) as [number, number],
            page: { width: viewport.width, height: viewport.height },
          }];
        }),
      );
    }
    return pages;
  } finally {
    await task.destroy();
  }
}

function wordsOf(pages: string[]): Set<string> {
  return new Set(pages.join(' ').split(/\s+/).filter(Boolean));
}

describe('stampPdf over the real-world corpus', () => {
  const tmp = tempDir();
  const stamped = new Map<string, string>();
  const refused = new Map<string, unknown>();

  beforeAll(() =>
    quietly(async () => {
      for (const name of corpusFiles()) {
        try {
          stamped.set(name, tmp.file(name, await stampPdf(readCorpus(name), fields())));
        } catch (err) {
          refused.set(name, err);
        }
      }
    }), 60_000);
  afterAll(() => tmp.cleanup());

  it('stamps every file or refuses it with UnstampableError, never anything else', () => {
    expect(stamped.size + refused.size).toBe(corpusFiles().length);
    for (const [name, err] of refused) {
      expect(err).toBeInstanceOf(UnstampableError);
      expect([name, (err as UnstampableError).reason]).toEqual([name, EXPECTED_REFUSALS[name]]);
    }
    expect([...refused.keys()].sort()).toEqual(Object.keys(EXPECTED_REFUSALS).sort());
  });

  it('stamps every page with the download id readable by pdftotext', () => {
    for (const [name, file] of stamped) {
      const pages = pdftotextPages(file);
      const count = qpdfPageCount(file);
      expect([name, pages.length]).toEqual([name, count]);
      // Where qpdf can count the original's pages, none were lost or added.
      const originalCount = qpdfPageCount(corpusPath(name));
      if (originalCount) expect([name, count]).toEqual([name, originalCount]);
      pages.forEach((text, i) => expect([name, i + 1, text.includes(`Download ${ID}`)]).toEqual([name, i + 1, true]));
    }
  });

  it('stamped PDFs pass qpdf --check', () => {
    for (const [name, file] of stamped) {
      const { status, output } = qpdfCheck(file);
      expect([name, status, status === 0 ? '' : output]).toEqual([name, 0, '']);
    }
  });

  it("keeps the original's text", () => {
    for (const [name, file] of stamped) {
      let before: Set<string>;
      try {
        before = wordsOf(pdftotextPages(corpusPath(name), 'raw'));
      } catch {
        continue; // poppler cannot read the original at all
      }
      const after = wordsOf(pdftotextPages(file, 'raw'));
      const lost = [...before].filter((w) => !after.has(w));
      expect([name, lost]).toEqual([name, []]);
    }
  });

  it('stamps ids that the tracer reads back from every stamped file', async () => {
    for (const [name, file] of stamped) {
      expect([name, await readDownloadIdsFromPdf(fs.readFileSync(file))]).toEqual([name, [ID]]);
    }
  });

  it('sets the download id in /Info, in the Keywords and in the trailer /ID', async () => {
    const doc = await PDFDocument.load(await stampPdf(readCorpus('normal.pdf'), fields()), { updateMetadata: false });
    const info = doc.context.lookup(doc.context.trailerInfo.Info) as PDFDict;
    expect((info.get(PDFName.of('GatehouseDownloadId')) as PDFString).decodeText()).toBe(ID);
    expect(doc.getKeywords()).toContain(`Download ${ID}`);
    const trailerId = doc.context.lookup(doc.context.trailerInfo.ID);
    const second = (trailerId as unknown as { get(i: number): PDFHexString }).get(1);
    expect(Buffer.from(second.asBytes()).toString('latin1')).toBe(`GHDL${ID}`);
  });
});

describe('stampPdf refusals', () => {
  it('refuses a PDF that needs a user password with UnstampableError', async () => {
    for (const name of ['encrypted_new.pdf', 'encrypted_old.pdf']) {
      const err = await quietly(() => stampPdf(readCorpus(name), fields())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnstampableError);
      expect((err as UnstampableError).reason).toBe('password_required');
    }
  });

  it('refuses bytes that are not a PDF as unparseable', async () => {
    const inputs = [new Uint8Array(0), Buffer.from('<html>not a pdf</html>'), Buffer.from('%PDF-1.7\n%%EOF\n')];
    for (const input of inputs) {
      const err = await stampPdf(input, fields()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnstampableError);
      expect(['unparseable', 'no_pages']).toContain((err as UnstampableError).reason);
    }
  });
});

describe('stamp placement', () => {
  /**
   * Pages that hide their geometry in every way a viewer honours: each rotation, a CropBox off the
   * origin, a MediaBox with negative corners and a /Rotate inherited from the page tree.
   */
  async function awkwardPages(): Promise<Uint8Array> {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (const rotation of [0, 90, 180, 270]) {
      const page = doc.addPage([400, 600]);
      page.drawText(`Rotated ${rotation}`, { x: 60, y: 450, size: 18, font });
      page.setCropBox(50, 100, 300, 400);
      page.setRotation(degrees(rotation));
    }
    const offOrigin = doc.addPage();
    offOrigin.setMediaBox(-200, -300, 400, 600);
    offOrigin.drawText('Off origin', { x: -150, y: 200, size: 18, font });
    const inherited = doc.addPage([300, 500]);
    inherited.drawText('Inherited rotation', { x: 20, y: 400, size: 18, font });
    inherited.node.delete(PDFName.of('Rotate'));
    doc.catalog.Pages().set(PDFName.of('Rotate'), PDFNumber.of(270));
    return doc.save();
  }

  it('stamps rotated and cropped pages inside the visible area, the right way up', async () => {
    const { diagonal, footer } = stampLines(fields());
    const inputs = [await awkwardPages(), readCorpus('with_cropbox.pdf')];
    for (const input of inputs) {
      const pages = await displayedText(await stampPdf(input, fields()));
      for (const items of pages) {
        const stampItems = items.filter((it) => [...diagonal, footer].includes(it.str));
        expect(stampItems.map((it) => it.str).sort()).toEqual([...diagonal, footer].sort());
        for (const it of stampItems) {
          for (const [x, y] of [it.start, it.end]) {
            expect(x).toBeGreaterThanOrEqual(-0.5);
            expect(x).toBeLessThanOrEqual(it.page.width + 0.5);
            expect(y).toBeGreaterThanOrEqual(-0.5);
            expect(y).toBeLessThanOrEqual(it.page.height + 0.5);
          }
          const dx = it.end[0] - it.start[0];
          const dy = it.end[1] - it.start[1];
          // Reads left to right as displayed: the footer level, the diagonal rising (y grows downwards).
          expect(dx).toBeGreaterThan(0);
          if (it.str === footer) {
            expect(Math.abs(dy)).toBeLessThan(dx * 0.01);
            expect(it.start[1]).toBeGreaterThan(it.page.height * 0.9);
          } else {
            expect(dy).toBeLessThan(0);
          }
        }
      }
    }
  });
});

describe('text outside WinAnsi', () => {
  const intl = fields({ userName: 'Łukasz Ørsted 张伟', orgName: 'Дельта Капитал' });
  const ALL_TEXT = async (pdf: Uint8Array) => (await displayedText(pdf)).flat().map((it) => it.str).join('\n');

  /** The fonts of the stamp as their files are named, picked by path (CI installs fonts-dejavu-core and fonts-droid-fallback). */
  const installed = async (...files: string[]) => {
    const fonts = (await stampFonts()).filter((f) => files.includes(path.basename(f.path)));
    expect(fonts.map((f) => path.basename(f.path)).sort()).toEqual([...files].sort());
    return fonts;
  };
  /** The PostScript names of the fonts a PDF's font dictionaries name, without subset tags or pdf-lib's suffix (ABCDEF+DejaVuSans-7098 → DejaVuSans). */
  const fontNames = async (pdf: Uint8Array) => {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    const names = new Set<string>();
    for (const [, obj] of doc.context.enumerateIndirectObjects()) {
      if (obj instanceof PDFDict && obj.get(PDFName.of('Type')) === PDFName.of('Font')) {
        const base = obj.get(PDFName.of('BaseFont'));
        if (base instanceof PDFName) names.add(base.decodeText().replace(/^[A-Z]{6}\+/, '').replace(/-\d{1,4}$/, ''));
      }
    }
    return names;
  };
  /** The fonts the stamp brought: those of the stamped file that the upload did not have. */
  const stampFontNames = async (input: Uint8Array, out: Uint8Array) => {
    const before = await fontNames(input);
    return [...(await fontNames(out))].filter((n) => !before.has(n)).sort();
  };

  it.each([
    // DejaVu Sans has Latin and Cyrillic but no Han: the Chinese name shows as one '?' a character.
    ['DejaVu Sans', ['DejaVuSans.ttf'], ['Łukasz Ørsted', 'Дельта Капитал', '??'], ['DejaVuSans', 'Helvetica']],
    // Droid Sans Fallback adds Han: every name as written, each script in the first font that has it.
    ['DejaVu Sans and Droid Sans Fallback', ['DejaVuSans.ttf', 'DroidSansFallbackFull.ttf'], ['Łukasz Ørsted', 'Дельта Капитал', '张伟'], ['DejaVuSans', 'DroidSansFallback', 'Helvetica']],
  ])('with %s, writes names outside WinAnsi as the fonts allow', async (_fonts, files, shown, embedded) => {
    const input = readCorpus('normal.pdf');
    const out = await stampPdf(input, intl, { fonts: await installed(...files) });
    const text = await ALL_TEXT(out);
    for (const s of shown) expect(text).toContain(s);
    expect(text).not.toContain('Lukasz');
    expect(await stampFontNames(input, out)).toEqual(embedded);
    expect(text).toContain(`Download ${ID}`);
  });

  it('uses the installed fonts by default, and keeps the id plain ASCII for pdftotext whatever font the names needed', async () => {
    const input = readCorpus('normal.pdf');
    const out = await stampPdf(input, intl);
    const text = await ALL_TEXT(out);
    for (const s of ['Łukasz Ørsted', 'Дельта Капитал', '张伟']) expect(text).toContain(s);
    expect(await stampFontNames(input, out)).toEqual(['DejaVuSans', 'DroidSansFallback', 'Helvetica']);
    const tmp = tempDir();
    try {
      pdftotextPages(tmp.file('intl.pdf', out)).forEach((page) => expect(page).toContain(`Download ${ID}`));
    } finally {
      tmp.cleanup();
    }
  });

  it('falls back to Helvetica with transliterations when no font is installed, keeping the id', async () => {
    const out = await stampPdf(readCorpus('normal.pdf'), intl, { fonts: [] });
    const text = await ALL_TEXT(out);
    expect(text).toContain('Lukasz Ørsted ?? <jane.doe@alpha-capital.example>');
    expect(text).toContain('?????? ???????');
    expect(text).toContain(`Download ${ID}`);
    const tmp = tempDir();
    try {
      const file = tmp.file('fallback.pdf', out);
      expect(qpdfCheck(file).status).toBe(0);
      pdftotextPages(file).forEach((page) => expect(page).toContain(`Download ${ID}`));
    } finally {
      tmp.cleanup();
    }
  });
});
