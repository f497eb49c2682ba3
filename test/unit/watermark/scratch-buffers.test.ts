import { returnScratch, takeScratch } from '../../../server/watermark/scratch-buffers.js';

describe('scratch buffers', () => {
  it('hands a returned buffer out again for the same size only', () => {
    const first = takeScratch(1000);
    returnScratch(first);
    expect(takeScratch(1001)).not.toBe(first);
    expect(takeScratch(1000)).toBe(first);
    // Taken again: not handed to anyone else until it is returned.
    expect(takeScratch(1000)).not.toBe(first);
  });

  it('keeps at most 64 MB, letting the oldest go first', () => {
    const size = 20 * 1024 * 1024;
    const buffers = [takeScratch(size), takeScratch(size), takeScratch(size), takeScratch(size)];
    returnScratch(...buffers);
    const again = [takeScratch(size), takeScratch(size), takeScratch(size), takeScratch(size)];
    expect(again.filter((b) => b === buffers[0])).toHaveLength(0);
    for (const b of buffers.slice(1)) expect(again).toContain(b);
    returnScratch(...again);
  });
});
