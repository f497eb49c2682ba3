import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';

/**
 * A text PDF as office and typesetting programs write them: one shared resource dictionary, one
 * content stream per page (pdf-lib's own drawText would give every page its own font names, which
 * no real producer does).
 */
export async function textPdf(pages: number): Promise<Buffer> {
  const parts: string[] = ['%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'];
  const offsets: number[] = [];
  let length = Buffer.byteLength(parts[0], 'latin1');
  const add = (num: number, body: string) => {
    offsets[num] = length;
    const text = `${num} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += text.length;
  };
  const kids = Array.from({ length: pages }, (_, i) => `${4 + 2 * i} 0 R`).join(' ');
  add(1, '<</Type /Catalog /Pages 2 0 R>>');
  add(2, `<</Type /Pages /Kids [${kids}] /Count ${pages} /MediaBox [0 0 595 842]>>`);
  add(3, '<</Font <</F1 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>>>>>');
  for (let p = 0; p < pages; p++) {
    let ops = 'BT /F1 10 Tf 14 TL 40 800 Td\n';
    for (let l = 0; l < 50; l++) ops += `(Page ${p + 1}, line ${l + 1}: the purchaser acknowledges the disclosed liabilities of the target.) '\n`;
    ops += 'ET';
    // Compressed, as every real producer writes content streams.
    const packed = deflateSync(Buffer.from(ops, 'latin1')).toString('latin1');
    add(4 + 2 * p, `<</Type /Page /Parent 2 0 R /Resources 3 0 R /Contents ${5 + 2 * p} 0 R>>`);
    add(5 + 2 * p, `<</Length ${packed.length} /Filter /FlateDecode>>\nstream\n${packed}\nendstream`);
  }
  const size = 4 + 2 * pages;
  let xref = `xref\n0 ${size}\n0000000000 65535 f\r\n`;
  for (let n = 1; n < size; n++) xref += `${String(offsets[n]).padStart(10, '0')} 00000 n\r\n`;
  parts.push(`${xref}trailer\n<</Size ${size} /Root 1 0 R>>\nstartxref\n${length}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

/** Noise does not compress: JPEG pages of about `targetBytes` in all, like a scanned binder. */
export async function imagePdf(targetBytes: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const w = 2000;
  const h = 1400;
  const noise = Buffer.alloc(w * h * 3);
  let total = 0;
  for (let i = 0; total < targetBytes; i++) {
    for (let k = 0; k < noise.length; k++) noise[k] = (Math.random() * 256) | 0;
    const jpeg = await sharp(noise, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
    total += jpeg.length;
    const img = await doc.embedJpg(jpeg);
    const page = doc.addPage([842, 595]);
    page.drawImage(img, { x: 0, y: 0, width: 842, height: 595 });
  }
  return Buffer.from(await doc.save());
}
