/*
 * R8 of docs/quality.md: the archive of a room of 10,000 documents, built while the room is in use.
 * The room is P1's (bench/load-p1.bench.ts seedRoom: 500 folders, party A with 20 grants, the
 * documents clones of one stored PDF). A real server process (server/index.ts, its archive builder
 * running as in production) serves it; an advisor of party A uses the room — folder lists, title
 * searches and document reads, by autocannon with a bearer token — first with no archive building
 * (the baseline), then while counsel's whole-room archive builds. Reported: the in-use requests' p95
 * while building against the baseline's (ratio), errors, the server's RSS growth during the build
 * (sampled from /proc), the archive's size and build time, and whether the archive, downloaded and
 * unzipped, passes its own verify.mjs.
 * Runs alone with `npm run bench -- archive`; BENCH_R8_DOCUMENTS shrinks the room, BENCH_R8_SECONDS
 * the load windows; BENCH_R8_POSTGRES=1 runs it on PostgreSQL too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { startServerProcess, type ServerProcess } from '../test/reliability/support/server-process.js';
import { Client } from '../test/support/test-app.js';
import { PASSWORD } from '../test/support/world.js';
import { measure, openSeedingApp, postgresSchema, seedRoom, type SeededRoom } from './load-p1.bench.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'archive';

const DOCUMENTS = Number(process.env.BENCH_R8_DOCUMENTS ?? 10_000);
const SECONDS = Number(process.env.BENCH_R8_SECONDS ?? 10);
const MB = 1024 * 1024;
const WORDS = ['lease', 'tax', 'board', 'audit', 'loan', 'share', 'pension', 'insurance'];

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** The advisor's use of the room: folder lists, title searches and single documents, in turn. */
function inUsePaths(room: SeededRoom) {
  const granted = new Set(room.grantedFolderIds);
  // Documents the advisor may read: those in the folders party A's grants cover.
  const readable = room.documents.filter((d) => granted.has(d.folderId));
  let n = 0;
  return () => {
    const i = n++;
    switch (i % 3) {
      case 0: return `${room.roomPath}/documents?folderId=${room.grantedFolderIds[i % room.grantedFolderIds.length]}`;
      case 1: return `${room.roomPath}/documents?q=${WORDS[i % WORDS.length]}&limit=100`;
      default: return `/api/documents/${readable[(i * 7) % readable.length]!.id}`;
    }
  };
}

/** Unzips to a folder entry by entry, never holding the archive or an entry whole. */
async function unzipToDisk(zipFile: string, dir: string): Promise<number> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true });
  let entries = 0;
  for await (const entry of zip.eachEntry()) {
    const target = path.resolve(dir, entry.fileName);
    if (!target.startsWith(dir + path.sep)) throw new Error(`entry ${entry.fileName} leaves the folder`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(target));
    entries++;
  }
  zip.close();
  return entries;
}

