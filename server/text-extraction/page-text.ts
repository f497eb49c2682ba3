/*
 * What the index keeps of a page's raw text: one canonical form, so that a word typed in the search
 * box matches however the PDF's producer encoded it, and nothing that would break a tokenizer or a
 * snippet (control characters, glyphs with no meaning).
 */

/**
 * Characters that carry no readable text: the replacement character (a glyph its font maps to
 * nothing), private-use code points (a symbol font's glyphs, or a subset font without a Unicode
 * map), noncharacters, and control characters other than whitespace.
 */
const UNREADABLE = /[\uFFFD\uE000-\uF8FF\u{F0000}-\u{FFFFD}\u{100000}-\u{10FFFD}\uFDD0-\uFDEF\uFFFE\uFFFF\u0000-\u0008\u000E-\u001F\u007F-\u009F]/gu;
const ANY_UNREADABLE = new RegExp(UNREADABLE.source, 'u');
/** Invisible characters inside words (soft hyphen, zero-width space, word joiner, BOM): removed, so the word is whole. */
const WORD_SPLITTERS = /[\u00AD\u200B\u2060\uFEFF]/g;
/** The Latin ligatures (ﬁ, ﬂ, ﬀ…) typesetting programs emit: spelled out, so "financial" finds "ﬁnancial". */
const LATIN_LIGATURES = /[\uFB00-\uFB06]/g;
const WHITESPACE = /\s+/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LETTERS = /\p{L}/gu;

/**
 * A text layer is garbage when at least a third of its visible characters are unreadable: what a
 * PDF whose fonts map their glyphs to private-use code points or to nothing gives. Real text with a
 * symbol font's bullets stays far below; a page a third unreadable is better read from its image.
 */
const GARBAGE_SHARE = 1 / 3;

export function isGarbageText(raw: string): boolean {
  if (!ANY_UNREADABLE.test(raw)) return false;
  const visible = raw.replace(WHITESPACE, '');
  if (visible.length === 0) return false;
  const unreadable = visible.length - visible.replace(UNREADABLE, '').length;
  return unreadable / visible.length >= GARBAGE_SHARE;
}

/** The index's form of a page's text: NFC, ligatures spelled out, unreadable characters removed, whitespace collapsed to single spaces. */
export function normalisePageText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(LATIN_LIGATURES, (ligature) => ligature.normalize('NFKC'))
    .replace(WORD_SPLITTERS, '')
    .replace(UNREADABLE, ' ')
    .replace(WHITESPACE, ' ')
    .trim();
}

/** Whether normalised text holds anything to search for: a letter or a digit. */
export const hasWords = (text: string): boolean => LETTER_OR_DIGIT.test(text);

/** The letters of `text`, counted up to `upTo` at most: a page of text answers "at least 40" at its first line. */
export function letterCount(text: string, upTo = Infinity): number {
  LETTERS.lastIndex = 0;
  let count = 0;
  while (count < upTo && LETTERS.exec(text)) count++;
  return count;
}

/**
 * `text` cut to at most `maxBytes` of UTF-8, never inside a character, and at a space when one is
 * near the end (a word cut in two would be indexed as a word that is not in the document).
 */
export function capUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  if (maxBytes <= 0) return { text: '', truncated: true };
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  // A character cut in two decodes as a replacement character at the end.
  cut = cut.replace(/\uFFFD+$/u, '');
  const space = cut.lastIndexOf(' ');
  if (space > 0 && cut.length - space <= 64) cut = cut.slice(0, space);
  return { text: cut.trimEnd(), truncated: true };
}
