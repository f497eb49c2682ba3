import { deflateSync } from 'node:zlib';

/**
 * PDFs written byte by byte, for the structures a test must control exactly: an incremental update
 * that rewrites an object, an attachment hung on an annotation, a thumbnail. Every file has a
 * classic cross-reference table, so its offsets are the ones a reader checks.
 */

/** One indirect object: its number and what stands between `N 0 obj` and `endobj`. */
export interface PdfObject {
  num: number;
  body: Buffer | string;
}

const latin1 = (s: Buffer | string) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

/** A stream object's body: the dictionary entries given, its /Length, and the data (deflated when asked). */
export function streamBody(dict: string, data: Buffer | string, opts: { deflate?: boolean } = {}): Buffer {
  const bytes = opts.deflate ? deflateSync(latin1(data)) : latin1(data);
  const filter = opts.deflate ? ' /Filter /FlateDecode' : '';
  return Buffer.concat([latin1(`<< ${dict}${filter} /Length ${bytes.length} >>\nstream\n`), bytes, latin1('\nendstream')]);
}

function objectsAndXref(start: number, objects: PdfObject[]): { bytes: Buffer; xref: Buffer } {
  const parts: Buffer[] = [];
  const offsets = new Map<number, number>();
  let at = start;
  for (const o of objects) {
    const bytes = Buffer.concat([latin1(`${o.num} 0 obj\n`), latin1(o.body), latin1('\nendobj\n')]);
    offsets.set(o.num, at);
    parts.push(bytes);
    at += bytes.length;
  }
  // One subsection per object: an update may rewrite any numbers, in any order.
  const lines = [...offsets.entries()].sort((a, b) => a[0] - b[0]).map(([num, off]) => `${num} 1\n${String(off).padStart(10, '0')} 00000 n \n`);
  return { bytes: Buffer.concat(parts), xref: latin1(lines.join('')) };
}

/** A complete one-revision PDF; `trailer` holds the trailer entries besides /Size (at least /Root). */
export function writePdf(objects: PdfObject[], trailer: string): Buffer {
  const header = latin1('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const { bytes, xref } = objectsAndXref(header.length, objects);
  const xrefAt = header.length + bytes.length;
  const size = Math.max(...objects.map((o) => o.num)) + 1;
  return Buffer.concat([
    header,
    bytes,
    latin1(`xref\n0 1\n0000000000 65535 f \n`),
    xref,
    latin1(`trailer\n<< /Size ${size} ${trailer} >>\nstartxref\n${xrefAt}\n%%EOF\n`),
  ]);
}

/**
 * An incremental update, as an editor saves one: the objects given (new numbers or rewritten old
 * ones) appended after the file's %%EOF, with a cross-reference section whose /Prev points at the
 * previous one. Only for files with a classic trailer, such as writePdf's.
 */
export function appendIncrementalUpdate(pdf: Buffer, objects: PdfObject[], trailer = ''): Buffer {
  const text = pdf.toString('latin1');
  const prevXref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const lastTrailer = text.slice(text.lastIndexOf('trailer'));
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(lastTrailer)?.[1];
  const prevSize = Number(/\/Size\s+(\d+)/.exec(lastTrailer)?.[1]);
  if (!Number.isFinite(prevXref) || !root || !Number.isFinite(prevSize)) throw new Error('appendIncrementalUpdate: not a file with a classic trailer');
  const { bytes, xref } = objectsAndXref(pdf.length, objects);
  const xrefAt = pdf.length + bytes.length;
  const size = Math.max(prevSize, ...objects.map((o) => o.num + 1));
  const info = /\/Info\s+(\d+\s+\d+\s+R)/.exec(lastTrailer)?.[1];
  const carried = [`/Root ${root}`, info && !/\/Info\b/.test(trailer) ? `/Info ${info}` : ''].filter(Boolean).join(' ');
  return Buffer.concat([
    pdf,
    bytes,
    latin1('xref\n'),
    xref,
    latin1(`trailer\n<< /Size ${size} ${carried} ${trailer} /Prev ${prevXref} >>\nstartxref\n${xrefAt}\n%%EOF\n`),
  ]);
}

/** A page's content stream writing one line of Helvetica at the top: what pdftotext reads back. */
export const textContent = (line: string, y = 700) => `BT /F1 24 Tf 72 ${y} Td (${line}) Tj ET`;

/**
 * The usual skeleton: catalog 1, page tree 2, one page 3 with content 4 and Helvetica 5; `page`
 * adds entries to the page dictionary, `catalog` to the catalog, `extra` more objects (from 6).
 */
export function onePagePdf(opts: { content: Buffer | string; page?: string; catalog?: string; extra?: PdfObject[]; trailer?: string }): Buffer {
  return writePdf(
    [
      { num: 1, body: `<< /Type /Catalog /Pages 2 0 R ${opts.catalog ?? ''} >>` },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
      { num: 3, body: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R ${opts.page ?? ''} >>` },
      { num: 4, body: typeof opts.content === 'string' ? streamBody('', opts.content) : opts.content },
      { num: 5, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>' },
      ...(opts.extra ?? []),
    ],
    `/Root 1 0 R ${opts.trailer ?? ''}`,
  );
}
