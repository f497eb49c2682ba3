import sharp, { type Metadata, type OverlayOptions, type Sharp } from 'sharp';
import { UnstampableError } from './errors.js';
import { stampLines, type StampFields } from './stamp-fields.js';

/** Output format per input format; GIF becomes PNG (lossless, and sharp's GIF encoder re-quantises). */
const OUTPUT: Record<string, { format: 'jpeg' | 'png' | 'webp' | 'tiff'; mimeType: string }> = {
  jpeg: { format: 'jpeg', mimeType: 'image/jpeg' },
  png: { format: 'png', mimeType: 'image/png' },
  webp: { format: 'webp', mimeType: 'image/webp' },
  tiff: { format: 'tiff', mimeType: 'image/tiff' },
  gif: { format: 'png', mimeType: 'image/png' },
};

/** Decompression-bomb guard (sharp's own default is 268 megapixels). */
const MAX_PIXELS = 100_000_000;

const TEXT_ANGLE_DEG = -30;
const FILL_OPACITY = 0.3;
const FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', 'Droid Sans Fallback', sans-serif";
const MIN_FONT_PX = 6;
const MIN_READABLE_PX = 12;
const MAX_FONT_PX = 64;
const LINE_SPACING = 1.3;

/**
 * Stamps an image with the same text as a PDF page, tiled diagonally over the whole picture so no
 * crop removes it, and writes the download id into the metadata. The format stays the same (GIF
 * becomes PNG); animated and multi-page images are reduced to their first frame.
 */
export async function stampImage(
  image: Uint8Array,
  mimeType: string,
  fields: StampFields,
): Promise<{ data: Uint8Array; mimeType: string }> {
  const lines = stampLines(fields);
  const options = { limitInputPixels: MAX_PIXELS, failOn: 'error' as const };
  let meta: Metadata;
  try {
    // Only the header is read here; the pixel limit is checked below, with its own reason.
    meta = await sharp(image, { ...options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new UnstampableError('unreadable_image', 'The image cannot be read.', { cause: err });
  }
  // The content decides, not the declared type: a mislabelled file is still stamped as what it is.
  const out = OUTPUT[meta.format];
  if (!out) {
    throw new UnstampableError('unsupported_image', `Images of type ${meta.format} (declared ${mimeType}) are not stamped.`);
  }
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new UnstampableError('unreadable_image', 'The image has no pixels.');
  if (width * height > MAX_PIXELS) {
    throw new UnstampableError('image_too_large', `The image has more than ${MAX_PIXELS / 1e6} megapixels.`);
  }

  const id = fields.downloadId;
  try {
    let pipeline: Sharp = sharp(image, options)
      // Bake the EXIF orientation into the pixels: the stamp must be upright as the image is seen,
      // and the rewritten EXIF below no longer carries the orientation tag.
      .rotate()
      .composite([overlay(lines.diagonal, width, height)])
      .keepIccProfile()
      .withXmp(xmpPacket(id));
    // libvips writes no EXIF into TIFF; there the id lives in the XMP packet.
    if (out.format !== 'tiff') {
      pipeline = pipeline.withExif({ IFD0: { ImageDescription: `Gatehouse Download ${id}` } });
    }
    switch (out.format) {
      case 'jpeg':
        pipeline = pipeline.jpeg({ quality: 90, progressive: meta.isProgressive });
        break;
      case 'png':
        // Keep palette images small: the stamp only adds shades of grey.
        pipeline = pipeline.png({ palette: meta.isPalette, compressionLevel: 6 });
        break;
      case 'webp':
        pipeline = pipeline.webp({ quality: 90 });
        break;
      case 'tiff':
        // Lossless: a data-room TIFF is typically a scanned document.
        pipeline = pipeline.tiff({ compression: 'lzw' });
        break;
    }
    const data = await pipeline.toBuffer();
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), mimeType: out.mimeType };
  } catch (err) {
    throw new UnstampableError('unreadable_image', 'The image cannot be decoded for stamping.', { cause: err });
  }
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Rough advance width in ems: wide for CJK and other full-width scripts, ~0.62 for Latin in DejaVu Sans. */
function emWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 1 : 0.62;
  return w;
}

