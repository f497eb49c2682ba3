import zlib from 'node:zlib';
import sharp from 'sharp';
import { UnstampableError } from '../../../server/watermark/errors.js';
import { readDownloadIdsFromImage } from '../../../server/watermark/read-stamp.js';
import { stampImage } from '../../../server/watermark/stamp-image.js';
import { fields } from './helpers.js';

const ID = fields().downloadId;
const W = 1200;
const H = 900;

/** A smooth gradient, so any stamp pixel stands out from its neighbours' values. */
function gradient(width = W, height = H): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((255 * x) / width);
      raw[i + 1] = Math.round((255 * y) / height);
      raw[i + 2] = 160;
    }
  }
  return raw;
}

const encode = (format: 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif', width = W, height = H) =>
  sharp(gradient(width, height), { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();

const rawPixels = (image: Uint8Array) => sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });

describe('stampImage', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['tiff', 'image/tiff'],
  ] as const)('keeps %s in its format and writes the id into metadata that reads back', async (format, mimeType) => {
    const out = await stampImage(await encode(format), mimeType, fields());
    expect(out.mimeType).toBe(mimeType);
    const meta = await sharp(out.data).metadata();
    expect(meta.format).toBe(format);
    expect([meta.width, meta.height]).toEqual([W, H]);
    expect(await readDownloadIdsFromImage(out.data)).toEqual([ID]);
  });

  it('turns GIF into PNG, with the id in its metadata', async () => {
    const out = await stampImage(await encode('gif', 300, 200), 'image/gif', fields());
    expect(out.mimeType).toBe('image/png');
    expect((await sharp(out.data).metadata()).format).toBe('png');
    expect(await readDownloadIdsFromImage(out.data)).toEqual([ID]);
  });

  it('applies the EXIF orientation: dimensions swap for orientation 6 and the tag is gone', async () => {
    const input = await sharp(gradient(), { raw: { width: W, height: H, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const out = await stampImage(input, 'image/jpeg', fields());
    const meta = await sharp(out.data).metadata();
    expect([meta.width, meta.height]).toEqual([H, W]);
    expect(meta.orientation ?? 1).toBe(1);
    // The left column of the original (red 0) is now the top row.
    const { data, info } = await rawPixels(out.data);
    expect(data[0 * info.width * 3 + (info.width - 1) * 3]).toBeLessThan(20);
  });

  // 1200x900 gets one SVG of its own size; at 2000x1500 a lattice cell fits and libvips tiles it.
  it.each([
    [1200, 900],
    [2000, 1500],
  ])('visibly changes pixels all over a %ix%i image', async (width, height) => {
    const input = await encode('png', width, height);
    const out = await stampImage(input, 'image/png', fields());
    const before = await rawPixels(input);
    const after = await rawPixels(out.data);
    const changed = [0, 0, 0, 0];
    let total = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const d =
          Math.abs(before.data[i] - after.data[i]) +
          Math.abs(before.data[i + 1] - after.data[i + 1]) +
          Math.abs(before.data[i + 2] - after.data[i + 2]);
        if (d > 30) {
          changed[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]++;
          total++;
        }
      }
    }
    // Text covers a few percent of the picture, in every quadrant: tiled, not one block.
    expect(total / (width * height)).toBeGreaterThan(0.01);
    for (const n of changed) expect(n / ((width * height) / 4)).toBeGreaterThan(0.005);
  });

  it('keeps the ICC profile', async () => {
    const input = await sharp(gradient(), { raw: { width: W, height: H, channels: 3 } }).withIccProfile('p3').jpeg().toBuffer();
    const iccIn = (await sharp(input).metadata()).icc;
    expect(iccIn).toBeDefined();
    const out = await stampImage(input, 'image/jpeg', fields());
    expect((await sharp(out.data).metadata()).icc?.equals(iccIn!)).toBe(true);
  });

  it('stamps a tiny image and text that would break SVG markup', async () => {
    const out = await stampImage(await encode('png', 40, 30), 'image/png', fields({ orgName: '<Alpha & "Beta"> </svg>', userName: '张伟 Łukasz' }));
    expect((await sharp(out.data).metadata()).width).toBe(40);
    expect(await readDownloadIdsFromImage(out.data)).toEqual([ID]);
  });

  it('refuses a decompression bomb from its header, before decoding it', async () => {
    // A 40x30 PNG whose header claims 20000x20000 pixels.
    const png = Buffer.from(await encode('png', 40, 30));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29);
    const err = await stampImage(png, 'image/png', fields()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnstampableError);
    expect((err as UnstampableError).reason).toBe('image_too_large');
  });

  it('refuses what it cannot read or stamp with UnstampableError', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const truncatedHeader = (await encode('png')).subarray(0, 30);
    for (const [input, reason] of [
      [Buffer.from('not an image'), 'unreadable_image'],
      [truncatedHeader, 'unreadable_image'],
      [svg, 'unsupported_image'],
    ] as const) {
      const err = await stampImage(input, 'image/png', fields()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnstampableError);
      expect((err as UnstampableError).reason).toBe(reason);
    }
  });
});

describe('readDownloadIdsFromImage', () => {
  it('returns nothing, and does not throw, for unstamped or unreadable images', async () => {
    expect(await readDownloadIdsFromImage(await encode('jpeg', 50, 50))).toEqual([]);
    expect(await readDownloadIdsFromImage(Buffer.from('garbage'))).toEqual([]);
    expect(await readDownloadIdsFromImage(new Uint8Array(0))).toEqual([]);
  });
});
