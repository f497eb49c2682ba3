import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { PDFDict, PDFDocument, PDFName, PDFNumber, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { UnstampableError } from '../../../server/watermark/errors.js';
import { stampPdf } from '../../../server/pdf-intake/prepare-pdf.js';
import { fields, pdftotextPages, qpdf, qpdfCheck, qpdfPageCount, tempDir } from './helpers.js';

/*
 * A corpus of awkward PDFs the project makes itself, each the way a real producer writes it: every
 * one must come out of the stamper (page-less base and tail) valid (qpdf --check), with every page stamped and its
 * text intact — or be refused with UnstampableError, never anything else.
 */

const ID = fields().downloadId;
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function basePdf(pages = 3): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawText(`Awkward page ${i + 1} Kilimanjaro`, { x: 50, y: 700, size: 16, font });
  return doc.save({ useObjectStreams: false });
}

/** The base PDF after a qpdf transformation. */
async function viaQpdf(name: string, ...args: string[]): Promise<Uint8Array> {
  const input = tmp.file(`${name}-in.pdf`, await basePdf());
  const out = tmp.file(`${name}.pdf`);
  qpdf(...args, input, out);
  return fs.readFileSync(out);
}

/** Resources, MediaBox, CropBox and Rotate set only on the page tree, inherited by every page. */
async function inheritedAttributes(): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await basePdf());
  const pages = doc.catalog.Pages();
  // pdf-lib names the font differently on each page: the shared dictionary holds every name.
  const fonts = doc.context.obj({});
  for (const page of doc.getPages()) {
    const own = page.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
    for (const [k, v] of own?.entries() ?? []) fonts.set(k, v);
  }
  pages.set(PDFName.of('Resources'), doc.context.obj({ Font: fonts }));
  pages.set(PDFName.of('MediaBox'), doc.context.obj([0, 0, 595, 842]));
  pages.set(PDFName.of('CropBox'), doc.context.obj([30, 40, 500, 800]));
  pages.set(PDFName.of('Rotate'), PDFNumber.of(90));
  for (const page of doc.getPages()) {
    for (const key of ['Resources', 'MediaBox', 'CropBox', 'Rotate']) page.node.delete(PDFName.of(key));
  }
  return doc.save({ useObjectStreams: false });
}

function assertStamped(name: string, pdf: Uint8Array, expectedPages: number) {
  const file = tmp.file(`${name}-stamped.pdf`, pdf);
  const check = qpdfCheck(file);
  expect([name, check.status, check.status === 0 ? '' : check.output]).toEqual([name, 0, '']);
  expect([name, qpdfPageCount(file)]).toEqual([name, expectedPages]);
  const pages = pdftotextPages(file);
  pages.forEach((text, i) => {
    expect([name, i + 1, text.includes(`Download ${ID}`), text.includes(`Awkward page ${i + 1}`)]).toEqual([name, i + 1, true, true]);
  });
  return file;
}

