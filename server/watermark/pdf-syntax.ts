/*
 * PDF syntax for what the stamper writes (the page-less base and each tail): values read from qpdf's JSON (version 2) go
 * back into the file as PDF objects. Everything written is plain ASCII (strings as hex, names with
 * #xx escapes), so the tail can be kept as a JS string and measured by its length.
 */

/** A value as qpdf --json=2 writes it: names "/N", strings "u:text" or "b:hex", references "n g R". */
export type QpdfValue = null | boolean | number | string | QpdfValue[] | { [key: string]: QpdfValue };

const REF_RE = /^(\d+) (\d+) R$/;

export interface Ref {
  num: number;
  gen: number;
}

export function parseRef(value: QpdfValue | undefined): Ref | undefined {
  if (typeof value !== 'string') return undefined;
  const m = REF_RE.exec(value);
  return m ? { num: Number(m[1]), gen: Number(m[2]) } : undefined;
}

export const refString = (r: Ref) => `${r.num} ${r.gen} R`;

export const isDict = (v: QpdfValue | undefined): v is { [key: string]: QpdfValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Characters a PDF name may hold literally; everything else is #xx-escaped. */
const NAME_REGULAR = /^[!"$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]$/;

export function pdfName(name: string): string {
  // qpdf writes names it could not express as UTF-8 with an "n:" prefix, already in PDF syntax.
  if (name.startsWith('n:')) return name.slice(2);
  const body = name.startsWith('/') ? name.slice(1) : name;
  let out = '/';
  for (const byte of Buffer.from(body, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && NAME_REGULAR.test(ch) ? ch : `#${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The bytes of a PDF text string: PDFDocEncoding's Latin-1 range where it suffices, else UTF-16BE. */
export function textStringBytes(text: string): Buffer {
  if (/^[\x20-\x7e\xa1-\xff\t\n\r]*$/.test(text)) return Buffer.from(text, 'latin1');
  const utf16 = Buffer.from(`\ufeff${text}`, 'utf16le');
  return utf16.swap16();
}

export const hexString = (bytes: Uint8Array) => `<${Buffer.from(bytes).toString('hex')}>`;
export const pdfTextString = (text: string) => hexString(textStringBytes(text));

/** The text a string value holds, decoding UTF-16BE (with its byte-order mark) and PDFDocEncoding. */
export function decodeTextValue(value: QpdfValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('u:')) return value.slice(2);
  if (!value.startsWith('b:')) return undefined;
  const bytes = Buffer.from(value.slice(2), 'hex');
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return bytes.toString('latin1');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // PDF has no exponent notation.
  return n.toFixed(6).replace(/\.?0+$/, '');
}

/**
 * How values are rewritten on their way out: references renumbered (or dropped to null), and keys
 * whose content must not travel left out. Without options a value is written as read.
 */
export interface SerializeOptions {
  ref?: (ref: string) => string;
  dropKey?: (key: string) => boolean;
}

/**
 * One value in PDF syntax. `depth` bounds recursion: qpdf already refuses deeper nesting than 500,
 * but this must not trust its input either.
 */
export function serialize(value: QpdfValue, depth = 0, opts: SerializeOptions = {}): string {
  if (depth > 100) throw new RangeError('PDF object nested too deeply');
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return typeof value === 'number' ? formatNumber(value) : String(value);
  if (typeof value === 'string') {
    if (REF_RE.test(value)) return opts.ref ? opts.ref(value) : value;
    if (value.startsWith('u:')) return pdfTextString(value.slice(2));
    if (value.startsWith('b:')) return `<${value.slice(2)}>`;
    if (value.startsWith('/') || value.startsWith('n:')) return pdfName(value);
    // Anything else is not in qpdf's vocabulary; a string is the least harmful reading.
    return pdfTextString(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v, depth + 1, opts)).join(' ')}]`;
  return serializeDict(value, depth, opts);
}

export function serializeDict(dict: { [key: string]: QpdfValue }, depth = 0, opts: SerializeOptions = {}): string {
  let out = '<<';
  for (const [k, v] of Object.entries(dict)) {
    if (opts.dropKey?.(k)) continue;
    out += `${pdfName(k)} ${serialize(v, depth + 1, opts)}`;
  }
  return `${out}>>`;
}
