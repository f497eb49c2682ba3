/*
 * W1–W4 of docs/quality.md: stamped delivery against the plain copy, through the real server.
 *
 * The server runs as a child process (its RSS is what W3 is about), on a fresh SQLite database
 * and local store under a temporary DATA_DIR. The inputs are generated here, at bench time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, ParseSpeeds, StandardFonts, degrees, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { ADMIN, Client } from '../test/support/test-app.js';
import { buildDeal } from '../test/support/world.js';
import { stampImage } from '../server/watermark/stamp-image.js';
import { median, type BenchFigure } from './bench-figure.js';
import { textPdf, imagePdf } from './stamping-inputs.js';
import { preparePdfBytes } from '../server/pdf-intake/prepare-pdf.js';
import { buildStampTail } from '../server/watermark/stamp-pdf.js';

export const name = 'stamping';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// W1–W3 download as a bidder, the party the stamp is for: a member of party A with level original
// (the baseline is that same bidder's /original download), under a confirmed NDA.
const BIDDER = { email: 'anna@alpha.example', password: 'a long enough passphrase' };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Server {
  base: string;
  child: ChildProcess;
  rssKb(): number;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'error', MAX_UPLOAD_BYTES: String(1024 * 1024 * 1024) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300 || child.exitCode !== null) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    child,
    rssKb() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function sessionCookie(base: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BIDDER) });
  if (!r.ok) throw new Error(`login failed: ${r.status}`);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** One GET, the body read and discarded as a client would; resolves with the time and byte count. */
function download(url: string, cookie: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    http
      .get(url, { headers: { cookie } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`GET ${url}: ${res.statusCode}`));
        }
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Alternating stamped and original downloads, so drift in machine load hits both alike. */
async function compare(base: string, cookie: string, docId: string, rounds = ROUNDS) {
  const stamped: number[] = [];
  const original: number[] = [];
  let sizes = { stamped: 0, original: 0 };
  // Warm-up: the first stamped download also reads the index from the store.
  await download(`${base}/api/documents/${docId}/content`, cookie);
  await download(`${base}/api/documents/${docId}/original`, cookie);
  for (let i = 0; i < rounds; i++) {
    const s = await download(`${base}/api/documents/${docId}/content`, cookie);
    const o = await download(`${base}/api/documents/${docId}/original`, cookie);
    stamped.push(s.ms);
    original.push(o.ms);
    sizes = { stamped: s.bytes, original: o.bytes };
  }
  return { stamped: median(stamped), original: median(original), sizes };
}

