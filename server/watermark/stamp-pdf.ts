import {
  ParseSpeeds,
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  PDFString,
  StandardFonts,
  concatTransformationMatrix,
  popGraphicsState,
  pushGraphicsState,
  radians,
  rgb,
  type PDFFont,
  type PDFObject,
  type PDFPage,
} from 'pdf-lib';
import fontkit from '@pdf-lib/fontkit';
import { randomBytes } from 'node:crypto';
import { UnstampableError } from './errors.js';
import { stampFonts, substitute, type StampFont } from './fonts.js';
import { INFO_DOWNLOAD_ID_KEY, TRAILER_ID_PREFIX, stampLines, type StampFields } from './stamp-fields.js';

const DIAGONAL_OPACITY = 0.25;
const FOOTER_OPACITY = 0.7;
const STAMP_GREY = rgb(0.4, 0.4, 0.4);
const MAX_DIAGONAL_SIZE = 48;
const FOOTER_SIZE = 7;
const LINE_SPACING = 1.3;

export interface StampPdfOptions {
  /** Fonts for text WinAnsi cannot encode, in order of preference; by default those installed. */
  fonts?: StampFont[];
}

/**
 * Loads the whole document, draws the stamp on every page and writes a complete new file. Slow on
 * very large files (an incremental stamper will replace it on the hot path), but it is the
 * reference the faster one is checked against. Throws UnstampableError rather than ever returning
 * the input unstamped.
 */
export async function stampPdf(pdf: Uint8Array, fields: StampFields, options: StampPdfOptions = {}): Promise<Uint8Array> {
  const lines = stampLines(fields);
  const doc = await load(pdf);
  let pages: PDFPage[];
  try {
    pages = doc.getPages();
  } catch (err) {
    throw new UnstampableError('unparseable', 'The PDF page tree cannot be read.', { cause: err });
  }
  if (pages.length === 0) throw new UnstampableError('no_pages', 'The PDF has no pages to stamp.');

  try {
    const fonts = new FontPicker(doc, options.fonts ?? (await stampFonts()));
    const diagonal = await Promise.all(lines.diagonal.map((l) => fonts.pick(l)));
    const footer = await fonts.pick(lines.footer);
    for (const page of pages) stampPage(page, diagonal, footer);
    dropDamage(doc);
    setMetadata(doc, fields);
    dropXfa(doc);
    return await doc.save({
      // Without object streams the /Info id stays in plain bytes, readable even from a damaged
      // copy that no parser will open (the /ID in the trailer is plain either way).
      useObjectStreams: usesObjectStreams(pdf),
      // Regenerating form appearances would change how filled-in forms look; not ours to do.
      updateFieldAppearances: false,
      addDefaultPage: false,
      objectsPerTick: 500,
    });
  } catch (err) {
    if (err instanceof UnstampableError) throw err;
    // pdf-lib parses leniently and only trips over some damage while writing.
    throw new UnstampableError('unparseable', 'The PDF is too damaged to stamp.', { cause: err });
  }
}

async function load(pdf: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, {
      // pdf-lib's own EncryptedPDFError is compiled to ES5 and fails `instanceof`; loading anyway
      // and asking isEncrypted is the reliable test.
      ignoreEncryption: true,
      // Keep the author's Producer/Creator; the stamp is not an edit of the content.
      updateMetadata: false,
      parseSpeed: ParseSpeeds.Fast,
    });
  } catch (err) {
    throw new UnstampableError('unparseable', 'The file cannot be read as a PDF.', { cause: err });
  }
  if (doc.isEncrypted) {
    // pdf-lib cannot decrypt: whatever it wrote would be unreadable or the cipher text unstamped.
    throw new UnstampableError('encrypted', 'The PDF is encrypted and cannot be stamped.');
  }
  doc.registerFontkit(fontkit);
  return doc;
}

/**
 * Objects pdf-lib could not parse are written back byte for byte, so a damaged input stays damaged
 * (qpdf --check fails). A reference to a missing object reads as null, which is what every reader
 * makes of the garbage anyway. A leftover linearization dictionary would describe a file layout
 * that no longer exists.
 */
function dropDamage(doc: PDFDocument): void {
  const ctx = doc.context;
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) {
    if (obj instanceof PDFInvalidObject || (obj instanceof PDFDict && obj.has(PDFName.of('Linearized')))) {
      ctx.delete(ref);
    }
  }
}

/** Object streams only when the input had them: unpacking them can triple a file's size. */
const usesObjectStreams = (pdf: Uint8Array): boolean => Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).includes('/ObjStm');

interface Run {
  text: string;
  font: PDFFont;
}

