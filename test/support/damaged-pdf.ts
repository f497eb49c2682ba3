/**
 * A PDF damaged the way qpdf's own test file bad-content.pdf is: no usable header (`%PDF-` without a
 * version, so a type sniffer still calls it a PDF while qpdf finds no header), a trailer whose
 * `startxref` points nowhere and whose `/Size` and `/Prev` are wrong (qpdf must rebuild the
 * cross-reference table by scanning), and `pages` pages whose content streams have a wrong
 * `/Length` and data that is not the Flate it claims. qpdf warns several times per page and takes
 * time that grows faster than the page count: 50,000 pages make `qpdf --check` print about 250,000
 * warnings over a minute or more.
 */
export function badContentPdf(pages: number): Buffer {
  const parts: string[] = ['%PDF-\n'];
  parts.push('1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n');
  const kids = Array.from({ length: pages }, (_, i) => `${10 + 2 * i} 0 R`).join(' ');
  parts.push(`2 0 obj << /Type /Pages /Kids [${kids}] /Count ${pages} >> endobj\n`);
  for (let i = 0; i < pages; i++) {
    const page = 10 + 2 * i;
    const content = page + 1;
    parts.push(`${page} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /Font << /F1 ${content} 0 R >> >> >> endobj\n`);
    parts.push(`${content} 0 obj << /Length 99999 /Filter /FlateDecode >> stream\nnot zlib ) ] >> @@ \x01\x02 garbage\nendstream endobj\n`);
  }
  parts.push('trailer << /Root 1 0 R /Size 3 /Prev 77777 >>\nstartxref\n123456789\n%%EOF\n');
  return Buffer.from(parts.join(''), 'latin1');
}
