import { PDFDocument, StandardFonts, type PDFFont } from 'pdf-lib';
import { createHash } from 'node:crypto';
import { stampFonts, type StampFont } from './fonts.js';
import { FontPicker, helveticaCodePoints, type PickedRun } from './stamp-font-picker.js';
import { embedStampFonts } from './embedded-stamp-fonts.js';
import { INFO_DOWNLOAD_ID_KEY, TRAILER_ID_PREFIX, stampLines, type StampFields } from './stamp-fields.js';
import type { PdfStampIndex, StampView } from './stamp-index.js';
import { pdfTextString } from './pdf-syntax.js';

/*
 * The tail of a stamped delivery, appended to the version's page-less base (see
 * pdf-intake/pdf-stamp-index.ts): first the stamp Form XObjects (one per displayed page size) and
 * their fonts, then the download-independent part written at upload (page dictionaries whose
 * /Contents end by drawing the stamp, the page tree, the catalog), then /Info and a cross-reference
 * section chained to the base's by /Prev. The stamp precedes every page that draws it, so a delivery
 * cut anywhere has no page or stamped pages.
 */

const DIAGONAL_OPACITY = 0.25;
const FOOTER_OPACITY = 0.7;
const GREY = '0.4 0.4 0.4 rg';
const MAX_DIAGONAL_SIZE = 48;
const FOOTER_SIZE = 7;
const LINE_SPACING = 1.3;

export interface StampPdfOptions {
  /** Fonts for text WinAnsi cannot encode, in order of preference; by default those installed. */
  fonts?: StampFont[];
}

export interface StampTail {
  bytes: Buffer;
  sha256: string;
}

/** Part of a line in one font, ready to show. */
interface Run {
  text: string;
  font: PDFFont;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/\.?0+$/, ''));

/** PDF date of an instant, in UTC. */
const pdfDate = (at: Date) => `D:${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * The stamp in view space (origin bottom-left of the page as displayed): the diagonal block as
 * large as fits the page, and the footer line along the bottom edge.
 */
/** Width of a line of runs at size 1. */
const lineWidth = (runs: Run[]) => runs.reduce((w, r) => w + r.font.widthOfTextAtSize(r.text, 1), 0);

/** Shows a line of runs from the current text position: each run in its font, advancing as it goes. */
const showRuns = (runs: Run[], size: number, fontName: (f: PDFFont) => string) =>
  runs.map((r) => `${fontName(r.font)} ${fmt(size)} Tf ${r.font.encodeText(r.text).toString()} Tj`).join(' ');

function stampContent(view: StampView, diagonal: Run[][], footer: Run[], fontName: (f: PDFFont) => string): string {
  const { w, h } = view;
  const ops: string[] = [];
  const angle = Math.atan2(h, w);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const unitWidths = diagonal.map(lineWidth);
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
    ops.push(`q /GhA gs ${GREY} BT`);
    diagonal.forEach((runs, i) => {
      // Lines stacked perpendicular to the diagonal, the block centred; 0.35 em lowers the baseline
      // so the caps, not the baseline, are centred on each line's slot.
      const lx = (-unitWidths[i] * size) / 2;
      const ly = ((diagonal.length - 1) / 2 - i) * LINE_SPACING * size - 0.35 * size;
      const x = w / 2 + lx * cos - ly * sin;
      const y = h / 2 + lx * sin + ly * cos;
      ops.push(`${fmt(cos)} ${fmt(sin)} ${fmt(-sin)} ${fmt(cos)} ${fmt(x)} ${fmt(y)} Tm ${showRuns(runs, size, fontName)}`);
    });
    ops.push('ET Q');
  }
  const side = Math.min(18, w * 0.04);
  const footerSize = Math.min(FOOTER_SIZE, (w - 2 * side) / lineWidth(footer), h / 4);
  if (footerSize > 0) {
    // Above the bottom edge by more than the descenders.
    const y = Math.min(12, h * 0.02) + 0.3 * footerSize;
    ops.push(`q /GhB gs ${GREY} BT 1 0 0 1 ${fmt(side)} ${fmt(y)} Tm ${showRuns(footer, footerSize, fontName)} ET Q`);
  }
  return ops.join('\n');
}

function objectBytes(num: number, gen: number, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${num} ${gen} obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')]);
}

/** Subsections of consecutive object numbers, as both kinds of cross-reference section group them. */
function subsections(entries: Array<[number, number, number]>): Array<Array<[number, number, number]>> {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const out: Array<Array<[number, number, number]>> = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && last[last.length - 1][0] + 1 === e[0]) last.push(e);
    else out.push([e]);
  }
  return out;
}

function xrefSection(
  index: PdfStampIndex,
  entries: Array<[number, number, number]>,
  at: number,
  trailer: { size: number; info: number; id: string },
): Buffer {
  let text = 'xref\n';
  for (const sub of subsections(entries)) {
    text += `${sub[0][0]} ${sub.length}\n`;
    // Each entry exactly 20 bytes: a two-character end of line.
    for (const [, gen, off] of sub) text += `${String(off).padStart(10, '0')} ${String(gen).padStart(5, '0')} n\r\n`;
  }
  text += `trailer\n<</Size ${trailer.size}/Root ${index.root}/Info ${trailer.info} 0 R/ID [<${index.idFirst}> <${trailer.id}>]/Prev ${index.prevStartxref}>>\nstartxref\n${at}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

