import { fileTypeFromBuffer } from 'file-type';

/** Enough bytes for file-type to recognise every format we accept (its own recommendation). */
export const SNIFF_BYTES = 4100;

const OFFICE_TYPES = new Set([
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/x-cfb', // legacy .doc/.xls/.ppt
  'application/rtf',
]);
export const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/tiff', 'image/gif']);
export const DOCUMENT_TYPES = new Set(['application/pdf', ...IMAGE_TYPES, ...OFFICE_TYPES, 'text/plain', 'text/csv']);
export const PDF_ONLY = new Set(['application/pdf']);

/**
 * The MIME type of a file from its first bytes, never from its name or the client's say-so. Text has
 * no magic number: it is recognised as valid UTF-8 without NUL bytes (CSV by its extension only after
 * that). Returns null for anything else.
 */
export async function sniffType(head: Buffer, fileName: string | undefined): Promise<string | null> {
  if (head.length === 0) return null;
  const detected = await fileTypeFromBuffer(head);
  // LibreOffice writes an XLSX's [Content_Types].xml last, past what file-type reads: a zip named
  // .xlsx is taken as one (the dataset reader, or the conversion, then says whether it is).
  if (detected?.mime === 'application/zip' && /\.xlsx$/i.test(fileName ?? '')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (detected) return detected.mime;
  // Readers (and PDF 2.0, for print workflows) accept a header anywhere in the first 1024 bytes;
  // such a file is a PDF to them, so it is one here, not text converted to a PDF of its bytes.
  if (/%PDF-\d\.\d/.test(head.subarray(0, 1024).toString('latin1'))) return 'application/pdf';
  const namedCsv = /\.csv$/i.test(fileName ?? '');
  // Excel on western Windows saves CSV in Windows-1252: the dataset reader decodes it (and refuses
  // what is binary after all); other text must be UTF-8.
  if (!looksLikeUtf8Text(head)) return namedCsv && !head.includes(0) ? 'text/csv' : null;
  return namedCsv ? 'text/csv' : 'text/plain';
}

function looksLikeUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // The sniffed window may cut a multi-byte character at its end: judge all but the last 3 bytes.
  const sample = head.length > 3 ? head.subarray(0, head.length - 3) : head;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return true;
  } catch {
    return false;
  }
}