/** The baseline W1 beats: load the whole file, draw on every page, write it all again. */
async function pdfLibRewrite(pdf: Buffer): Promise<number> {
  const t0 = process.hrtime.bigint();
  // pdf-lib at its fastest: no yielding to the event loop while parsing or writing.
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const page of doc.getPages()) {
    const { width, height } = page.getSize();
    page.drawText('Project Falcon · Jane Doe · Download 7K3M9QX2ZR4D', { x: width * 0.1, y: height * 0.2, size: 24, font, rotate: degrees(45), color: rgb(0.4, 0.4, 0.4), opacity: 0.25 });
  }
  await doc.save({ objectsPerTick: Infinity });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function upload(manager: Client, roomPath: string, folderId: string, entityId: string, data: Buffer, fileName: string): Promise<string> {
  const res = await manager.upload(`${roomPath}/documents`, { data, name: fileName }, { folderId, entityId, classification: 'standard', personalData: 'none' });
  if (res.status !== 201) throw new Error(`upload of ${fileName}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const server = await startServer();
  try {
    const deal = await buildDeal({ app: server.base });
    const folderId = deal.folders.finance.id;
    const entityId = deal.entities.gmbh.id;
    await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'original' });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [entityId] });
    const cookie = await sessionCookie(server.base);

    // W1
    const text = await textPdf(2000);
    const textId = await upload(deal.manager, deal.roomPath, folderId, entityId, text, 'binder-2000-pages.pdf');
    const w1 = await compare(server.base, cookie, textId);
    const rewrites: number[] = [];
    for (let i = 0; i < 3; i++) rewrites.push(await pdfLibRewrite(text));
    const rewrite = median(rewrites);
    // The stamping work alone, without the HTTP request both downloads pay: the tail from the index.
    const { index } = await preparePdfBytes(text);
    const tailFields = { codeName: 'Project Falcon', userName: 'Jane Doe', userEmail: 'jane.doe@alpha-capital.example', orgName: 'Alpha Capital LLP', at: new Date() };
    await buildStampTail(index, { ...tailFields, downloadId: '7K3M9QX2ZR4D' });
    const tails: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await buildStampTail(index, { ...tailFields, downloadId: `7K3M9QX2ZR${String(i).padStart(2, '0')}` });
      tails.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const tailMs = median(tails);
    const w1Ratio = w1.stamped / w1.original;
    const speedup = rewrite / w1.stamped;
    figures.push({
      id: 'W1',
      what: `stamped download of a 2,000-page text PDF (${(text.length / 1e6).toFixed(1)} MB) vs its /original`,
      figure: `median ${ms(w1.stamped)} (${w1.sizes.stamped} bytes)`,
      baseline: `/original median ${ms(w1.original)} (${w1.sizes.original} bytes)`,
      ratio: w1Ratio,
      ratioText: `${w1Ratio.toFixed(2)}× the original; download ${speedup.toFixed(0)}× faster than a pdf-lib rewrite (${ms(rewrite)}); the stamping alone (tail ${ms(tailMs)}) ${(rewrite / tailMs).toFixed(0)}×`,
      target: '≤ 3× and ≥ 50× faster than pdf-lib',
      met: w1Ratio <= 3 && speedup >= 50,
      details: { stampedMs: w1.stamped, originalMs: w1.original, pdfLibRewriteMs: rewrite, speedup, tailBuildMs: tailMs, stampingSpeedup: rewrite / tailMs, tailBytes: w1.sizes.stamped - w1.sizes.original },
    });

    // W2
    const images = await imagePdf(50 * 1024 * 1024);
    const imagesId = await upload(deal.manager, deal.roomPath, folderId, entityId, images, 'scans-50mb.pdf');
    const w2 = await compare(server.base, cookie, imagesId);
    const w2Ratio = w2.stamped / w2.original;
    figures.push({
      id: 'W2',
      what: `stamped download of a ${(images.length / 1e6).toFixed(1)} MB image-heavy PDF vs its /original`,
      figure: `median ${ms(w2.stamped)}`,
      baseline: `/original median ${ms(w2.original)}`,
      ratio: w2Ratio,
      ratioText: `${w2Ratio.toFixed(2)}×`,
      target: '≤ 1.5×',
      met: w2Ratio <= 1.5,
      details: { stampedMs: w2.stamped, originalMs: w2.original, tailBytes: w2.sizes.stamped - w2.sizes.original },
    });

    // W3: the server's resident memory while 20 stamped downloads of the 50 MB file run at once.
    await new Promise((r) => setTimeout(r, 500));
    const before = server.rssKb();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, server.rssKb())), 10);
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => download(`${server.base}/api/documents/${imagesId}/content`, cookie)));
    const elapsed = Date.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, server.rssKb());
    const growthMb = (peak - before) / 1024;
    figures.push({
      id: 'W3',
      what: '20 concurrent stamped downloads of the 50 MB PDF: server peak RSS growth',
      figure: `${growthMb.toFixed(1)} MB growth (peak ${(peak / 1024).toFixed(0)} MB) over ${elapsed} ms, ${results.reduce((s, r) => s + r.bytes, 0)} bytes sent`,
      baseline: `RSS before ${(before / 1024).toFixed(0)} MB`,
      ratio: null,
      ratioText: `${growthMb.toFixed(1)} MB`,
      target: '< 150 MB',
      met: growthMb < 150,
      details: { beforeKb: before, peakKb: peak, elapsedMs: elapsed },
    });
  } finally {
    await server.stop();
  }

  // W4: in-process, the stamping itself against a decode + re-encode of the same JPEG.
  const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 120, b: 160 } } })
    .composite([{ input: await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer(), blend: 'soft-light' }])
    .jpeg({ quality: 88 })
    .toBuffer();
  const fields = { codeName: 'Project Falcon', userName: 'Jane Doe', userEmail: 'jane.doe@alpha-capital.example', orgName: 'Alpha Capital LLP', at: new Date(), downloadId: '7K3M9QX2ZR4D' };
  const stampTimes: number[] = [];
  const plainTimes: number[] = [];
  // "Unchanged" means the same encoder settings as the stamper's output (quality 90, orientation
  // applied, profile kept): only the stamp differs between the two.
  const reencode = () => sharp(photo).rotate().keepIccProfile().jpeg({ quality: 90 }).toBuffer();
  // A server that stamps photos runs warm: compiled loops, scratch buffers of this size at hand.
  for (let i = 0; i < 3; i++) {
    await stampImage(photo, 'image/jpeg', fields);
    await reencode();
  }
  for (let i = 0; i < Math.max(15, ROUNDS); i++) {
    let t = process.hrtime.bigint();
    await stampImage(photo, 'image/jpeg', { ...fields, downloadId: `7K3M9QX2ZR${String(i).padStart(2, '0')}` });
    stampTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await reencode();
    plainTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const w4Ratio = median(stampTimes) / median(plainTimes);
  figures.push({
    id: 'W4',
    what: 'stamping a 4000×3000 JPEG vs decoding and re-encoding it unchanged',
    figure: `median ${ms(median(stampTimes))}`,
    baseline: `decode + re-encode at the same settings, median ${ms(median(plainTimes))}`,
    ratio: w4Ratio,
    ratioText: `${w4Ratio.toFixed(2)}×`,
    target: '≤ 1.5×',
    met: w4Ratio <= 1.5,
  });
  return figures;
}
