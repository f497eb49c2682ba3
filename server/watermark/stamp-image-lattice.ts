import sharp from 'sharp';
import { stampFonts, type StampFont } from './fonts.js';
import { returnScratch, takeScratch } from './scratch-buffers.js';

/**
 * Where the stamp text lies on an image: one period of a staggered diagonal lattice of text blocks,
 * as two coverage planes (0–255 per pixel) — the dark letters and the light outline around them.
 * The cell is in phase with the image's top-left corner: image pixel (x, y) is cell pixel
 * (x mod width, y mod height), so repeating the cell from the corner draws the whole stamp.
 */
export interface StampLattice {
  width: number;
  height: number;
  /** Scratch buffers: hand them back with returnScratch when the stamp is done. */
  letters: Buffer;
  outline: Buffer;
}

const TEXT_ANGLE_DEG = -30;
/** The families librsvg is asked for, in order; lineWidth measures with the same fonts. */
export const STAMP_FONT_FAMILY = "'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', 'Droid Sans Fallback', sans-serif";
const MIN_FONT_PX = 6;
const MIN_READABLE_PX = 12;
const MAX_FONT_PX = 64;
const LINE_SPACING = 1.3;
const ALIASED_FROM_PX = 40;
/** Blank space between neighbouring blocks, across the text, in ems. */
const GAP_EM = 2;

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Advance width in ems when no installed font has the character: full-width scripts, else Latin's average. */
function guessedAdvance(cp: number): number {
  return /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(String.fromCodePoint(cp)) ? 1 : 0.62;
}

/**
 * A line's width in ems, from the glyphs of the first stamp font that has each character — the
 * order fontconfig follows for STAMP_FONT_FAMILY. Measured rather than guessed: a line in capitals is a
 * fifth wider than an average, and the block's canvas would cut it off.
 */
export function lineWidth(text: string, fonts: StampFont[]): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const font = fonts.find((f) => f.covers(cp));
    w += font ? font.advance(cp) : guessedAdvance(cp);
  }
  return w;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/**
 * Lays the text block out on a lattice with blocks at the corners and the centre of each cell, the
 * cell sized so neighbouring blocks never overlap, one block centred on the picture. The block is
 * rendered once (librsvg, through sharp) and copied to the lattice's two positions per cell here:
 * rendering the cell itself as SVG cost three times as much.
 */
