import { deflateSync } from 'node:zlib';

const paddings = new Map<number, Buffer>();

/** `mib` MiB of spaces, deflated (about 1,000 times smaller): made once per size, it takes a second or two. */
function deflatedSpaces(mib: number): Buffer {
  let padding = paddings.get(mib);
  if (!padding) {
    padding = deflateSync(Buffer.concat([Buffer.from('1 0 '), Buffer.alloc(mib * 1024 * 1024, 0x20)]), { level: 9 });
    paddings.set(mib, padding);
  }
  return padding;
}

/**
 * A small, well-formed PDF that is costly to read: one page, and `streams` object streams, each
 * deflated from `inflatedMiB` MiB of spaces to a few KiB. qpdf inflates every object stream whole
 * to find the objects the cross-reference table says it holds, so reading the file (`--json`, as
 * the intake does) is `streams × inflatedMiB` MiB of inflating: seconds to minutes of CPU from a
 * file of a few MiB, with no damage for qpdf to recover from (which its WebAssembly build cannot).
 * The streams add nothing to the document: their headers name object 1, which the cross-reference
 * places outside them (it is the catalog), so qpdf passes over what they hold.
 */
export function inflatingPdf(opts: { streams: number; inflatedMiB: number }): Buffer {
  const padding = deflatedSpaces(opts.inflatedMiB);
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    parts.push(buf);
    at += buf.length;
  };
  const object = (num: number, body: string | Array<string | Buffer>) => {
    offsets[num] = at;
    push(`${num} 0 obj\n`);
    for (const part of typeof body === 'string' ? [body] : body) push(part);
    push('\nendobj\n');
  };

  push('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>');
  const firstStream = 4;
  for (let i = 0; i < opts.streams; i++) {
    object(firstStream + i, [`<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${padding.length} >>\nstream\n`, padding, '\nendstream']);
  }
  // Objects held by the object streams (one each), then the cross-reference stream itself.
  const firstCompressed = firstStream + opts.streams;
  const xrefNum = firstCompressed + opts.streams;
  offsets[xrefNum] = at;
  const rows = Buffer.alloc((xrefNum + 1) * 7);
  for (let num = 0; num <= xrefNum; num++) {
    const row = rows.subarray(num * 7, num * 7 + 7);
    if (num === 0) {
      row.writeUInt16BE(0xffff, 5);
    } else if (num >= firstCompressed && num < xrefNum) {
      row[0] = 2;
      row.writeUInt32BE(firstStream + (num - firstCompressed), 1);
    } else {
      row[0] = 1;
      row.writeUInt32BE(offsets[num]!, 1);
    }
  }
  push(`${xrefNum} 0 obj\n<< /Type /XRef /Size ${xrefNum + 1} /W [1 4 2] /Root 1 0 R /Length ${rows.length} >>\nstream\n`);
  push(rows);
  push(`\nendstream\nendobj\nstartxref\n${offsets[xrefNum]}\n%%EOF\n`);
  return Buffer.concat(parts);
}
