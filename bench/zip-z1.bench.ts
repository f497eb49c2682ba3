/*
 * Z1 of docs/quality.md: a folder of 1 GB as a ZIP of stamped files (GET /api/rooms/:id/download.zip
 * from a real server process on SQLite and the local object store, as a bidder). Reports when the
 * first byte of the ZIP arrives, the server's RSS growth while it streams (sampled from /proc every
 * 50 ms), and its throughput against the baseline measured in the same run: the same bidder
 * downloading the same documents one by one, each stamped (GET /api/documents/:id/content).
 * The folder is one scan-like PDF of about 16 MB uploaded as many times as 1 GiB takes (each upload
 * is its own stored file and rendition). BENCH_Z1_BYTES overrides the folder's size. Runs alone
 * with `npm run bench -- zip`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN } from '../test/support/test-app.js';
import { buildDeal, PASSWORD } from '../test/support/world.js';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import { imagePdf } from './stamping-inputs.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'zip';

const MB = 1024 * 1024;
const BYTES = Number(process.env.BENCH_Z1_BYTES ?? 1024 * MB);
const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

interface Fetched {
  status: number;
  /** From the request to the first byte of the body. */
  firstByteMs: number;
  totalMs: number;
  bytes: number;
  /** The last bytes received: a complete ZIP ends with its end-of-central-directory record. */
  tail: Buffer;
}

/** GETs `url`, reading the body as it comes and keeping only its size and its last bytes. */
function fetchStreaming(url: string, token: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      let firstByteMs = -1;
      let bytes = 0;
      let tail = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
        bytes += chunk.length;
        tail = Buffer.concat([tail, chunk]).subarray(-64 * 1024);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, firstByteMs, totalMs: performance.now() - started, bytes, tail }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function run(): Promise<BenchFigure[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-z1-'));
  const server = await startServerProcess({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' }, { dataDir: path.join(work, 'server') });
  try {
    const deal = await buildDeal({ app: server.base });
    const folder = (await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Scans' })).body as { id: string };
    await deal.grant({ partyId: deal.parties.A.id, folderId: folder.id });
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });

    const pdf = await imagePdf(16 * MB);
    const count = Math.max(1, Math.ceil(BYTES / pdf.length));
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: pdf, name: `scan-${String(i + 1).padStart(3, '0')}.pdf` }, {
        folderId: folder.id,
        entityId: deal.entities.gmbh.id,
        classification: 'standard',
        personalData: 'none',
      });
      if (res.status !== 201) throw new Error(`upload ${i + 1} answered ${res.status}: ${JSON.stringify(res.body)}`);
      ids.push(res.body.id as string);
    }
    const folderBytes = count * pdf.length;
    const buyer = await deal.login('buyerA');
    const token = (await buyer.post('/api/auth/tokens', { name: 'z1', currentPassword: PASSWORD })).body.token as string;

    // Baseline: the same documents, one stamped download after another.
    let oneByOneBytes = 0;
    let firstDocumentMs = 0;
    let t = performance.now();
    for (const [i, id] of ids.entries()) {
      const res = await fetchStreaming(`${server.base}/api/documents/${id}/content`, token);
      if (res.status !== 200) throw new Error(`document download answered ${res.status}`);
      if (i === 0) firstDocumentMs = res.firstByteMs;
      oneByOneBytes += res.bytes;
    }
    const oneByOneSeconds = (performance.now() - t) / 1000;

    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let the baseline's garbage settle
    const pid = server.child.pid!;
    const before = rssOf(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
    const load = os.loadavg();
    t = performance.now();
    const zip = await fetchStreaming(`${server.base}${deal.roomPath}/download.zip?folderId=${folder.id}`, token);
    const zipSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    if (zip.status !== 200) throw new Error(`the ZIP answered ${zip.status}`);
    if (zip.tail.lastIndexOf(END_OF_CENTRAL_DIRECTORY) < 0) throw new Error('the ZIP did not end with its central directory');
    const growth = peak - before;
    const zipRate = zip.bytes / MB / zipSeconds;
    const oneByOneRate = oneByOneBytes / MB / oneByOneSeconds;
    const details = { documents: count, folderBytes, zipBytes: zip.bytes, loadAverage: load.map((l) => Number(l.toFixed(2))), cpus: os.cpus().length };
    return [
      {
        id: 'Z1',
        what: `a folder of ${(folderBytes / MB).toFixed(0)} MiB (${count} PDFs) as a ZIP of stamped files: first byte`,
        figure: `${zip.firstByteMs.toFixed(0)} ms to the first byte (whole ZIP ${zipSeconds.toFixed(1)} s)`,
        baseline: `first byte of one stamped document ${firstDocumentMs.toFixed(0)} ms`,
        ratio: zip.firstByteMs / Math.max(firstDocumentMs, 1),
        ratioText: `${(zip.firstByteMs / Math.max(firstDocumentMs, 1)).toFixed(1)}× one document's`,
        target: 'first byte < 1 s',
        met: zip.firstByteMs < 1_000,
        details,
      },
      {
        id: 'Z1',
        what: `a folder of ${(folderBytes / MB).toFixed(0)} MiB as a ZIP of stamped files: server RSS growth`,
        figure: `${(growth / MB).toFixed(1)} MB (RSS ${(before / MB).toFixed(0)} → peak ${(peak / MB).toFixed(0)} MB)`,
        baseline: `RSS before the ZIP ${(before / MB).toFixed(0)} MB`,
        ratio: growth / MB,
        ratioText: `${(growth / MB).toFixed(1)} MB growth`,
        target: 'RSS growth < 100 MB',
        met: growth < 100 * MB,
        details,
      },
      {
        id: 'Z1',
        what: `a folder of ${(folderBytes / MB).toFixed(0)} MiB as a ZIP of stamped files: throughput`,
        figure: `${zipRate.toFixed(0)} MiB/s (${zipSeconds.toFixed(1)} s)`,
        baseline: `the same documents downloaded one by one, stamped: ${oneByOneRate.toFixed(0)} MiB/s (${oneByOneSeconds.toFixed(1)} s)`,
        ratio: zipRate / oneByOneRate,
        ratioText: `${((zipRate / oneByOneRate) * 100).toFixed(0)}% of one by one`,
        target: 'none set (for comparison)',
        details,
      },
    ];
  } finally {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