/**
 * Helvetica (nothing embedded) for what WinAnsi can encode, which keeps the common case small and
 * leaves the id line in plain ASCII; otherwise the first installed font covering the whole line,
 * else the best-covering one with substitutions for the rest.
 */
class FontPicker {
  private helvetica?: PDFFont;
  private helveticaCovers?: (cp: number) => boolean;
  private readonly embedded = new Map<StampFont, Promise<PDFFont>>();

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: StampFont[],
  ) {}

  async pick(text: string): Promise<Run> {
    const helvetica = await this.standard();
    const covers = this.helveticaCovers!;
    const codePoints = Array.from(text, (c) => c.codePointAt(0)!);
    if (codePoints.every(covers)) return { text, font: helvetica };

    const full = this.fonts.find((f) => codePoints.every((cp) => f.covers(cp)));
    if (full) return { text, font: await this.embed(full) };

    let best: StampFont | undefined;
    let bestCount = codePoints.filter(covers).length;
    for (const f of this.fonts) {
      const n = codePoints.filter((cp) => f.covers(cp)).length;
      if (n > bestCount) [best, bestCount] = [f, n];
    }
    const coversBest = best ? (cp: number) => best.covers(cp) : covers;
    const shown = Array.from(text, (c) => substitute(c, coversBest)).join('');
    return { text: shown, font: best ? await this.embed(best) : helvetica };
  }

  private async standard(): Promise<PDFFont> {
    if (!this.helvetica) {
      this.helvetica = await this.doc.embedFont(StandardFonts.Helvetica);
      const set = new Set(this.helvetica.getCharacterSet());
      this.helveticaCovers = (cp) => set.has(cp);
    }
    return this.helvetica;
  }

  private embed(font: StampFont): Promise<PDFFont> {
    let p = this.embedded.get(font);
    if (!p) {
      // Subset: a full CJK font would add megabytes to every download.
      p = this.doc.embedFont(font.bytes, { subset: true });
      this.embedded.set(font, p);
    }
    return p;
  }
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Inherited attributes, read without pdf-lib's typed lookups, which throw on a malformed value. */
function inherited(page: PDFPage, key: string): PDFObject | undefined {
  return page.doc.context.lookup(page.node.getInheritableAttribute(PDFName.of(key)));
}

