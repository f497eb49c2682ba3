import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/**
 * PDFs whose pages are text, pictures of text, or both, for the text extraction's tests: a "scan"
 * is a page of lines set in 9-point Helvetica (the small print OCR must read), rendered by poppler's
 * pdftoppm at 300 dpi as a scanner would, and placed as a JPEG filling an otherwise empty page — no
 * text layer, nothing for pdftotext to find.
 */
export type PageSpec =
  | { kind: 'text'; lines: string[] }
  /** `stamp`: a line of text layer over the picture, as a Bates number is stamped on a scanned production. */
  | { kind: 'scan'; lines: string[]; stamp?: string };

const A4: [number, number] = [595, 842];
const POINT_SIZE = 9;

async function linesPdf(lines: string[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage(A4);
  lines.forEach((line, i) => page.drawText(line, { x: 56, y: 780 - i * POINT_SIZE * 1.4, size: POINT_SIZE, font }));
  return Buffer.from(await doc.save());
}

/** The page as a scanner gives it: a 300-dpi JPEG, made by pdftoppm from the typeset page. */
async function scanOf(lines: string[]): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-scan-'));
  try {
    const pdf = path.join(dir, 'page.pdf');
    fs.writeFileSync(pdf, await linesPdf(lines));
    return execFileSync('pdftoppm', ['-r', '300', '-gray', '-jpeg', '-singlefile', pdf], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A PDF of `pages` in order: text pages with a text layer, scanned pages with an image only. */
export async function pdfOfPages(pages: PageSpec[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const spec of pages) {
    const page = doc.addPage(A4);
    if (spec.kind === 'text') {
      spec.lines.forEach((line, i) => page.drawText(line, { x: 56, y: 780 - i * 14, size: 10, font }));
      continue;
    }
    const image = await doc.embedJpg(await scanOf(spec.lines));
    page.drawImage(image, { x: 0, y: 0, width: A4[0], height: A4[1] });
    if (spec.stamp) page.drawText(spec.stamp, { x: 460, y: 30, size: 8, font });
  }
  return Buffer.from(await doc.save());
}
