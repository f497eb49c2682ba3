import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import sharp, { type Sharp } from 'sharp';
import { pdfOfPages } from './scanned-pdf.js';

/*
 * Pictures of stamped pages, as a leak by photo or screenshot makes them (issue 25): a page of a
 * stamped delivery rendered by poppler's pdftoppm (an image delivery as it was delivered), cut to a
 * quarter of the page and degraded the way a phone or a chat app degrades it. Everything is made with
 * sharp and the code below (ImageMagick is not needed: sharp has no perspective transform, so the
 * warp is a homography sampled here), and everything is seeded by the picture's name: the same
 * corpus on every run and every machine with the same libvips.
 *
 * The parameters are the bar of the issue, at the hard end of each:
 * - render: 200 dpi, so the 50% scale leaves 100 dpi — a page shown at 100% zoom on a laptop screen;
 * - crop: a quarter of the page (half its width by half its height), at each corner and off centre;
 * - rotate: 1° to 5°, either way, over white (the photo's background);
 * - perspective: each corner pulled in by up to 6% of the side, as a page photographed at an angle;
 * - scale: 50% (lanczos3, as sharp and most chat apps resize);
 * - blur: gaussian, sigma 1 pixel (at the size the blur is applied: in "photo", after the scale);
 * - JPEG at quality 40 (4:2:0 chroma, as phones and chat apps send);
 * - moiré: two gratings of about 3 pixels' period, 4° apart, beating into coloured bands of about
 *   40 pixels, up to ±24 levels, plus sensor noise (sigma 5 levels).
 * "photo" applies all of them in a photo's order: warp, rotate, scale, blur, moiré, JPEG.
 */

export const RENDER_DPI = 200;

export type Quarter = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' | 'off-centre';
export const QUARTERS: Quarter[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right', 'off-centre'];

export type Degradation = 'crop' | 'rotate' | 'perspective' | 'scale' | 'blur' | 'jpeg' | 'moire' | 'photo';
export const DEGRADATIONS: Degradation[] = ['crop', 'rotate', 'perspective', 'scale', 'blur', 'jpeg', 'moire', 'photo'];

/** What each degradation does, for the table a corpus run prints. */
export const DEGRADATION_LABELS: Record<Degradation, string> = {
  crop: 'quarter only',
  rotate: 'rotated 1–5°',
  perspective: 'perspective warp ≤6%',
  scale: 'scaled to 50%',
  blur: 'blurred σ1',
  jpeg: 'JPEG q40',
  moire: 'moiré + noise',
  photo: 'all of them (photo)',
};

export interface Picture {
  data: Buffer;
  mimeType: 'image/jpeg' | 'image/png';
}

/** mulberry32: a small seeded generator, good enough to place noise and pick angles. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (random: () => number, lo: number, hi: number) => lo + (hi - lo) * random();

/** One page of a PDF as poppler draws it, a PNG at `dpi`. */
export function renderPdfPage(pdf: Buffer, page: number, dpi = RENDER_DPI): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-picture-'));
  try {
    const file = path.join(dir, 'in.pdf');
    fs.writeFileSync(file, pdf);
    return execFileSync('pdftoppm', ['-r', String(dpi), '-png', '-f', String(page), '-l', String(page), '-singlefile', file], { maxBuffer: 256 * 1024 * 1024 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

/** Decoded to 8-bit RGB, EXIF orientation applied: every step below works on these pixels. */
async function rawOf(image: Buffer | Sharp): Promise<Raw> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image).rotate() : image;
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const fromRaw = (r: Raw) => sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } });

/** The rectangle of a quarter of the page: half the width by half the height. */
export function quarterRect(quarter: Quarter, width: number, height: number) {
  const w = Math.floor(width / 2);
  const h = Math.floor(height / 2);
  const at: Record<Quarter, [number, number]> = {
    'top-left': [0, 0],
    'top-right': [width - w, 0],
    'bottom-left': [0, height - h],
    'bottom-right': [width - w, height - h],
    // Not on any grid the stamp might be laid out on: 30% in from the left, 35% down.
    'off-centre': [Math.round(width * 0.3), Math.round(height * 0.35)],
  };
  const [left, top] = at[quarter];
  return { left, top, width: w, height: h };
}

