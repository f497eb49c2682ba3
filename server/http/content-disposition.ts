import { create as contentDisposition } from 'content-disposition';

/**
 * An RFC 6266 Content-Disposition for a user-supplied file name. The stored name is metadata only:
 * path separators, control characters (CR/LF, NUL) and bidirectional overrides (which can disguise
 * "gpj.exe" as "exe.jpg") are replaced before it goes into a header; non-ASCII goes in filename*.
 */
export function dispositionHeader(type: 'inline' | 'attachment', fileName: string | null | undefined, fallback: string): string {
  const safe = (fileName ?? '')
    .replace(/[\u0000-\u001f\u007f\u0080-\u009f]/g, '')
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .replace(/[\\/]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return contentDisposition(safe || fallback, { type });
}
