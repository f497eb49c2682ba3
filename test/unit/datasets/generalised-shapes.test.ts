import { generalised } from '../../../server/datasets/personal-data.js';

/**
 * Every date and number the reader types as one (describe-dataset.ts) is generalised as one: found by
 * the dataset reference of test/property (dataset-reference.ts), which delivered `.5` in a decimal
 * quasi column as `.5…` (the whole value) and a day-first date with a time as its day.
 */
describe('generalised: the shapes the reader types as numbers and dates', () => {
  it.each([
    ['.5', 'decimal', '0–9'],
    ['-.75', 'decimal', '-9–-0'],
    ['1e3', 'decimal', '1000–1999'],
    ['2.5E+4', 'decimal', '20000–29999'],
    ['12.03.1985 10:30', 'date', '1985'],
    ['3/4/2001 08:15:00', 'date', '2001'],
    ['12.03.1985 10:30', 'text', '1985'],
  ])('%s in a %s column → %s', (value, type, expected) => {
    expect(generalised(value, type as 'decimal' | 'date' | 'text')).toBe(expected);
  });

  it('keeps the text rule for text columns: numbers there are identifiers, cut to two characters', () => {
    expect(generalised('1e3', 'text')).toBe('1e…');
    expect(generalised('01234', 'text')).toBe('01…');
  });
});