const runVerify = (dir: string) =>
  new Promise<{ code: number; output: string; ms: number }>((resolve) => {
    const t0 = performance.now();
    execFile(process.execPath, [path.join(dir, 'verify.mjs')], { cwd: dir, maxBuffer: 64 * MB }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}`.slice(0, 2000), ms: performance.now() - t0 }),
    );
  });

async function runOn(label: 'SQLite' | 'PostgreSQL', databaseUrl: string | undefined, drop: () => Promise<void>): Promise<BenchFigure[]> {
  const seeding = await openSeedingApp('gatehouse-bench-r8-', databaseUrl);
  let room: SeededRoom;
  try {
    room = await seedRoom(seeding.db, seeding.base, DOCUMENTS);
    await seeding.db.raw('analyze');
  } finally {
    await seeding.close();
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-r8-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), LOG_LEVEL: 'warn' }, { dataDir: seeding.dataDir });
    const pid = server.child.pid!;
    const counsel = await Client.login(server.base, 'counsel@seller.example', PASSWORD);
    const roomPath = room.roomPath;

    const baseline = await measure(server.base, room.token, inUsePaths(room), { seconds: SECONDS });

    const rssBefore = rssOf(pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(pid))), 50);
    const started = await counsel.post(`${roomPath}/archives`, {});
    if (started.status !== 202) throw new Error(`POST archives answered ${started.status}: ${JSON.stringify(started.body)}`);
    const id = started.body.id as string;
    // The room in use while the archive builds; then the wait for the end of the build.
    const during = await measure(server.base, room.token, inUsePaths(room), { seconds: SECONDS });
    let archive: { status: string; size: number; sha256: string; createdAt: string; completedAt: string };
    for (;;) {
      archive = (await counsel.get(`${roomPath}/archives/${id}`)).body;
      if (archive.status !== 'building') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The server's own times: the poll above may see the end a little late.
    const buildMs = Date.parse(archive.completedAt) - Date.parse(archive.createdAt);
    clearInterval(sampler);
    const builtDuringLoad = archive.status === 'ready' && during.requests > 0;
    if (archive.status !== 'ready') throw new Error(`the archive ended ${archive.status}: ${JSON.stringify(archive)}`);

    const zipFile = path.join(work, 'archive.zip');
    const counselToken = (await counsel.post('/api/auth/tokens', { name: 'r8', currentPassword: PASSWORD })).body.token as string;
    const res = await fetch(`${server.base}${roomPath}/archives/${id}/content`, { headers: { authorization: `Bearer ${counselToken}` } });
    if (res.status !== 200 || !res.body) throw new Error(`content answered ${res.status}`);
    await pipeline(res.body as unknown as NodeJS.ReadableStream, fs.createWriteStream(zipFile));
    const dir = path.join(work, 'unzipped');
    fs.mkdirSync(dir);
    const entries = await unzipToDisk(zipFile, dir);
    const verify = await runVerify(dir);

    const ratio = during.p95 / baseline.p95;
    const growth = rssPeak - rssBefore;
    return [
      {
        id: 'R8',
        what: `the room in use (folder lists, searches, reads) while its archive of ${DOCUMENTS} documents builds, on ${label}`,
        figure: `p95 ${during.p95.toFixed(1)} ms over ${during.requests} requests, ${during.errors} errors`,
        baseline: `the same requests with no archive building: p95 ${baseline.p95.toFixed(1)} ms over ${baseline.requests} requests, ${baseline.errors} errors`,
        ratio,
        ratioText: `${ratio.toFixed(2)}× the baseline`,
        target: 'the room keeps answering: 0 errors',
        met: during.errors === 0 && baseline.errors === 0 && builtDuringLoad,
        details: { seconds: SECONDS },
      },
      {
        id: 'R8',
        what: `the archive of ${DOCUMENTS} documents on ${label}: server RSS growth while it builds`,
        figure: `${(growth / MB).toFixed(1)} MB (RSS ${(rssBefore / MB).toFixed(0)} → peak ${(rssPeak / MB).toFixed(0)} MB)`,
        baseline: `RSS before the build ${(rssBefore / MB).toFixed(0)} MB`,
        ratio: null,
        ratioText: '—',
        target: 'streams: RSS does not grow with the room (< 150 MB)',
        met: growth < 150 * MB,
      },
      {
        id: 'R8',
        what: `the archive of ${DOCUMENTS} documents on ${label}: built, downloaded, unzipped, checked by its own verify.mjs`,
        figure: `${(archive.size / MB).toFixed(1)} MB, ${entries} entries, built in ${(buildMs / 1000).toFixed(1)} s (the room in use for ${SECONDS} s of it); verify.mjs exit ${verify.code} in ${(verify.ms / 1000).toFixed(1)} s`,
        baseline: '—',
        ratio: null,
        ratioText: '—',
        target: 'verify.mjs exits 0',
        met: verify.code === 0,
        details: { verifyOutput: verify.output.split('\n').slice(0, 5) },
      },
    ];
  } finally {
    await server?.stop();
    await drop();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(seeding.dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  const figures = await runOn('SQLite', undefined, async () => undefined);
  if (process.env.BENCH_R8_POSTGRES === '1') {
    const pg = await postgresSchema();
    if (pg) figures.push(...(await runOn('PostgreSQL', pg.url, pg.drop)));
  }
  return figures;
}