describe('stamping awkward PDFs', () => {
  const cases: Array<[string, () => Promise<Uint8Array>]> = [
    ['object streams and a cross-reference stream', () => viaQpdf('objstm', '--object-streams=generate')],
    ['linearized', () => viaQpdf('linearized', '--linearize')],
    ['linearized with object streams', () => viaQpdf('linearized-objstm', '--linearize', '--object-streams=generate')],
    ['inherited resources, boxes and rotation', inheritedAttributes],
    ['owner password only (decrypted at intake)', () => viaQpdf('owner-only', '--encrypt', '', 'owner-secret', '256', '--')],
  ];

  it.each(cases)('stamps a PDF with %s', async (name, make) => {
    const input = await make();
    const out = await stampPdf(input, fields());
    assertStamped(name, out, 3);
  });

  it('sends none of the stored bytes: a renumbered base without catalog, page tree or page, then the tail', async () => {
    for (const args of [[], ['--object-streams=generate']]) {
      const input = Buffer.from(await viaQpdf(`kind-${args.length}`, ...args));
      const out = Buffer.from(await stampPdf(input, fields()));
      expect(out.indexOf(input.subarray(0, 200))).toBe(-1);
      const baseEnd = out.indexOf('%%EOF') + '%%EOF\n'.length;
      expect(baseEnd).toBeLessThan(out.length);
      const base = out.subarray(0, baseEnd).toString('latin1');
      expect(base).not.toMatch(/\/Type\s*\/(Catalog|Pages?)\b/);
      expect(base).not.toMatch(/\/Root/);
      // The base alone is no document: qpdf finds no catalog in it, even when asked to recover.
      const baseFile = tmp.file(`base-${args.length}.pdf`, out.subarray(0, baseEnd));
      expect(qpdfPageCount(baseFile)).toBeUndefined();
      const tail = out.subarray(baseEnd).toString('latin1');
      expect(tail).toContain('/Prev ');
      // In the tail: the stamp first, then the pages that draw it, then the catalog that makes them pages.
      const stampAt = tail.indexOf('/GatehouseDownloadId');
      const firstPage = tail.search(/\/Type \/Page\//);
      const catalogAt = tail.indexOf('/Type /Catalog');
      expect(stampAt).toBeGreaterThanOrEqual(0);
      expect(firstPage).toBeGreaterThan(stampAt);
      expect(catalogAt).toBeGreaterThan(firstPage);
    }
  });

  it("numbers the tail's objects after every object of the base", async () => {
    const input = await viaQpdf('numbers', '--object-streams=generate');
    const out = Buffer.from(await stampPdf(input, fields()));
    const baseEnd = out.indexOf('%%EOF') + '%%EOF\n'.length;
    // Where qpdf finds each object of the whole delivery: in an object stream or before baseEnd is the base's.
    const file = tmp.file('numbers-stamped.pdf', out);
    const xref = execFileSync('qpdf', ['--show-xref', file], { encoding: 'utf8' });
    const located = [...xref.matchAll(/^(\d+)\/0: (?:compressed|uncompressed; offset = (\d+))/gm)].map((m) => ({ num: Number(m[1]), offset: m[2] === undefined ? -1 : Number(m[2]) }));
    const inBase = located.filter((o) => o.offset < baseEnd).map((o) => o.num).sort((a, b) => a - b);
    const inTail = located.filter((o) => o.offset >= baseEnd).map((o) => o.num);
    expect(inBase).toEqual(inBase.map((_, i) => i + 1));
    expect(inTail.length).toBeGreaterThan(0);
    for (const n of inTail) expect(n).toBeGreaterThan(inBase.length);
    const writtenInTail = [...out.subarray(baseEnd).toString('latin1').matchAll(/(?:^|\n)(\d+) 0 obj/g)].map((m) => Number(m[1]));
    expect(new Set(writtenInTail).size).toBe(writtenInTail.length);
  });

  it('stamps a file stamped before: an already incrementally updated PDF', async () => {
    const once = await stampPdf(await basePdf(), fields());
    const twice = await stampPdf(once, fields({ downloadId: 'AB12CD34EF56' }));
    const file = tmp.file('twice.pdf', twice);
    expect(qpdfCheck(file).status).toBe(0);
    pdftotextPages(file).forEach((text) => expect(text).toContain('Download AB12CD34EF56'));
  });

  it('repairs a truncated PDF once with qpdf and stamps the repaired copy', async () => {
    const whole = Buffer.from(await basePdf());
    // Cut inside the trailer: no startxref, no %%EOF.
    const truncated = whole.subarray(0, whole.length - 20);
    assertStamped('truncated', await stampPdf(truncated, fields()), 3);
  });

  it('draws the stamp where a viewer shows it: the rendered page is darker than the original', async () => {
    const input = await basePdf(1);
    const render = async (pdf: Uint8Array, name: string) => {
      const file = tmp.file(`${name}.pdf`, pdf);
      execFileSync('pdftoppm', ['-r', '24', '-gray', '-png', '-singlefile', file, tmp.file(name)]);
      const { data } = await sharp(tmp.file(`${name}.png`)).raw().toBuffer({ resolveWithObject: true });
      return data.reduce((s, v) => s + (255 - v), 0) / data.length;
    };
    const before = await render(input, 'render-before');
    const after = await render(await stampPdf(input, fields()), 'render-after');
    expect(after).toBeGreaterThan(before * 1.5);
  });
});

describe('hostile PDFs: stamped validly or refused, never a crash', () => {
  /** A one-page PDF written by hand, with `body` spliced into its page dictionary. */
  function handMade(pageExtra: string, opts: { pagesKids?: string; xrefOffset?: (real: number) => number } = {}): Buffer {
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      `<< /Type /Pages /Kids [${opts.pagesKids ?? '3 0 R'}] /Count 1 >>`,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R ${pageExtra} >>`,
      '<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 150 Td (Awkward page 1) Tj ET\nendstream',
    ];
    let out = '%PDF-1.4\n';
    const offsets: number[] = [];
    objects.forEach((o, i) => {
      offsets.push(out.length);
      out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    });
    const xref = out.length;
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n`;
    for (const off of offsets) out += `${String(opts.xrefOffset ? opts.xrefOffset(off) : off).padStart(10, '0')} 00000 n\r\n`;
    out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(out, 'latin1');
  }

  const hostile: Array<[string, Buffer]> = [
    ['deeply nested arrays', handMade(`/Deep ${'['.repeat(5000)}${']'.repeat(5000)}`)],
    ['a page tree that loops back on itself', handMade('', { pagesKids: '3 0 R 2 0 R 2 0 R' })],
    ['cross-reference offsets outside the file', handMade('', { xrefOffset: (o) => o + 10_000_000 })],
    ['a trailer claiming a billion objects', Buffer.from(handMade('').toString('latin1').replace(/\/Size 5/, '/Size 1000000000'), 'latin1')],
    ['garbage after the header', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(50_000, 0x5b)])],
  ];

  it.each(hostile)('handles %s', async (name, input) => {
    let out: Uint8Array | undefined;
    try {
      out = await stampPdf(input, fields());
    } catch (err) {
      expect(err).toBeInstanceOf(UnstampableError);
      expect((err as UnstampableError).message.length).toBeGreaterThan(10);
      return;
    }
    const file = tmp.file(`hostile-${name.replace(/\W+/g, '-')}.pdf`, out);
    expect([name, qpdfCheck(file).status]).toEqual([name, 0]);
    for (const text of pdftotextPages(file)) expect(text).toContain(`Download ${ID}`);
  });
});