export async function renderStampLattice(lines: string[], width: number, height: number): Promise<StampLattice> {
  const rad = (Math.abs(TEXT_ANGLE_DEG) * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const fonts = await stampFonts();
  const lengthEm = Math.max(...lines.map((line) => lineWidth(line, fonts)));
  const thickEm = lines.length * LINE_SPACING;
  // Horizontal neighbours are apart across the text by cellW*sin >= thickness; the diagonal
  // neighbour (cellW/2, -cellH/2) is apart across the text by at least thickness plus the gap.
  const cellWEm = lengthEm * cos;
  const cellHEm = (2 * (thickEm + GAP_EM)) / cos + lengthEm * sin;
  // The bounding box of one rotated block, which must fit in the image at least once.
  const blockWEm = lengthEm * cos + thickEm * sin + 1;
  const blockHEm = lengthEm * sin + thickEm * cos + 1;

  let size = Math.min(MAX_FONT_PX, Math.max(MIN_READABLE_PX, Math.min(width, height) / 40));
  size = Math.max(MIN_FONT_PX, Math.min(size, width / blockWEm, height / blockHEm));
  const cellW = Math.max(1, Math.round(cellWEm * size));
  const cellH = Math.max(1, Math.round(cellHEm * size));
  const blockW = Math.ceil(blockWEm * size);
  const blockH = Math.ceil(blockHEm * size);

  const texts = lines
    .map((line, i) => {
      const y = (i - (lines.length - 1) / 2) * LINE_SPACING * size + 0.35 * size;
      return `<text x="0" y="${y.toFixed(1)}">${escapeXml(line)}</text>`;
    })
    .join('');
  // Opaque red letters over a green outline on black: the red channel is the letters' coverage and
  // the green one the outline's where the letters leave it visible (paint-order puts it underneath).
  // Aliased (optimizeSpeed) from ALIASED_FROM_PX up: steps of a pixel on translucent letters that
  // large do not show, and it halves the time; smaller letters need their edges smoothed to be read.
  const rendering = size >= ALIASED_FROM_PX ? 'optimizeSpeed' : 'geometricPrecision';
  const bandSvg = (top: number, rows: number) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="${blockW}" height="${rows}" viewBox="0 ${top} ${blockW} ${rows}">` +
    `<rect x="0" y="${top}" width="${blockW}" height="${rows}" fill="#000"/>` +
    `<g transform="translate(${blockW / 2} ${blockH / 2}) rotate(${TEXT_ANGLE_DEG})" font-family="${STAMP_FONT_FAMILY}" ` +
    `font-size="${size.toFixed(1)}" text-anchor="middle" fill="#f00" stroke="#0f0" stroke-width="${(size / 7).toFixed(2)}" ` +
    `paint-order="stroke" text-rendering="${rendering}">${texts}</g></svg>`;
  // librsvg draws on one thread: the block's two halves are drawn at once, and each is laid on the
  // cell as soon as it is ready.
  const bandRows = Math.ceil(blockH / 2);
  const bands = [0, bandRows].filter((top) => top < blockH).map((top) => ({ top, rows: Math.min(bandRows, blockH - top) }));
  const renders = bands.map(({ top, rows }) => sharp(Buffer.from(bandSvg(top, rows))).raw().toBuffer());
  // The other half's failure is reported by its own await below, not as an unhandled rejection.
  for (const render of renders) render.catch(() => undefined);

  const letters = takeScratch(cellW * cellH).fill(0);
  const outline = takeScratch(cellW * cellH).fill(0);
  // The lattice's points are the centre of the picture plus i*(cellW/2, cellH/2) for i + j even:
  // within one cell, that is the centre and the centre moved by half a cell both ways. Each block
  // pixel goes to both places, wrapping around the cell.
  const left = [width / 2 - blockW / 2, width / 2 + cellW / 2 - blockW / 2].map((x) => Math.round(x));
  const top = [height / 2 - blockH / 2, height / 2 + cellH / 2 - blockH / 2].map((y) => Math.round(y));
  const column0 = Int32Array.from({ length: blockW }, (_, x) => mod(left[0] + x, cellW));
  const column1 = Int32Array.from({ length: blockW }, (_, x) => mod(left[1] + x, cellW));
  for (const [b, band] of bands.entries()) {
    const rgba = await renders[b];
    // A pixel per word to skip the black ones quickly (sharp hands out its own, aligned allocation);
    // the top-left pixel is black whatever the byte order.
    const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, blockW * band.rows);
    const black = pixels[0];
    for (let y = band.top, i = 0; y < band.top + band.rows; y++) {
      const row0 = mod(top[0] + y, cellH) * cellW;
      const row1 = mod(top[1] + y, cellH) * cellW;
      for (let x = 0; x < blockW; x++, i++) {
        if (pixels[i] === black) continue;
        const l = rgba[i * 4];
        const o = rgba[i * 4 + 1];
        // Blocks overlap only where both are blank, but their bounding boxes do: keep the max.
        const k0 = row0 + column0[x];
        const k1 = row1 + column1[x];
        if (l > letters[k0]) letters[k0] = l;
        if (o > outline[k0]) outline[k0] = o;
        if (l > letters[k1]) letters[k1] = l;
        if (o > outline[k1]) outline[k1] = o;
      }
    }
  }
  return { width: cellW, height: cellH, letters, outline };
}

/** Fills width x height with the cell repeated from the top-left corner: a row, then whole rows, doubling. */
function repeatPlane(cell: Uint8Array, cellW: number, cellH: number, width: number, height: number): Buffer {
  const out = takeScratch(width * height);
  const rows = Math.min(cellH, height);
  const first = Math.min(cellW, width);
  for (let y = 0; y < rows; y++) {
    const start = y * width;
    out.set(cell.subarray(y * cellW, y * cellW + first), start);
    for (let filled = first; filled < width; ) {
      const n = Math.min(filled, width - filled);
      out.copyWithin(start + filled, start, start + n);
      filled += n;
    }
  }
  // Each copy starts on a multiple of the cell's height, so row r stays cell row r mod cellH.
  for (let filled = rows; filled < height; ) {
    const n = Math.min(filled, height - filled);
    out.copyWithin(filled * width, 0, n * width);
    filled += n;
  }
  return out;
}

/**
 * The stamp as two full-size single-band masks for an image without alpha: `alpha`, joined to the
 * picture as its alpha channel, which the JPEG encoder flattens against black — dark letters at
 * `opacity`; and `lift`, ORed into every channel — low bits set, so the outline lightens dark
 * pixels (by up to 63 levels, fewer bits where the outline only partly covers a pixel) and the
 * letters stay legible on a dark photo. Both are per-pixel integer operations for libvips, where an
 * alpha composite costs a floating-point blend of every pixel of every strip the text crosses.
 * The masks come from the scratch buffers: hand them back with returnScratch once encoded.
 */
export function stampMasks(lattice: StampLattice, width: number, height: number, opacity: number): { alpha: Buffer; lift: Buffer } {
  const alphaOf = new Uint8Array(256);
  const liftOf = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    alphaOf[v] = 255 - Math.round(opacity * v);
    liftOf[v] = (1 << Math.round((6 * v) / 255)) - 1;
  }
  const { letters, outline } = lattice;
  const cellAlpha = takeScratch(letters.length).fill(255);
  const cellLift = takeScratch(outline.length).fill(0);
  // Most of the cell is blank: test four pixels of both planes at a time (w === words maps the
  // pixels past the last whole word, always).
  const words = letters.length >>> 2;
  const letterWords = new Uint32Array(letters.buffer, letters.byteOffset, words);
  const outlineWords = new Uint32Array(outline.buffer, outline.byteOffset, words);
  for (let w = 0; w <= words; w++) {
    if (w < words && (letterWords[w] | outlineWords[w]) === 0) continue;
    for (let k = w * 4, end = Math.min(k + 4, letters.length); k < end; k++) {
      cellAlpha[k] = alphaOf[letters[k]];
      cellLift[k] = liftOf[outline[k]];
    }
  }
  const masks = {
    alpha: repeatPlane(cellAlpha, lattice.width, lattice.height, width, height),
    lift: repeatPlane(cellLift, lattice.width, lattice.height, width, height),
  };
  returnScratch(cellAlpha, cellLift);
  return masks;
}

/**
 * The stamp as an RGBA tile for sharp's composite (PNG, WebP and TIFF, whose encoders keep an alpha
 * channel instead of flattening it, and JPEGs too large for full-size masks): black letters and a
 * white outline at `opacity`, the cell cropped to the image when it is larger, repeated from the
 * top-left corner.
 */
export function stampTile(lattice: StampLattice, width: number, height: number, opacity: number): { data: Buffer; width: number; height: number } {
  const w = Math.min(lattice.width, width);
  const h = Math.min(lattice.height, height);
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const k = y * lattice.width + x;
      const l = lattice.letters[k];
      const o = lattice.outline[k];
      if ((l | o) === 0) continue;
      const i = (y * w + x) * 4;
      const grey = Math.round((255 * o) / (l + o));
      data[i] = data[i + 1] = data[i + 2] = grey;
      data[i + 3] = Math.round(opacity * Math.min(255, l + o));
    }
  }
  return { data, width: w, height: h };
}
