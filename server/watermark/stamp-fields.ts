import { isDownloadId } from './download-id.js';

/** What a stamp says about one delivery. */
export interface StampFields {
  /** The room's code name (or its name when it has none). */
  codeName: string;
  userName: string;
  userEmail: string;
  orgName: string;
  at: Date;
  downloadId: string;
}

/** Custom PDF /Info key holding the id; the tracer also finds it by a plain byte scan. */
export const INFO_DOWNLOAD_ID_KEY = 'GatehouseDownloadId';
/** The stamped /ID's second element is this prefix and the id: 16 ASCII bytes. */
export const TRAILER_ID_PREFIX = 'GHDL';

// The id's format is the downloads module's; the stamp only prints and reads it back.
export { isDownloadId };

/**
 * Crockford decoding is case-insensitive and reads O as 0 and I/L as 1; a traced copy may have been
 * retyped or OCR'd, so the reader accepts those forms. Returns undefined when it is not an id.
 */
export function normalizeDownloadId(value: string): string | undefined {
  const id = value.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return isDownloadId(id) ? id : undefined;
}

/** The stamp text, laid out once so the PDF and image stampers say exactly the same thing. */
export interface StampLines {
  /** Drawn diagonally, top to bottom; the last line always carries the download id in ASCII. */
  diagonal: string[];
  footer: string;
}

/** ISO 8601 UTC to the second: milliseconds are noise on a printed page. */
export const stampTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

const MAX_LINE = 96;

/**
 * Names and emails are user-supplied: control characters (a newline in a name) would break the
 * layout, and a pathological length would shrink the whole stamp to nothing.
 */
function clean(value: string): string {
  const flat = value.normalize('NFC').replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > MAX_LINE ? `${chars.slice(0, MAX_LINE - 1).join('')}…` : flat;
}

export function stampLines(fields: StampFields): StampLines {
  if (!isDownloadId(fields.downloadId)) {
    // A malformed id would be untraceable; stamping it anyway would hide the bug until a leak.
    throw new TypeError(`Not a download id: ${JSON.stringify(fields.downloadId)}`);
  }
  if (Number.isNaN(fields.at.getTime())) throw new TypeError('Invalid stamp time');
  const time = stampTime(fields.at);
  const name = clean(fields.userName);
  const email = clean(fields.userEmail);
  const who = name && email ? `${name} <${email}>` : name || email;
  const diagonal = [clean(fields.codeName), who, clean(fields.orgName)].filter((l) => l.length > 0);
  diagonal.push(`${time} · Download ${fields.downloadId}`);
  // The footer is horizontal, so text extraction reads it whole (diagonal text comes out in fragments):
  // it repeats the room, the id, who and when.
  const footer = [clean(fields.codeName) || 'Gatehouse', `Download ${fields.downloadId}`, email, time].filter((l) => l.length > 0).join(' · ');
  return { diagonal, footer };
}
