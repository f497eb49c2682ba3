import { PDFDict, PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { preparePdfBytes } from '../../../server/pdf-intake/prepare-pdf.js';
import { buildStampTail } from '../../../server/watermark/stamp-pdf.js';
import { fields, pdftotextPages, qpdfCheck, readCorpus, tempDir } from './helpers.js';

/*
 * The fonts a name outside WinAnsi needs are embedded once per person and document index, then
 * their objects are reused: these tests hold the reuse to what it must not change.
 */

const intl = (downloadId: string, at: string) => fields({ userName: 'Łukasz Ørsted 张伟', orgName: 'Дельта Капитал', downloadId, at: new Date(at) });

/** The tail's embedded font files (FontFile2 streams of objects from `firstTailNum` on), by object number, as raw bytes. */
async function fontFiles(pdf: Uint8Array, firstTailNum: number): Promise<Map<number, string>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const out = new Map<number, string>();
  for (const [ref, obj] of doc.context.enumerateIndirectObjects()) {
    if (ref.objectNumber < firstTailNum || !(obj instanceof PDFDict) || obj.get(PDFName.of('Type')) !== PDFName.of('FontDescriptor')) continue;
    const file = obj.get(PDFName.of('FontFile2'));
    if (file instanceof PDFRef) out.set(ref.objectNumber, Buffer.from((doc.context.lookup(file) as unknown as { contents: Uint8Array }).contents).toString('latin1'));
  }
  return out;
}

/**
 * What the stamp's Form XObject shows, each as "font: string": Helvetica's strings decoded (WinAnsi
 * is ASCII for these), an embedded font's as the hex glyph codes it uses.
 */
async function stampFormShows(pdf: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const dict = (obj as { dict?: PDFDict }).dict;
    if (!dict || dict.get(PDFName.of('Subtype')) !== PDFName.of('Form') || !dict.get(PDFName.of('GatehouseDownloadId'))) continue;
    const fonts = (dict.lookup(PDFName.of('Resources'), PDFDict).lookup(PDFName.of('Font'), PDFDict));
    const baseFont = (name: string) => {
      const f = fonts.lookup(PDFName.of(name), PDFDict);
      return (f.get(PDFName.of('BaseFont')) as PDFName).decodeText().replace(/^[A-Z]{6}\+/, '').replace(/-\d{1,4}$/, '');
    };
    const content = Buffer.from((obj as unknown as { contents: Uint8Array }).contents).toString('latin1');
    return [...content.matchAll(/\/(GhF\d+) [\d.]+ Tf <([0-9A-Fa-f]*)> Tj/g)].map((m) => {
      const font = baseFont(m[1]);
      return font === 'Helvetica' ? `${font}: ${Buffer.from(m[2], 'hex').toString('latin1')}` : `${font}: <${m[2]}>`;
    });
  }
  throw new Error('no stamp form in the file');
}

describe('fonts embedded for names outside WinAnsi', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('are the same bytes in every delivery of one person, whatever the time and the download id', async () => {
    const { bytes: base, index } = await preparePdfBytes(readCorpus('normal.pdf'));
    const first = Buffer.concat([base, (await buildStampTail(index, intl('7K3M9QX2ZR4D', '2026-12-05T08:00:00Z'))).bytes]);
    const second = Buffer.concat([base, (await buildStampTail(index, intl('0123456789AB', '2027-01-31T23:59:59Z'))).bytes]);
    const [a, b] = [await fontFiles(first, index.nextNum), await fontFiles(second, index.nextNum)];
    expect(a.size).toBe(2);
    expect([...b]).toEqual([...a]);
    for (const [name, pdf] of [['first', first], ['second', second]] as const) {
      const file = tmp.file(`${name}.pdf`, pdf);
      expect(qpdfCheck(file).status).toBe(0);
      expect(pdftotextPages(file).every((page) => page.includes(`Download ${name === 'first' ? '7K3M9QX2ZR4D' : '0123456789AB'}`))).toBe(true);
    }
  });

  it('never carry the time or the download id: those are shown in Helvetica', async () => {
    const { bytes: base, index } = await preparePdfBytes(readCorpus('normal.pdf'));
    const pdf = Buffer.concat([base, (await buildStampTail(index, intl('7K3M9QX2ZR4D', '2026-12-05T08:00:00Z'))).bytes]);
    const shows = await stampFormShows(pdf);
    const withId = shows.filter((s) => s.includes('7K3M9QX2ZR4D'));
    // The id line of the diagonal block and the footer, in Helvetica.
    expect(withId.length).toBe(2);
    expect(withId.every((s) => s.startsWith('Helvetica: '))).toBe(true);
    expect(shows.some((s) => s.startsWith('DejaVuSans: <'))).toBe(true);
    expect(shows.some((s) => s.startsWith('DroidSansFallback'))).toBe(true);
  });
});
