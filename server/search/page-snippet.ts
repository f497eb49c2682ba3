/**
 * The snippet of a page, cut here from the page's whole text as the index marked it (highlight()).
 * FTS5's own snippet() reads and scores the page again for every fragment it weighs: for a page of
 * results it cost 8 ms on a common word and 17 ms on a phrase, twice what marking the 500 ranked
 * pages costs, while the marked text was already in hand (bench/search-s1.bench.ts).
 */

const WORD = /[\p{L}\p{N}]+/gu;

/** Words kept before the first hit of the fragment (at most a third of it), so that it reads as a sentence, not as a list of hits. */
const LEAD_WORDS = 4;

/**
 * At most `words` words of `marked` (text with hits between `start` and `end` marks) around its
 * hits: the stretch holding the most hits, opened a few words before the first of them; a hit is
 * never cut in two, and ' … ' stands where text was left out.
 */
export function pageSnippet(marked: string, start: string, end: string, words = 24): string {
  const tokens = [...marked.matchAll(WORD)].map((m) => ({ from: m.index, to: m.index + m[0].length }));
  if (tokens.length <= words) return marked;
  // Each hit as the range of tokens it covers (a phrase covers several).
  const hits: Array<{ first: number; last: number }> = [];
  let t = 0;
  for (let at = marked.indexOf(start); at >= 0; at = marked.indexOf(start, at + 1)) {
    const close = marked.indexOf(end, at);
    const stop = close < 0 ? marked.length : close;
    while (t < tokens.length && tokens[t]!.from < at) t++;
    let last = t;
    while (last + 1 < tokens.length && tokens[last + 1]!.from < stop) last++;
    if (t < tokens.length && tokens[t]!.from < stop) hits.push({ first: t, last });
  }
  // The window of `words` tokens covering the most whole hits, the earliest of the best.
  let best = { first: 0, count: 0 };
  for (let i = 0, j = 0; i < hits.length; i++) {
    if (j < i) j = i;
    while (j + 1 < hits.length && hits[j + 1]!.last - hits[i]!.first < words) j++;
    const count = hits[i]!.last - hits[i]!.first < words ? j - i + 1 : 1;
    if (count > best.count) best = { first: hits[i]!.first, count };
  }
  let from = Math.max(0, Math.min(best.first - Math.min(LEAD_WORDS, Math.floor(words / 3)), tokens.length - words));
  let to = Math.min(tokens.length - 1, from + words - 1);
  // A hit the window's edge would cut is taken whole.
  for (const hit of hits) {
    if (hit.first < from && hit.last >= from) from = hit.first;
    if (hit.first <= to && hit.last > to) to = hit.last;
  }
  // The marks just outside the first and last word belong to the words.
  let sliceFrom = tokens[from]!.from;
  while (sliceFrom > 0 && marked[sliceFrom - 1] === start) sliceFrom--;
  let sliceTo = tokens[to]!.to;
  while (sliceTo < marked.length && marked[sliceTo] === end) sliceTo++;
  return `${from > 0 ? '… ' : ''}${marked.slice(sliceFrom, sliceTo)}${to < tokens.length - 1 ? ' …' : ''}`;
}
