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

const rawPixels = (image: Uint8Array) => sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });

/** Pixels whose three channels moved by more than `threshold` in all. */
function changedPixels(before: { data: Buffer }, after: { data: Buffer }, threshold: number): Uint8Array {
  const changed = new Uint8Array(before.data.length / 3);
  for (let k = 0; k < changed.length; k++) {
    const i = k * 3;
    const d =
      Math.abs(before.data[i] - after.data[i]) + Math.abs(before.data[i + 1] - after.data[i + 1]) + Math.abs(before.data[i + 2] - after.data[i + 2]);
    changed[k] = d > threshold ? 1 : 0;
  }
  return changed;
}

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

  // At 1200x900 the lattice's cell is larger than the picture; at 2000x1500 it repeats. PNG is
  // stamped by composite, JPEG through a joined alpha channel and an OR.
  it.each([
    ['png', 1200, 900],
    ['png', 2000, 1500],
    ['jpeg', 1200, 900],
    ['jpeg', 2000, 1500],
  ] as const)('visibly changes pixels all over a %s of %ix%i', async (format, width, height) => {
    const input = await encode(format, width, height);
    const out = await stampImage(input, `image/${format}`, fields());
    const changed = changedPixels(await rawPixels(input), await rawPixels(out.data), 30);
    const quadrants = [0, 0, 0, 0];
    for (let k = 0; k < changed.length; k++) {
      if (changed[k]) quadrants[(k / width < height / 2 ? 0 : 2) + (k % width < width / 2 ? 0 : 1)]++;
    }
    // Text covers a few percent of the picture, in every quadrant: tiled, not one block.
    expect(quadrants.reduce((a, b) => a + b) / (width * height)).toBeGreaterThan(0.01);
    for (const n of quadrants) expect(n / ((width * height) / 4)).toBeGreaterThan(0.005);
  });

  it('puts the stamp in the same places on a PNG and a JPEG of the same picture', async () => {
    const png = await encode('png');
    const jpeg = await encode('jpeg');
    const inPng = changedPixels(await rawPixels(png), await rawPixels((await stampImage(png, 'image/png', fields())).data), 60);
    const inJpeg = changedPixels(await rawPixels(jpeg), await rawPixels((await stampImage(jpeg, 'image/jpeg', fields())).data), 30);
    let both = 0;
    let pngOnly = 0;
    for (let k = 0; k < inPng.length; k++) {
      if (inPng[k]) inJpeg[k] ? both++ : pngOnly++;
    }
    expect(both).toBeGreaterThan(0.01 * W * H);
    // Edge pixels of anti-aliased letters differ in strength between the two ways of drawing.
    expect(pngOnly / (both + pngOnly)).toBeLessThan(0.25);
  });

  it('darkens the letters of a JPEG to 70% on light ground and lightens their outline on black', async () => {
    // Left half black, right half light grey.
    const raw = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) raw.fill(235, (y * W + W / 2) * 3, (y + 1) * W * 3);
    const input = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const { data } = await rawPixels((await stampImage(input, 'image/jpeg', fields())).data);
    let darkened = 0;
    let lightened = 0;
    let darkest = 255;
    for (let y = 0; y < H; y++) {
      for (let x = 8; x < W - 8; x++) {
        const v = data[(y * W + x) * 3 + 1];
        if (x < W / 2 - 8 && v > 40) lightened++;
        if (x > W / 2 + 8) {
          if (v < 190) darkened++;
          darkest = Math.min(darkest, v);
        }
      }
    }
    const half = (W / 2 - 16) * H;
    expect(darkened / half).toBeGreaterThan(0.01);
    expect(lightened / half).toBeGreaterThan(0.003);
    // Translucent, not opaque: 30% black over 235 is 164 (give or take JPEG's rounding).
    expect(darkest).toBeGreaterThan(145);
    expect(darkest).toBeLessThan(180);
  });

  it('keeps a greyscale JPEG greyscale, with the letters darkened', async () => {
    const input = await sharp(Buffer.alloc(W * H, 230), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(input).metadata()).channels).toBe(1);
    const out = await stampImage(input, 'image/jpeg', fields());
    const meta = await sharp(out.data).metadata();
    expect([meta.space, meta.channels]).toEqual(['b-w', 1]);
    const { channels } = await sharp(out.data).stats();
    expect(channels[0].min).toBeLessThan(0.8 * 230);
    expect(await readDownloadIdsFromImage(out.data)).toEqual([ID]);
  });

  it('stamps a JPEG too large for full-size masks through composite', async () => {
    // 25.5 megapixels of flat grey: cheap to code, over the masks' limit.
    const [width, height] = [5100, 5000];
    const input = await sharp({ create: { width, height, channels: 3, background: '#e0e0e0' } }).jpeg().toBuffer();
    const out = await stampImage(input, 'image/jpeg', fields());
    const crop = await sharp(out.data).extract({ left: 2000, top: 2000, width: 1000, height: 1000 }).greyscale().raw().toBuffer();
    expect(crop.filter((v) => v < 0.8 * 0xe0).length / crop.length).toBeGreaterThan(0.01);
    expect(await readDownloadIdsFromImage(out.data)).toEqual([ID]);
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