/**
 * The text block repeated on a staggered diagonal lattice: blocks at the corners and the centre of
 * each (tileW x tileH) cell, the cell sized so neighbouring blocks never overlap. When a cell fits
 * in the image, one seamless cell is rendered and libvips repeats it, much cheaper than rasterising
 * an SVG as large as a 12-megapixel photo; a small image gets one SVG of its own size.
 */
function overlay(lines: string[], width: number, height: number): OverlayOptions {
  const rad = (Math.abs(TEXT_ANGLE_DEG) * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const lengthEm = Math.max(...lines.map(emWidth));
  const thickEm = lines.length * LINE_SPACING;
  const gapEm = 2;
  // Horizontal neighbours are apart across the text by cellW*sin >= thickness; the diagonal
  // neighbour (cellW/2, -cellH/2) is apart across the text by at least thickness plus the gap.
  const cellWEm = lengthEm * cos;
  const cellHEm = (2 * (thickEm + gapEm)) / cos + lengthEm * sin;
  // The bounding box of one rotated block, which must fit in the image at least once.
  const blockWEm = lengthEm * cos + thickEm * sin + 1;
  const blockHEm = lengthEm * sin + thickEm * cos + 1;

  let size = Math.min(MAX_FONT_PX, Math.max(MIN_READABLE_PX, Math.min(width, height) / 40));
  size = Math.max(MIN_FONT_PX, Math.min(size, width / blockWEm, height / blockHEm));
  const cellW = Math.round(cellWEm * size);
  const cellH = Math.round(cellHEm * size);
  const tile = cellW <= width && cellH <= height;
  const [svgW, svgH] = tile ? [cellW, cellH] : [width, height];

  const texts = lines
    .map((line, i) => {
      const y = (i - (lines.length - 1) / 2) * LINE_SPACING * size + 0.35 * size;
      return `<text x="0" y="${y.toFixed(1)}">${escapeXml(line)}</text>`;
    })
    .join('');
  const uses: string[] = [];
  const reachX = Math.ceil(svgW / cellW) + 1;
  const reachY = Math.ceil(svgH / cellH) + 1;
  for (let i = -2 * reachX; i <= 2 * reachX; i++) {
    for (let j = -2 * reachY; j <= 2 * reachY; j++) {
      if ((i + j) % 2 !== 0) continue;
      const x = svgW / 2 + (i * cellW) / 2;
      const y = svgH / 2 + (j * cellH) / 2;
      // Only blocks that can reach into the picture.
      if (Math.abs(x - svgW / 2) > svgW / 2 + blockWEm * size || Math.abs(y - svgH / 2) > svgH / 2 + blockHEm * size) continue;
      uses.push(`<use href="#b" xlink:href="#b" transform="translate(${x.toFixed(1)} ${y.toFixed(1)}) rotate(${TEXT_ANGLE_DEG})"/>`);
    }
  }
  // Dark fill over a light outline: legible on both light and dark pictures.
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${svgW}" height="${svgH}">` +
    `<defs><g id="b" font-family="${FONT_FAMILY}" font-size="${size.toFixed(1)}" text-anchor="middle" ` +
    `fill="#000" fill-opacity="${FILL_OPACITY}" stroke="#fff" stroke-opacity="${FILL_OPACITY}" ` +
    `stroke-width="${(size / 14).toFixed(2)}" paint-order="stroke">${texts}</g></defs>${uses.join('')}</svg>`;
  return { input: Buffer.from(svg), tile, gravity: 'centre' };
}

function xmpPacket(id: string): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
    `xmlns:gatehouse="urn:gatehouse:watermark:1" gatehouse:DownloadId="${id}">` +
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Gatehouse Download ${id}</rdf:li></rdf:Alt></dc:description>` +
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}
