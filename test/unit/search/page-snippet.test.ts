import fc from 'fast-check';
import { pageSnippet } from '../../../server/search/page-snippet.js';
import { unmarkSnippet } from '../../../server/search/text-index.js';

const S = '\u0001';
const E = '\u0002';
const wordsIn = (text: string) => text.match(/[\p{L}\p{N}]+/gu) ?? [];

describe('the snippet of a page of results', () => {
  it('is the whole page when the page is short', () => {
    expect(pageSnippet(`The ${S}escrow${E} is released.`, S, E)).toBe(`The ${S}escrow${E} is released.`);
  });

  it('opens a few words before the hit and marks the cut ends', () => {
    const before = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const after = Array.from({ length: 40 }, (_, i) => `v${i}`).join(' ');
    const snippet = pageSnippet(`${before} the ${S}escrow${E} amount ${after}`, S, E, 10);
    expect(snippet).toBe(`… w38 w39 the ${S}escrow${E} amount v0 v1 v2 v3 v4 …`);
  });

  it('shows the stretch of the page holding the most hits', () => {
    const filler = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`).join(' ');
    const marked = `${filler(5, 'a')} ${S}cap${E} ${filler(50, 'b')} ${S}cap${E} x ${S}cap${E} y ${S}cap${E} ${filler(50, 'c')}`;
    const { snippet, highlights } = unmarkSnippet(pageSnippet(marked, S, E, 12));
    expect(highlights).toHaveLength(3);
    expect(snippet).toContain('cap x cap y cap');
  });

  it('never cuts a phrase in two, even one longer than the snippet', () => {
    const phrase = Array.from({ length: 30 }, (_, i) => `p${i}`).join(' ');
    const marked = `${'lead '.repeat(30)}${S}${phrase}${E}${' tail'.repeat(30)}`;
    const { snippet, highlights } = unmarkSnippet(pageSnippet(marked, S, E, 10));
    expect(highlights.map(([from, to]) => snippet.slice(from, to))).toEqual([phrase]);
  });

  it('keeps every hit it shows whole and marked, and at most the asked number of words around them (property)', () => {
    const word = fc.stringMatching(/^[a-zé0-9]{1,8}$/);
    const page = fc.array(fc.record({ word, hit: fc.boolean(), gap: fc.constantFrom(' ', ', ', '. ', ' — ', '\n') }), { minLength: 1, maxLength: 120 });
    fc.assert(
      fc.property(page, fc.integer({ min: 3, max: 30 }), (tokens, words) => {
        const marked = tokens.map((t) => (t.hit ? `${S}${t.word}${E}` : t.word) + t.gap).join('');
        const cut = pageSnippet(marked, S, E, words);
        const { snippet, highlights } = unmarkSnippet(cut);
        // Every highlight is one of the page's hit words, whole.
        for (const [from, to] of highlights) expect(tokens.some((t) => t.hit && t.word === snippet.slice(from, to))).toBe(true);
        // Marks come in pairs: none left open or closed alone.
        expect(cut.split(S).length).toBe(cut.split(E).length);
        // Single-word hits never stretch the window: at most `words` words of the page.
        expect(wordsIn(snippet.replace(/…/g, '')).length).toBeLessThanOrEqual(Math.max(words, tokens.length <= words ? tokens.length : words));
        // A page with hits shows at least one of them.
        if (tokens.some((t) => t.hit)) expect(highlights.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });
});
