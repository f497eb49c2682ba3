/**
 * A searcher's words, read as plain words: what they type is never passed to the database's query
 * syntax. FTS5 and tsquery both have operators (NEAR, AND, *, ^, :, &, !, <->…) and their parsers
 * raise errors on half-written ones; here every term is letters and digits only, quoted phrases
 * stay phrases, and everything else is a separator. Both indexes then get a query built from these
 * terms alone, with the same meaning: every phrase must be on the page.
 */
export interface SearchTerms {
  /** Each phrase is one or more words that must follow each other; a lone word is a phrase of one. */
  phrases: string[][];
}

/** More than this many words is not a search but a paste; the rest is ignored. */
export const MAX_SEARCH_WORDS = 16;
/** A "word" longer than this is not one (a hash, a base64 blob): it is cut, as the index cuts it. */
const MAX_WORD_LENGTH = 64;

const WORD = /[\p{L}\p{N}]+/gu;

const wordsOf = (text: string) => [...text.normalize('NFC').matchAll(WORD)].map((m) => m[0].toLowerCase().slice(0, MAX_WORD_LENGTH));

export function parseSearchQuery(q: string): SearchTerms {
  const phrases: string[][] = [];
  let words = 0;
  // Quoted stretches are phrases; an unclosed quote runs to the end.
  const parts = q.split('"');
  parts.forEach((part, i) => {
    const found = wordsOf(part);
    if (i % 2 === 1 && found.length > 1) phrases.push(found);
    else phrases.push(...found.map((w) => [w]));
  });
  const kept: string[][] = [];
  for (const phrase of phrases) {
    if (words + phrase.length > MAX_SEARCH_WORDS) break;
    words += phrase.length;
    // The same phrase twice narrows nothing.
    if (!kept.some((k) => k.join(' ') === phrase.join(' '))) kept.push(phrase);
  }
  return { phrases: kept };
}

/** The FTS5 MATCH expression: each phrase a quoted FTS5 string (its words need no escaping), all of them required. */
export const fts5Match = (terms: SearchTerms) => terms.phrases.map((p) => `"${p.join(' ')}"`).join(' AND ');

/**
 * The tsquery text: each word a quoted lexeme (quotes and backslashes cannot occur in one), a
 * phrase's words joined by "followed by", all phrases required. to_tsquery then normalises each
 * lexeme with the index's own configuration, accents and case alike.
 */
export const tsQueryText = (terms: SearchTerms) => terms.phrases.map((p) => `(${p.map((w) => `'${w}'`).join(' <-> ')})`).join(' & ');