function readBox(page: PDFPage, key: 'MediaBox' | 'CropBox'): Box | undefined {
  const arr = inherited(page, key);
  if (!(arr instanceof PDFArray) || arr.size() !== 4) return undefined;
  const n = [0, 1, 2, 3].map((i) => page.doc.context.lookup(arr.get(i)));
  if (!n.every((x) => x instanceof PDFNumber)) return undefined;
  const [a, b, c, d] = n.map((x) => (x as PDFNumber).asNumber());
  // Boxes may be written with any two opposite corners.
  const box = { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
  return box.x1 - box.x0 > 0 && box.y1 - box.y0 > 0 ? box : undefined;
}

/** What a viewer shows: the CropBox clipped to the MediaBox, or the MediaBox alone. */
export function visibleBox(page: PDFPage): Box {
  const media = readBox(page, 'MediaBox') ?? { x0: 0, y0: 0, x1: 612, y1: 792 };
  const crop = readBox(page, 'CropBox');
  if (!crop) return media;
  const clipped = {
    x0: Math.max(crop.x0, media.x0),
    y0: Math.max(crop.y0, media.y0),
    x1: Math.min(crop.x1, media.x1),
    y1: Math.min(crop.y1, media.y1),
  };
  return clipped.x1 > clipped.x0 && clipped.y1 > clipped.y0 ? clipped : media;
}

/** /Rotate as one of 0, 90, 180, 270 (clockwise); other values are invalid and read as the nearest. */
export function pageRotation(page: PDFPage): 0 | 90 | 180 | 270 {
  const value = inherited(page, 'Rotate');
  const angle = value instanceof PDFNumber ? value.asNumber() : 0;
  if (!Number.isFinite(angle)) return 0;
  return ((((Math.round(angle / 90) * 90) % 360) + 360) % 360) as 0 | 90 | 180 | 270;
}

/**
 * Maps "view space" (origin at the bottom-left of the page as displayed, x to the right, y up,
 * after /Rotate) to the page's user space, so the stamp is laid out once and reads the right way up
 * whatever the rotation.
 */
function viewToUser(box: Box, rotation: 0 | 90 | 180 | 270): [number, number, number, number, number, number] {
  switch (rotation) {
    case 0:
      return [1, 0, 0, 1, box.x0, box.y0];
    case 90:
      return [0, 1, -1, 0, box.x1, box.y0];
    case 180:
      return [-1, 0, 0, -1, box.x1, box.y1];
    case 270:
      return [0, -1, 1, 0, box.x0, box.y1];
  }
}

function stampPage(page: PDFPage, diagonal: Run[], footer: Run): void {
  const box = visibleBox(page);
  const rotation = pageRotation(page);
  const [w, h] = rotation % 180 === 0 ? [box.x1 - box.x0, box.y1 - box.y0] : [box.y1 - box.y0, box.x1 - box.x0];

  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(...viewToUser(box, rotation)));

  // Diagonal block, bottom-left to top-right, as large as fits inside the visible area.
  const angle = Math.atan2(h, w);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const unitWidths = diagonal.map((r) => r.font.widthOfTextAtSize(r.text, 1));
  const blockW = Math.max(...unitWidths);
  const blockH = diagonal.length * LINE_SPACING;
  const margin = Math.min(w, h) * 0.05;
  // Half-extents of the rotated block's bounding box must stay within the page minus the margin.
  const size = Math.min(
    MAX_DIAGONAL_SIZE,
    (w / 2 - margin) / ((blockW / 2) * cos + (blockH / 2) * sin),
    (h / 2 - margin) / ((blockW / 2) * sin + (blockH / 2) * cos),
  );
  if (size > 0) {
    diagonal.forEach((run, i) => {
      // Lines stacked perpendicular to the diagonal, the block centred; 0.35 em lowers the baseline
      // so the caps, not the baseline, are centred on each line's slot.
      const lx = (-unitWidths[i] * size) / 2;
      const ly = ((diagonal.length - 1) / 2 - i) * LINE_SPACING * size - 0.35 * size;
      page.drawText(run.text, {
        x: w / 2 + lx * cos - ly * sin,
        y: h / 2 + lx * sin + ly * cos,
        size,
        font: run.font,
        rotate: radians(angle),
        color: STAMP_GREY,
        opacity: DIAGONAL_OPACITY,
      });
    });
  }

  const side = Math.min(18, w * 0.04);
  const footerSize = Math.min(FOOTER_SIZE, (w - 2 * side) / footer.font.widthOfTextAtSize(footer.text, 1), h / 4);
  if (footerSize > 0) {
    page.drawText(footer.text, {
      x: side,
      // Above the bottom edge by more than the descenders.
      y: Math.min(12, h * 0.02) + 0.3 * footerSize,
      size: footerSize,
      font: footer.font,
      color: STAMP_GREY,
      opacity: FOOTER_OPACITY,
    });
  }

  page.pushOperators(popGraphicsState());
}

function setMetadata(doc: PDFDocument, fields: StampFields): void {
  const id = fields.downloadId;
  const ctx = doc.context;
  // getInfoDict() is private in pdf-lib's typings; this is what it does.
  let info = ctx.lookup(ctx.trailerInfo.Info);
  if (!(info instanceof PDFDict)) {
    info = ctx.obj({});
    ctx.trailerInfo.Info = ctx.register(info);
  }
  (info as PDFDict).set(PDFName.of(INFO_DOWNLOAD_ID_KEY), PDFString.of(id));
  let keywords: string | undefined;
  try {
    keywords = doc.getKeywords();
  } catch {
    // Keywords that are not a string are dropped rather than refusing the file over them.
  }
  doc.setKeywords([...(keywords ? [keywords] : []), `Gatehouse Download ${id}`]);
  doc.setModificationDate(fields.at);

  // /ID: keep the first element (it names the document across revisions); the second names this
  // revision, which is exactly what a delivery is. 16 bytes, as pdf.js only reads /ID entries of
  // that length: "GHDL" and the id, in ASCII.
  const oldId = ctx.lookup(ctx.trailerInfo.ID);
  let first: PDFObject | undefined;
  if (oldId instanceof PDFArray && oldId.size() >= 1) {
    const e = ctx.lookup(oldId.get(0));
    if (e instanceof PDFHexString || e instanceof PDFString) first = e;
  }
  first ??= PDFHexString.of(randomBytes(16).toString('hex'));
  ctx.trailerInfo.ID = ctx.obj([first, PDFHexString.of(Buffer.from(`${TRAILER_ID_PREFIX}${id}`, 'ascii').toString('hex'))]);
}

/**
 * An XFA-aware viewer draws the XFA form instead of the page content, which would hide the stamp;
 * without the XFA stream it falls back to the AcroForm fields drawn over the stamped pages.
 */
function dropXfa(doc: PDFDocument): void {
  const acroForm = doc.catalog.lookup(PDFName.of('AcroForm'));
  if (acroForm instanceof PDFDict) acroForm.delete(PDFName.of('XFA'));
  doc.catalog.delete(PDFName.of('NeedsRendering'));
}
