/*
 * U1 of docs/quality.md: a 1 GB upload through the API (POST /api/rooms/:id/documents, multipart, to a
 * real server process on SQLite and the local object store) against the baseline of writing the same
 * number of bytes straight to the same kind of store (LocalDiskStore.put, same filesystem) in this
 * process. Reports the server's RSS growth during the upload (sampled from /proc every 50 ms) and the
 * throughput ratio. BENCH_U1_BYTES overrides the size. Runs alone with `npm run bench -- upload`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { LocalDiskStore } from '../storage/local-disk-store.js';
import { TINY_PNG } from '../test/support/fixtures.js';
import { ADMIN } from '../test/support/test-app.js';
import { buildDeal, PASSWORD } from '../test/support/world.js';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'upload';

const BYTES = Number(process.env.BENCH_U1_BYTES ?? 1024 * 1024 * 1024);
const CHUNK = 1024 * 1024;
const MB = 1024 * 1024;

/** `total` bytes starting with a PNG signature (what the upload sniffs), chunk by chunk, never held whole. */
function generated(total: number): Readable {
  const block = randomBytes(CHUNK);
  let sent = 0;
  let counter = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(CHUNK, total - sent);
      const chunk = Buffer.allocUnsafe(size);
      block.copy(chunk, 0, 0, size);
      if (sent === 0) TINY_PNG.copy(chunk, 0, 0, Math.min(TINY_PNG.length, size));
      else chunk.writeUInt32BE(counter++, 0);
      sent += size;
      this.push(chunk);
    },
  });
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function uploadThroughApi(base: string, roomPath: string, token: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const boundary = `----gatehouse-bench-${randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data-room-export.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${roomPath}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + BYTES + tail.length) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write(head);
    const file = generated(BYTES);
    file.pipe(req, { end: false });
    file.on('end', () => req.end(tail));
  });
}

export async function run(): Promise<BenchFigure[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-u1-'));
  try {
    // Baseline: the same bytes straight into the store.
    const direct = new LocalDiskStore(path.join(work, 'direct'));
    await direct.init();
    let t = performance.now();
    await direct.put('versions/baseline', generated(BYTES));
    const directSeconds = (performance.now() - t) / 1000;
    await direct.delete('versions/baseline');

    const server = await startServerProcess({ MAX_UPLOAD_BYTES: String(BYTES + MB), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' }, { dataDir: path.join(work, 'server') });
    try {
      const deal = await buildDeal({ app: server.base });
      const token = (await deal.manager.post('/api/auth/tokens', { name: 'u1', currentPassword: PASSWORD })).body.token as string;
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // let start-up garbage settle
      const pid = server.child.pid!;
      const before = rssOf(pid);
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
      t = performance.now();
      const res = await uploadThroughApi(server.base, deal.roomPath, token, {
        folderId: deal.folders.finance.id,
        entityId: deal.entities.gmbh.id,
        classification: 'standard',
        personalData: 'none',
      });
      const apiSeconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.body.slice(0, 300)}`);
      const growth = peak - before;
      const directRate = BYTES / MB / directSeconds;
      const apiRate = BYTES / MB / apiSeconds;
      const ratio = apiRate / directRate;
      return [
        {
          id: 'U1',
          what: `upload of ${(BYTES / MB).toFixed(0)} MiB through the API: server RSS growth`,
          figure: `${(growth / MB).toFixed(1)} MB (RSS ${(before / MB).toFixed(0)} → peak ${(peak / MB).toFixed(0)} MB)`,
          baseline: `RSS before the upload ${(before / MB).toFixed(0)} MB`,
          ratio: growth / MB,
          ratioText: `${(growth / MB).toFixed(1)} MB growth`,
          target: 'RSS growth < 100 MB',
          met: growth < 100 * MB,
        },
        {
          id: 'U1',
          what: `upload of ${(BYTES / MB).toFixed(0)} MiB through the API: throughput`,
          figure: `${apiRate.toFixed(0)} MiB/s (${apiSeconds.toFixed(1)} s)`,
          baseline: `LocalDiskStore.put of the same bytes ${directRate.toFixed(0)} MiB/s (${directSeconds.toFixed(1)} s)`,
          ratio,
          ratioText: `${(ratio * 100).toFixed(0)}% of the direct write`,
          target: '≥ 50% of the direct write',
          met: ratio >= 0.5,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