/**
 * The homography taking the unit square's corners (0,0), (1,0), (1,1), (0,1) to the four points
 * given: the classic closed form (Heckbert 1989), no linear solver needed.
 */
function squareToQuad(q: Array<[number, number]>): number[] {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = q;
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / den;
  const h = (dx1 * sy - sx * dy1) / den;
  return [x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1];
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

const multiply3 = (m: number[], n: number[]) =>
  [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => m[r * 3] * n[c] + m[r * 3 + 1] * n[3 + c] + m[r * 3 + 2] * n[6 + c]));

/**
 * The picture as if photographed at an angle: its corners moved inward by up to `pull` of each side
 * (the far edge shorter than the near one), on white. Sampled bilinearly from the source.
 */
function perspectiveWarp(src: Raw, random: () => number, pull = 0.06): Raw {
  const { width: w, height: h } = src;
  const jitter = (side: number) => between(random, 0.3, 1) * pull * side;
  const quad: Array<[number, number]> = [
    [jitter(w), jitter(h)],
    [w - jitter(w), jitter(h)],
    [w - jitter(w), h - jitter(h)],
    [jitter(w), h - jitter(h)],
  ];
  // Output pixel → unit square → source pixel: the inverse of (square → quad), then scale to the source.
  const toSource = multiply3([w, 0, 0, 0, h, 0, 0, 0, 1], invert3(squareToQuad(quad)));
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = toSource;
  const data = src.data;
  const out = Buffer.alloc(w * h * 3, 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const z = m6 * x + m7 * y + m8;
      const sx = (m0 * x + m1 * y + m2) / z;
      const sy = (m3 * x + m4 * y + m5) / z;
      if (sx < 0 || sy < 0 || sx > w - 1 || sy > h - 1) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const dx = x0 < w - 1 ? 3 : 0;
      const dy = y0 < h - 1 ? w * 3 : 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const i = (y0 * w + x0) * 3;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[i + c] * (1 - fx) + data[i + dx + c] * fx;
        const bottom = data[i + dy + c] * (1 - fx) + data[i + dy + dx + c] * fx;
        out[o + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { data: out, width: w, height: h };
}

/** Box–Muller from the seeded generator. */
const gaussian = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** `n` standard normal samples, two per Box–Muller draw. */
function gaussians(random: () => number, n: number): Float32Array {
  const out = new Float32Array(n + 1);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/**
 * Moiré as a camera sees a screen: two fine gratings (period about 3 px) a few degrees apart, whose
 * product beats into broad bands; a phase per colour channel makes the bands coloured, as a sensor's
 * Bayer mosaic does. Then sensor noise.
 */
function moire(src: Raw, random: () => number, amplitude = 24, noise = 5): Raw {
  const { width: w, height: h } = src;
  const theta = between(random, 0, Math.PI);
  const delta = (4 * Math.PI) / 180;
  const period = between(random, 2.8, 3.4);
  const k = (2 * Math.PI) / period;
  const [c1, s1, c2, s2] = [Math.cos(theta), Math.sin(theta), Math.cos(theta + delta), Math.sin(theta + delta)];
  const phases = [0, 2.1, 4.2].map((p) => p + between(random, 0, 1));
  const grain = gaussians(random, src.data.length);
  const out = Buffer.alloc(src.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = k * (x * c1 + y * s1);
      const beat = amplitude * Math.cos(k * (x * c2 + y * s2));
      for (let c = 0; c < 3; c++) {
        const i = (y * w + x) * 3 + c;
        const v = src.data[i] + beat * Math.cos(a + phases[c]) + noise * grain[i];
        out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return { data: out, width: w, height: h };
}

const rotateBy = async (r: Raw, random: () => number) => {
  const angle = between(random, 1, 5) * (random() < 0.5 ? -1 : 1);
  return rawOf(fromRaw(r).rotate(angle, { background: '#ffffff' }));
};
const scaleHalf = (r: Raw) => rawOf(fromRaw(r).resize({ width: Math.round(r.width / 2), height: Math.round(r.height / 2), fit: 'fill' }));
const blurred = (r: Raw) => rawOf(fromRaw(r).blur(1));

const asPng = async (r: Raw): Promise<Picture> => ({ data: await fromRaw(r).png().toBuffer(), mimeType: 'image/png' });
const asJpeg = async (r: Raw): Promise<Picture> => ({ data: await fromRaw(r).jpeg({ quality: 40, chromaSubsampling: '4:2:0' }).toBuffer(), mimeType: 'image/jpeg' });

/**
 * The quarter of `page` (a rendered page or a delivered image) degraded one way, or every way
 * ("photo"). Seeded by `seed`: the same arguments give the same bytes.
 */
export async function degradedQuarter(page: Buffer, quarter: Quarter, degradation: Degradation, seed: string): Promise<Picture> {
  const random = seededRandom(`${seed}/${quarter}/${degradation}`);
  const meta = await sharp(page).rotate().metadata();
  const whole = { width: meta.autoOrient?.width ?? meta.width!, height: meta.autoOrient?.height ?? meta.height! };
  let r = await rawOf(sharp(page).rotate().extract(quarterRect(quarter, whole.width, whole.height)));
  switch (degradation) {
    case 'crop':
      return asPng(r);
    case 'rotate':
      return asPng(await rotateBy(r, random));
    case 'perspective':
      return asPng(perspectiveWarp(r, random));
    case 'scale':
      return asPng(await scaleHalf(r));
    case 'blur':
      return asPng(await blurred(r));
    case 'jpeg':
      return asJpeg(r);
    case 'moire':
      return asPng(moire(r, random));
    case 'photo':
      r = perspectiveWarp(r, random);
      r = await rotateBy(r, random);
      r = await scaleHalf(r);
      r = await blurred(r);
      return asJpeg(moire(r, random));
  }
}

/*
 * The documents pictured: what a data room holds. A PDF of three kinds of page (typeset text, a
 * scan, a landscape table), a photograph (JPEG) and a screenshot (PNG).
 */

const PROSE = [
  'Falcon GmbH — management accounts for the twelve months to 30 September.',
  'Revenue grew 14% on the prior year, led by the industrial segment; gross margin held at 41%.',
  'Working capital rose with inventory built ahead of the winter season (see note 7).',
  'The revolving credit facility of EUR 40m was undrawn at the balance sheet date.',
  'Capital expenditure of EUR 6.2m was spent on the second line at the Bremen plant.',
  'Headcount: 412 full-time equivalents, of whom 58 in sales and 31 in research.',
  'Related-party transactions are listed in schedule 4 and were at arm’s length.',
  'The auditors’ report for the prior year was unqualified; this year’s is due in March.',
];

export const PDF_PAGES = ['text', 'scan', 'landscape'] as const;
export type PdfPageKind = (typeof PDF_PAGES)[number];

/** The three-page PDF: text (A4 portrait), a scan of text (an image, no text layer), a table (A4 landscape). */
export async function corpusPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);

  const text = doc.addPage([595, 842]);
  text.drawText('Management accounts — FY2026', { x: 56, y: 780, size: 16, font: bold });
  for (let i = 0; i < 40; i++) text.drawText(PROSE[i % PROSE.length], { x: 56, y: 750 - i * 17, size: 10, font });

  const scanned = await PDFDocument.load(await pdfOfPages([{ kind: 'scan', lines: Array.from({ length: 48 }, (_, i) => PROSE[(i * 3) % PROSE.length]) }]));
  const [scanPage] = await doc.copyPages(scanned, [0]);
  doc.addPage(scanPage);

  const table = doc.addPage([842, 595]);
  table.drawText('Schedule 4 — revenue by segment and quarter (EUR thousands)', { x: 40, y: 550, size: 13, font: bold });
  const columns = ['Segment', 'Q1', 'Q2', 'Q3', 'Q4', 'Year', 'Prior year', 'Change'];
  const random = seededRandom('corpus-table');
  for (let row = 0; row < 22; row++) {
    const y = 515 - row * 21;
    if (row % 2 === 1) table.drawRectangle({ x: 36, y: y - 6, width: 770, height: 21, color: rgb(0.93, 0.94, 0.96) });
    columns.forEach((c, col) => {
      const cell = row === 0 ? c : col === 0 ? `Segment ${row}` : String(Math.round(between(random, 100, 99_999)));
      table.drawText(cell, { x: 44 + col * 96, y, size: 10, font: row === 0 ? bold : font });
    });
  }
  return Buffer.from(await doc.save());
}

/** A 3000×2000 photograph-like JPEG (6 megapixels, as a camera or a phone gives): sky, hills, buildings, grain. */
export async function corpusPhoto(): Promise<Buffer> {
  const random = seededRandom('corpus-photo');
  const buildings = Array.from({ length: 14 }, (_, i) => {
    const x = 120 + i * 200 + between(random, -40, 40);
    const h = between(random, 300, 900);
    const shade = Math.round(between(random, 60, 160));
    return `<rect x="${x.toFixed(0)}" y="${(1500 - h).toFixed(0)}" width="${between(random, 120, 180).toFixed(0)}" height="${h.toFixed(0)}" fill="rgb(${shade},${shade + 10},${shade + 25})"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="2000">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5b8cc9"/><stop offset="1" stop-color="#dbe7f3"/></linearGradient></defs>
    <rect width="3000" height="2000" fill="url(#sky)"/>
    <path d="M0 1300 Q 700 1000 1500 1250 T 3000 1150 V 2000 H 0 Z" fill="#4f7a3a"/>
    ${buildings}
    <rect y="1500" width="3000" height="500" fill="#8a8172"/>
    <circle cx="2500" cy="300" r="120" fill="#fff6c8"/>
  </svg>`;
  const grain = Buffer.alloc(3000 * 2000 * 3);
  for (let i = 0; i < grain.length; i++) grain[i] = Math.round(128 + 10 * gaussian(random));
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, raw: { width: 3000, height: 2000, channels: 3 }, blend: 'overlay' }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** A 1920×1080 screenshot-like PNG: a dashboard with a title, a bar chart and lines of text. */
export async function corpusScreenshot(): Promise<Buffer> {
  const random = seededRandom('corpus-screenshot');
  const bars = Array.from({ length: 12 }, (_, i) => {
    const h = between(random, 80, 520);
    return `<rect x="${140 + i * 70}" y="${(900 - h).toFixed(0)}" width="44" height="${h.toFixed(0)}" fill="#2f6db5"/>`;
  }).join('');
  const lines = Array.from({ length: 22 }, (_, i) => `<text x="1100" y="${250 + i * 32}" font-family="DejaVu Sans" font-size="18" fill="#222">${PROSE[i % PROSE.length].slice(0, 62).replace(/&/g, '&amp;')}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080">
    <rect width="1920" height="1080" fill="#f7f8fa"/>
    <rect width="1920" height="72" fill="#1f2937"/>
    <text x="40" y="48" font-family="DejaVu Sans" font-size="28" fill="#ffffff">Falcon — KPI dashboard</text>
    <rect x="100" y="160" width="900" height="780" fill="#ffffff" stroke="#d0d5dd"/>
    ${bars}
    <line x1="120" y1="900" x2="980" y2="900" stroke="#555"/>
    ${lines}
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
