import { capUtf8, hasWords, isGarbageText, letterCount, normalisePageText } from '../../../server/text-extraction/page-text.js';

/**
 * What the index keeps of a page's text (issue 21): one canonical form, so that a word typed in the
 * search box matches however the PDF encoded it, and nothing a tokenizer or a snippet chokes on.
 */
describe('the text the index keeps of a page', () => {
  it('composes accents (NFC), so "Kündigungsfrist" typed matches one written with a combining umlaut', () => {
    const decomposed = 'Ku\u0308ndigungsfrist';
    expect(normalisePageText(decomposed)).toBe('Kündigungsfrist');
  });

  it('spells out the ligatures typesetting programs emit, and joins words a soft hyphen or a zero-width space splits', () => {
    expect(normalisePageText('\uFB01nancial e\uFB00ect')).toBe('financial effect');
    expect(normalisePageText('Kündigungs\u00ADfrist over\u200Beenkomst')).toBe('Kündigungsfrist overeenkomst');
  });

  it('removes control characters and collapses every run of whitespace to one space', () => {
    expect(normalisePageText('  the\u0000 purchaser\u0007\tacknowledges\n\n\u00A0the\u2003target\f ')).toBe('the purchaser acknowledges the target');
  });

  it('removes replacement and private-use characters, which no one can type', () => {
    expect(normalisePageText('résiliation \uFFFD\uE012\u{F0001} du contrat')).toBe('résiliation du contrat');
  });

  it('calls a text layer garbage when a third or more of its visible characters are unreadable', () => {
    expect(isGarbageText('\uE001\uE002\uE003\uE004 \uE005\uE006 ab')).toBe(true);
    expect(isGarbageText('\uFFFD\uFFFD\uFFFD \uFFFD\uFFFD \u0001\u0002')).toBe(true);
    expect(isGarbageText('Die Kündigungsfrist beträgt drei Monate \uF0B7 \uF0B7')).toBe(false);
    expect(isGarbageText('   \n\f')).toBe(false);
  });

  it('counts a page with only punctuation as holding no words', () => {
    expect(hasWords('— . , ;')).toBe(false);
    expect(hasWords('§ 4')).toBe(true);
    expect(letterCount('ABC000123 page', 5)).toBe(5);
    expect(letterCount('ABC000123 page')).toBe(7);
  });

  it('caps a page at a number of UTF-8 bytes, never inside a character and at a word boundary when one is near', () => {
    const text = 'résiliation '.repeat(1000).trim();
    const capped = capUtf8(text, 1000);
    expect(capped.truncated).toBe(true);
    expect(Buffer.byteLength(capped.text)).toBeLessThanOrEqual(1000);
    expect(capped.text.split(' ').every((w) => w === 'résiliation')).toBe(true);
    const emoji = capUtf8('😀'.repeat(10), 7);
    expect(emoji.text).toBe('😀');
    expect(capUtf8('short', 1000)).toEqual({ text: 'short', truncated: false });
  });
});
