import fc from 'fast-check';
import { zipEntryName } from '../../../server/folder-downloads/entry-names.js';

const bytes = (s: string) => Buffer.byteLength(s);

describe('names of the files in a ZIP, from titles the deal team typed', () => {
  it('cuts a long title of multi-byte characters to a name every file system takes, with room for a number and an extension', () => {
    const names = zipEntryName.unique();
    const cjk = '财务报告'.repeat(60);
    const first = names.take([], cjk, '.pdf');
    const second = names.take([], cjk, '.pdf');
    expect(second).toBe(first.replace(/\.pdf$/, ' (2).pdf'));
    for (const name of [first, second]) expect(bytes(name)).toBeLessThanOrEqual(255);
    expect(first.startsWith('财务报告财务报告')).toBe(true);
  });

  it('never cuts an emoji or an accented letter in two', () => {
    const family = '👨‍👩‍👧‍👦';
    const cut = zipEntryName.segment(family.repeat(40));
    expect(bytes(cut)).toBeLessThanOrEqual(200);
    expect(cut.length % family.length).toBe(0);
    expect([...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(cut)].every((g) => g.segment === family)).toBe(true);
    const accented = zipEntryName.segment('e\u0301'.repeat(150));
    expect(accented.normalize('NFD').endsWith('e\u0301')).toBe(true);
  });

  it('keeps any title to at most 200 bytes of one path segment, never empty, never a separator or a dot name (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (title) => {
        const name = zipEntryName.segment(title);
        expect(bytes(name)).toBeLessThanOrEqual(200);
        expect(name.length).toBeGreaterThan(0);
        expect(name).not.toMatch(/[\\/\u0000-\u001f]/);
        expect(name).not.toMatch(/^\.|\.$/);
      }),
      { numRuns: 1000 },
    );
  });
});