/**
 * The tail that stamps the indexed PDF for one delivery. Deterministic: the same index, fields and
 * fonts give the same bytes, so a range request later in the same download gets the same tail.
 */
export async function buildStampTail(index: PdfStampIndex, fields: StampFields, options: StampPdfOptions = {}): Promise<StampTail> {
  const lines = stampLines(fields);
  const picker = new FontPicker(options.fonts ?? (await stampFonts()), await helveticaCodePoints());
  // The room, the person and the organisation each in one face where one covers the line; the
  // last diagonal line and the footer carry the time and the id, which stay in Helvetica, so the
  // installed fonts' text (and their embedded subsets) depend on the person alone.
  const last = lines.diagonal.length - 1;
  const picked = {
    diagonal: lines.diagonal.map((l, i) => (i < last ? picker.wholeLine(l) : picker.byCharacter(l, 'helvetica'))),
    footer: picker.byCharacter(lines.footer, 'helvetica'),
  };
  // Numbered first after every number the stored file or the upload-time part of the tail uses.
  const embedded = await embedStampFonts(index.nextNum, [...picked.diagonal.flat(), ...picked.footer]);

  const doc = await PDFDocument.create({ updateMetadata: false });
  const ctx = doc.context;
  // Objects pdf-lib allocates here (Helvetica's dictionary, /Info) continue after the fonts'.
  ctx.largestObjectNumber = embedded.lastNum;
  const infoNum = ctx.nextRef().objectNumber;
  const helvetica = await doc.embedFont(StandardFonts.Helvetica);
  const toRuns = (runs: PickedRun[]): Run[] => runs.map((r) => ({ text: r.text, font: r.face === 'helvetica' ? helvetica : embedded.fonts.get(r.face)! }));
  const diagonal = picked.diagonal.map(toRuns);
  const footer = toRuns(picked.footer);
  const fontNames = new Map<PDFFont, string>();
  const fontName = (f: PDFFont) => {
    let n = fontNames.get(f);
    if (!n) fontNames.set(f, (n = `/GhF${fontNames.size}`));
    return n;
  };
  const forms = index.views.map((view) => ({ view, content: stampContent(view, diagonal, footer, fontName) }));
  await helvetica.embed();

  const fontDict = [...fontNames].map(([f, n]) => `${n} ${f.ref.toString()}`).join('');
  const resources = `<</Font <<${fontDict}>>/ExtGState <</GhA <</Type /ExtGState/ca ${DIAGONAL_OPACITY}>>/GhB <</Type /ExtGState/ca ${FOOTER_OPACITY}>>>>>>`;

  const id = fields.downloadId;
  // The base ends with a line break: the tail's first object starts a line of its own.
  const parts: Buffer[] = [];
  const entries: Array<[number, number, number]> = [];
  let at = index.size;
  const add = (num: number, gen: number, body: Buffer | string) => {
    const b = objectBytes(num, gen, body);
    entries.push([num, gen, at]);
    parts.push(b);
    at += b.length;
  };

  for (const { view, content } of forms) {
    // The id in plain bytes at the head of the tail: a cut that keeps any of the stamp still names its download.
    add(view.num, 0, `<</Type /XObject/Subtype /Form/${INFO_DOWNLOAD_ID_KEY} (${id})/BBox [0 0 ${fmt(view.w)} ${fmt(view.h)}]/Resources ${resources}/Length ${content.length}>>\nstream\n${content}\nendstream`);
  }
  for (const [num, body] of embedded.objects) add(num, 0, body);
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) {
    if (ref.objectNumber <= embedded.lastNum || ref.objectNumber === infoNum) continue;
    const bytes = new Uint8Array(obj.sizeInBytes());
    obj.copyBytesInto(bytes, 0);
    add(ref.objectNumber, ref.generationNumber, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  // The pages, their tree and the catalog, as written at upload: only their offsets move.
  const fixed = fixedBytes(index);
  for (const [num, gen, off] of index.fixedObjects) entries.push([num, gen, at + off]);
  parts.push(fixed);
  at += fixed.length;

  const keywords = [index.keywords, `Gatehouse Download ${id}`].filter(Boolean).join('; ');
  add(infoNum, 0, `<<${index.infoEntries}/${INFO_DOWNLOAD_ID_KEY} (${id})/Keywords ${pdfTextString(keywords)}/ModDate (${pdfDate(fields.at)})>>`);

  const maxNum = Math.max(ctx.largestObjectNumber, ...entries.map((e) => e[0]));
  const secondId = Buffer.from(`${TRAILER_ID_PREFIX}${id}`, 'ascii').toString('hex');
  parts.push(xrefSection(index, entries, at, { size: maxNum + 1, info: infoNum, id: secondId }));

  const bytes = Buffer.concat(parts);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The download-independent part of the tail as bytes: the same for every download of a version. */
const fixedParts = new WeakMap<PdfStampIndex, Buffer>();
function fixedBytes(index: PdfStampIndex): Buffer {
  let part = fixedParts.get(index);
  if (!part) fixedParts.set(index, (part = Buffer.from(index.fixed, 'latin1')));
  return part;
}
