import sharp, { type Metadata, type Sharp } from 'sharp';
import { UnstampableError } from './errors.js';
import { stampLines, type StampFields } from './stamp-fields.js';
import { returnScratch } from './scratch-buffers.js';
import { renderStampLattice, stampMasks, stampTile } from './stamp-image-lattice.js';

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

const OPACITY = 0.3;
/**
 * Above this, a JPEG is stamped by composite instead of full-size masks: two bytes a pixel held
 * while it is encoded (50 MB at this size) is the price of the fast path.
 */
const MAX_MASKED_PIXELS = 25_000_000;

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
  const lattice = await renderStampLattice(lines.diagonal, width, height);
  const scratch: Buffer[] = [lattice.letters, lattice.outline];
  try {
    // Bake the EXIF orientation into the pixels: the stamp must be upright as the image is seen,
    // and the rewritten EXIF below no longer carries the orientation tag.
    let pipeline: Sharp = sharp(image, options).rotate();
    if (out.format === 'jpeg' && width * height <= MAX_MASKED_PIXELS) {
      // A JPEG has no alpha of its own and its encoder flattens one against black: the letters
      // darken through a joined alpha channel, the outline lightens through an OR.
      const { alpha, lift } = stampMasks(lattice, width, height, OPACITY);
      scratch.push(alpha, lift);
      const raw = { width, height, channels: 1 as const };
      pipeline = pipeline.joinChannel(alpha, { raw }).boolean(lift, 'or', { raw });
      // sharp labels the joined image with the output colour space: grey plus alpha must stay grey
      // for the encoder to see an alpha channel (as sRGB it drops the second band unflattened).
      if (meta.space === 'b-w') pipeline = pipeline.toColourspace('b-w');
    } else {
      const tile = stampTile(lattice, width, height, OPACITY);
      pipeline = pipeline.composite([
        { input: tile.data, raw: { width: tile.width, height: tile.height, channels: 4 }, tile: true, gravity: 'northwest' },
      ]);
    }
    pipeline = pipeline.keepIccProfile().withXmp(xmpPacket(id));
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
  } finally {
    returnScratch(...scratch);
  }
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
