import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/** The text of one demo document: who issued it, its heading, and its paragraphs. */
export interface DemoDocumentText {
  issuer: string;
  heading: string;
  paragraphs: string[];
}

const A4 = [595.28, 841.89] as const;
const MARGIN = 64;
const BODY_SIZE = 11;
const LEADING = 15;

/**
 * A small, real PDF written at run time (no binaries in the repository): a letterhead, a heading
 * and wrapped paragraphs on as many A4 pages as they need. The text is a real text layer, so
 * search, pdftotext and the stamp read-back all have words to find.
 */
export async function renderDemoPdf(text: DemoDocumentText): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(text.heading);
  doc.setAuthor(text.issuer);
  // A fixed date keeps the seeded bytes, and so their SHA-256, the same from one run to the next.
  doc.setCreationDate(new Date('2025-01-15T09:00:00Z'));
  doc.setModificationDate(new Date('2025-01-15T09:00:00Z'));
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const width = A4[0] - 2 * MARGIN;

  let page = newPage(doc, text.issuer, regular);
  let y = A4[1] - MARGIN - 40;
  page.drawText(text.heading, { x: MARGIN, y, size: 16, font: bold });
  y -= 32;
  for (const paragraph of text.paragraphs) {
    for (const line of wrap(paragraph, regular, BODY_SIZE, width)) {
      if (y < MARGIN + 20) {
        page = newPage(doc, text.issuer, regular);
        y = A4[1] - MARGIN - 40;
      }
      page.drawText(line, { x: MARGIN, y, size: BODY_SIZE, font: regular });
      y -= LEADING;
    }
    y -= LEADING / 2;
  }
  return doc.save();
}

function newPage(doc: PDFDocument, issuer: string, font: PDFFont): PDFPage {
  const page = doc.addPage([...A4]);
  page.drawText(issuer, { x: MARGIN, y: A4[1] - MARGIN, size: 9, font, color: rgb(0.35, 0.35, 0.4) });
  page.drawLine({ start: { x: MARGIN, y: A4[1] - MARGIN - 8 }, end: { x: A4[0] - MARGIN, y: A4[1] - MARGIN - 8 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.65) });
  return page;
}

/** Greedy word wrap by the font's real advance widths. */
function wrap(paragraph: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}
