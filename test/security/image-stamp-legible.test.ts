import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';

// database-independent: left out of `npm run test:postgres` (package.json), since what this checks —
// the pixels of stamped images, read back by tesseract — is the same on either database; the API suites run there.

/*
 * docs/access-rule.md (Delivery and stamping): images get the same stamp text as PDF pages, tiled. The EXIF and XMP copies of the
 * download id are gone after one screenshot; what a leak investigator relies on is the text a person
 * (or OCR) can read off the pixels. So these tests read the delivered picture with Debian's
 * tesseract, as an investigator would, after undoing the stamp's 30° tilt.
 */

/** The stamp is drawn at -30°; an OCR engine reads horizontal lines. */
const STAMP_TILT_DEG = 30;
/** OCR misreads a character or two of a 12-character id in a semi-transparent stamp: allowed. */
const MAX_EDITS = 2;

let t: TestApp;
let deal: Deal;
let bidder: Client;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ocr-'));

beforeAll(async () => {
  // No silent skip: a machine without tesseract fails here, naming what to install (.ci/run does).
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('tesseract is not installed: apt-get install -y tesseract-ocr');
  }
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'download' });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  bidder = await deal.login('buyerB');
}, 60_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/**
 * Pictures as a data room holds them: a chart on a tinted background and a scanned page with
 * rules, not a blank canvas (where any contrast reads).
 */
function chartSvg(width: number, height: number): Buffer {
  const bars = Array.from({ length: 8 }, (_, i) => {
    const h = Math.round(height * (0.2 + 0.08 * i));
    return `<rect x="${80 + i * 170}" y="${height - 60 - h}" width="110" height="${h}" fill="hsl(${200 + i * 12},45%,${78 - i * 2}%)"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f4f7fb"/><stop offset="1" stop-color="#dfe7f1"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/>${bars}</svg>`,
  );
}
function scannedPageSvg(width: number, height: number): Buffer {
  const rules = Array.from({ length: Math.floor(height / 48) }, (_, i) => `<line x1="60" x2="${width - 60}" y1="${40 + i * 48}" y2="${40 + i * 48}" stroke="#c9c3b5" stroke-width="2"/>`).join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f3efe4"/>${rules}</svg>`);
}

async function uploadImage(data: Buffer, name: string): Promise<string> {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data, name }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
  if (res.status !== 201) throw new Error(`upload of ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/**
 * What tesseract reads off the picture: flattened and rotated upright, with the picture's own
 * dominant colour filling the corners the rotation opens (white corners on a tinted picture make
 * tesseract's binarisation drop the whole background, letters included).
 */
async function ocr(image: Buffer, name: string): Promise<string> {
  const { dominant } = await sharp(image).stats();
  const upright = await sharp(image).flatten({ background: dominant }).rotate(STAMP_TILT_DEG, { background: dominant }).greyscale().normalise().png().toBuffer();
  // Read twice, as an investigator would: as delivered, and enlarged 2× (tesseract reads the
  // smallest lines of the tiled stamp, the download id's, more surely once they are taller than
  // its ~20-pixel sweet spot). The stamp is legible if either reading shows it.
  const { width } = await sharp(upright).metadata();
  const enlarged = await sharp(upright).resize({ width: width! * 2, kernel: 'lanczos3' }).png().toBuffer();
  return [upright, enlarged]
    .map((picture, i) => {
      const file = path.join(scratch, `${name}-${i}.png`);
      fs.writeFileSync(file, picture);
      return execFileSync('tesseract', [file, '-', '--dpi', '150'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    })
    .join('\n');
}

/** The fewest edits turning `needle` into some substring of `haystack` (Sellers' approximate matching). */
function editsToNearestSubstring(needle: string, haystack: string): number {
  let previous = new Array<number>(haystack.length + 1).fill(0);
  for (let i = 1; i <= needle.length; i++) {
    const current = [i];
    for (let j = 1; j <= haystack.length; j++) {
      const substitution = previous[j - 1] + (needle[i - 1] === haystack[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j] + 1, current[j - 1] + 1));
    }
    previous = current;
  }
  return Math.min(...previous);
}

describe('the visible stamp of a delivered image', () => {
  it('is found by the fuzzy matcher only when it is there', () => {
    // The matcher itself must be able to fail, or the OCR assertions below prove nothing.
    expect(editsToNearestSubstring('FCQV94Q7V8ME', 'x Download FCQV94Q7V8ME y')).toBe(0);
    expect(editsToNearestSubstring('FCQV94Q7V8ME', 'Download FCQV94O7V8NE')).toBe(2);
    expect(editsToNearestSubstring('FCQV94Q7V8ME', 'Download 0123456789AB')).toBeGreaterThan(MAX_EDITS);
  });

  it.each([
    { kind: 'JPEG', name: 'site-plan.jpg', mime: 'image/jpeg', make: () => sharp(scannedPageSvg(1600, 1200)).jpeg({ quality: 85 }).toBuffer() },
    { kind: 'PNG', name: 'revenue-chart.png', mime: 'image/png', make: () => sharp(chartSvg(1600, 1000)).png().toBuffer() },
    // A screenshot-sized picture: the stamp's letters shrink with the picture, down to a floor.
    { kind: 'small PNG', name: 'org-chart-small.png', mime: 'image/png', make: () => sharp(chartSvg(800, 600)).png().toBuffer() },
  ])("shows the bidder's name, email and the download id legibly on a $kind", async ({ kind, name, mime, make }) => {
    const documentId = await uploadImage(await make(), name);
    const res = await bidder.get(`/api/documents/${documentId}/content`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(mime);
    const downloadId = res.headers['x-download-id'] as string;
    expect(downloadId).toMatch(/^[0-9A-HJKMNP-TV-Z]{12}$/);

    const text = (await ocr(res.body as Buffer, kind)).replace(/[ \t]+/g, ' ');
    const report = `OCR of the stamped ${kind} read:\n${text}`;
    expect({ name: editsToNearestSubstring('Bob Beta', text) <= MAX_EDITS, report }).toEqual({ name: true, report });
    expect({ email: editsToNearestSubstring('bob@beta.example', text) <= MAX_EDITS, report }).toEqual({ email: true, report });
    expect({ downloadId: editsToNearestSubstring(downloadId, text) <= MAX_EDITS, report }).toEqual({ downloadId: true, report });
    // The id read off the pixels is this delivery's, not the previous one's: the ledger has it.
    const delivered = await t.db('downloads').where({ id: downloadId, documentId, userId: deal.users.buyerB.id }).first();
    expect(delivered).toBeTruthy();
  }, 120_000);

  it('does not read a stamp into an unstamped picture (the OCR check can fail)', async () => {
    // The stored original, as the manager gets it: the same pipeline must find no id in it.
    const documentId = await uploadImage(await sharp(chartSvg(1600, 1000)).png().toBuffer(), 'plain-chart.png');
    const original = await deal.manager.get(`/api/documents/${documentId}/original`).buffer(true).parse(binary);
    expect(original.status).toBe(200);
    const text = await ocr(original.body as Buffer, 'unstamped');
    expect(editsToNearestSubstring('bob@beta.example', text)).toBeGreaterThan(MAX_EDITS);
    expect(text).not.toMatch(/Download/i);
  }, 120_000);
});
