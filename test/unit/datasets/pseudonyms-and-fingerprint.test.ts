import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { generalised, pseudonymOf } from '../../../server/datasets/personal-data.js';
import { BLOCK_ROWS, inDeliveryOrder, log10ChanceOfOrder, orderBlock, orderKeyOf } from '../../../server/datasets/fingerprint.js';

const secret = randomBytes(32);

describe('pseudonyms', () => {
  it('are one per value within a party, different for every other party and for another room', () => {
    const a = pseudonymOf(secret, 'party-A', 'E100042');
    expect(a).toMatch(/^P-[0-9A-F]{16}$/);
    expect(pseudonymOf(secret, 'party-A', 'E100042')).toBe(a);
    expect(pseudonymOf(secret, 'party-B', 'E100042')).not.toBe(a);
    expect(pseudonymOf(randomBytes(32), 'party-A', 'E100042')).not.toBe(a);
    expect(pseudonymOf(secret, 'party-A', 'E100043')).not.toBe(a);
  });
  it('leave an empty cell empty, and do not let a party id and a value run into each other', () => {
    expect(pseudonymOf(secret, 'party-A', '')).toBe('');
    expect(pseudonymOf(secret, 'ab', 'c')).not.toBe(pseudonymOf(secret, 'a', 'bc'));
  });
});

describe('generalised quasi-identifiers', () => {
  it.each([
    ['1984-03-02', 'date', '1984'],
    ['02.03.1984', 'date', '1984'],
    ['1984-03-02T10:00:00Z', 'date', '1984'],
    ['45500', 'integer', '40000–49999'],
    ['37', 'integer', '30–39'],
    ['7', 'integer', '0–9'],
    ['-1200', 'integer', '-1999–-1000'],
    ['1017 AB', 'text', '10…'],
    ['', 'text', ''],
  ] as const)('%s (%s) → %s', (value, type, expected) => {
    expect(generalised(value, type)).toBe(expected);
  });
  it('never gives back more than the first two characters of a text', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const g = generalised(s, 'text');
      const kept = [...g.replace(/…$/, '')];
      return g === '' || (kept.length <= 2 && s.trim().startsWith(kept.join('')));
    }));
  });
});

describe('the row-order fingerprint', () => {
  const places = (n: number, start = 0) => Array.from({ length: n }, (_, i) => ({ sheet: 0, index: start + i }));

  it('orders one block differently for every download, and a leak of it matches its own download only', () => {
    const block = places(500);
    const key = orderKeyOf(secret, 'dl-1');
    const delivered = orderBlock(key, block);
    expect(delivered.map((p) => p.index)).not.toEqual(block.map((p) => p.index));
    expect(inDeliveryOrder(key, delivered)).toBe(true);
    for (let i = 0; i < 1000; i++) expect(inDeliveryOrder(orderKeyOf(secret, `other-${i}`), delivered.slice(0, 200))).toBe(false);
  });

  it('holds for any 200 or more rows kept in order, across blocks, and never names another download', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 600 }), fc.integer({ min: 0, max: 2 * BLOCK_ROWS }), fc.integer({ min: 1, max: 5 }), (n, start, stride) => {
        const key = orderKeyOf(secret, `dl-${n}-${start}`);
        const stored = places(n * stride, start).filter((_, i) => i % stride === 0);
        // Delivered block by block, as the delivery streams.
        const byBlock = new Map<number, typeof stored>();
        for (const p of stored) byBlock.set(Math.floor(p.index / BLOCK_ROWS), [...(byBlock.get(Math.floor(p.index / BLOCK_ROWS)) ?? []), p]);
        const delivered = [...byBlock.keys()].sort((a, b) => a - b).flatMap((b) => orderBlock(key, byBlock.get(b)!));
        const leak = delivered.slice(0, 200);
        return inDeliveryOrder(key, leak) && !inDeliveryOrder(orderKeyOf(secret, 'someone-else'), leak) && log10ChanceOfOrder(leak) < -9;
      }),
      { numRuns: 50 },
    );
  });

  it('states the chance of a false match: 1/k! per block of k leaked rows', () => {
    expect(log10ChanceOfOrder(places(3))).toBeCloseTo(-Math.log10(6));
    expect(log10ChanceOfOrder([...places(2), ...places(2, BLOCK_ROWS)])).toBeCloseTo(-2 * Math.log10(2));
    expect(log10ChanceOfOrder(places(200))).toBeLessThan(-370);
  });
});
