import sharp from 'sharp';
import { stampFonts } from '../../../server/watermark/fonts.js';
import { STAMP_FONT_FAMILY, lineWidth, renderStampLattice, stampMasks } from '../../../server/watermark/stamp-image-lattice.js';

const FONT_PX = 100;

/** The inked width of a line as librsvg draws it in the stamp's fonts, in ems. */
async function renderedWidth(text: string): Promise<number> {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${FONT_PX * 60}" height="${FONT_PX * 2}">` +
    `<rect width="100%" height="100%" fill="#fff"/><text x="${FONT_PX}" y="${FONT_PX * 1.3}" font-size="${FONT_PX}" ` +
    `font-family="${STAMP_FONT_FAMILY}">${escaped}</text></svg>`;
  const { info } = await sharp(Buffer.from(svg)).trim().toBuffer({ resolveWithObject: true });
  return info.width / FONT_PX;
}

describe('lineWidth', () => {
  it.each([
    'WOLFGANG MÜLLER-LÜDENSCHEIDT <W.MUELLER@EXAMPLE.COM>',
    '2026-11-24T10:00:00Z · Download 7K3M9QX2ZR4D',
    'jane.doe@alpha-capital.example',
    '张伟 Łukasz Ørsted',
  ])('measures %s as wide as it is drawn, so the block never cuts it off', async (text) => {
    const measured = lineWidth(text, await stampFonts());
    const drawn = await renderedWidth(text);
    // The advance includes the side bearings that trimming removes: a little wider, never narrower.
    expect(measured).toBeGreaterThanOrEqual(drawn - 0.05);
    expect(measured).toBeLessThan(drawn + 0.5);
  });
});

describe('stampMasks', () => {
  it('repeats the cell from the top-left corner: the masks have the period of the lattice', async () => {
    const [width, height] = [3000, 2400];
    const lattice = await renderStampLattice(['Project Falcon', 'Download 7K3M9QX2ZR4D'], width, height);
    expect(lattice.width).toBeLessThan(width);
    expect(lattice.height).toBeLessThan(height);
    const { alpha, lift } = stampMasks(lattice, width, height, 0.3);
    let letters = 0;
    let mismatches = 0;
    for (let y = 0; y + lattice.height < height; y += 7) {
      for (let x = 0; x + lattice.width < width; x += 5) {
        const k = y * width + x;
        if (alpha[k + lattice.height * width + lattice.width] !== alpha[k] || lift[k + lattice.width] !== lift[k]) mismatches++;
        if (alpha[k] < 255) letters++;
      }
    }
    expect(mismatches).toBe(0);
    expect(letters).toBeGreaterThan(0);
    // The letters are 30% dark at most, the outline's lift at most six low bits.
    expect(alpha.reduce((a, b) => Math.min(a, b), 255)).toBe(255 - Math.round(0.3 * 255));
    expect(lift.reduce((a, b) => Math.max(a, b), 0)).toBe(63);
  });
});
