import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so an id read off a printed page is unambiguous. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const DOWNLOAD_ID_LENGTH = 12;
/** One character of an id, as a regular expression's class: the one spelling of the alphabet for patterns. */
export const DOWNLOAD_ID_CHAR = '[0-9A-HJKMNP-TV-Z]';
/** A whole download id, and nothing else. */
export const DOWNLOAD_ID_PATTERN = new RegExp(`^${DOWNLOAD_ID_CHAR}{${DOWNLOAD_ID_LENGTH}}$`);

export const isDownloadId = (value: string): boolean => DOWNLOAD_ID_PATTERN.test(value);

/** 60 random bits: short enough to print in a footer, far too many to guess. */
export function newDownloadId(): string {
  const bytes = randomBytes(DOWNLOAD_ID_LENGTH);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
