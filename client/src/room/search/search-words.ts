/**
 * The words of a search as the viewer marks them on a page. The server reads a query as words of
 * letters and digits (quotes keep a phrase together, everything else separates; see
 * server/search/search-query.ts) and its indexes ignore case and accents, so "kundigung" finds
 * "Kündigung": the viewer must mark what the index matched, the same way.
 */

const WORD = /[\p{L}\p{N}]+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** The server keeps this many words of a query; the rest found nothing either. */
const MAX_WORDS = 16;

/** One character without its accents, in lower case ("Ü" → "u"); may be longer than one code unit ("İ" → "i̇" → "i"). */
const foldChar = (ch: string) => ch.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();

/** `text` folded, with where each code unit of the folded text came from in `text` ([start, end) of its character). */
function foldWithOrigins(text: string): { folded: string; from: number[]; to: number[] } {
  let folded = '';
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const ch of text) {
    const f = foldChar(ch);
    for (let i = 0; i < f.length; i++) {
      from.push(at);
      to.push(at + ch.length);
    }
    folded += f;
    at += ch.length;
  }
  return { folded, from, to };
}

/** The distinct words of a query, folded: what the index was asked for, phrase or not. */
export function searchWords(q: string): string[] {
  // Folded a character at a time, as page text is below (whole-word lower-casing differs, e.g. a final Σ).
  const words = [...q.normalize('NFC').matchAll(WORD)].map((m) => [...m[0]].map(foldChar).join(''));
  return [...new Set(words.filter(Boolean))].slice(0, MAX_WORDS);
}

/**
 * Where the words stand in `text`, as [start, end) offsets into it: whole words only (as the index
 * has them, "escrow" does not mark "escrowed"), ignoring case and accents, in order, never overlapping.
 */
export function wordRanges(text: string, words: string[]): Array<[number, number]> {
  if (!text || words.length === 0) return [];
  const { folded, from, to } = foldWithOrigins(text);
  const found: Array<[number, number]> = [];
  for (const word of words) {
    for (let i = folded.indexOf(word); i >= 0; i = folded.indexOf(word, i + 1)) {
      const end = i + word.length;
      const startsWord = i === 0 || !WORD_CHAR.test(folded[i - 1]);
      const endsWord = end === folded.length || !WORD_CHAR.test(folded[end]);
      if (startsWord && endsWord) found.push([from[i], to[end - 1]]);
    }
  }
  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const ranges: Array<[number, number]> = [];
  for (const r of found) if (ranges.length === 0 || r[0] >= ranges[ranges.length - 1][1]) ranges.push(r);
  return ranges;
}

/**
 * A snippet's highlights as the view may use them: inside the text, in order, not overlapping.
 * They come from the server, but a snippet is text from an uploaded file: nothing about them is
 * trusted to be well formed.
 */
export function cleanHighlights(snippet: string, highlights: unknown): Array<[number, number]> {
  if (!Array.isArray(highlights)) return [];
  const valid = highlights
    .filter((h): h is [number, number] => Array.isArray(h) && Number.isInteger(h[0]) && Number.isInteger(h[1]))
    .map(([s, e]) => [Math.max(0, s), Math.min(snippet.length, e)] as [number, number])
    .filter(([s, e]) => s < e)
    .sort((a, b) => a[0] - b[0]);
  const ranges: Array<[number, number]> = [];
  for (const r of valid) if (ranges.length === 0 || r[0] >= ranges[ranges.length - 1][1]) ranges.push(r);
  return ranges;
}

/** A query as headings and notes quote it: a pasted paragraph is cut, not printed whole. */
export const quotedQuery = (q: string) => (q.length > 80 ? `${q.slice(0, 80).trimEnd()}…` : q);
