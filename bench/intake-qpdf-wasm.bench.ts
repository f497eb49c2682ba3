/*
 * Issue 17, "nothing but Node.js on the machine": the PDF intake through qpdf's WebAssembly build
 * (in worker threads) against the same intake through native qpdf, measured in the same run.
 *
 * Two server processes run side by side on fresh SQLite databases: one with qpdf on its PATH (native),
 * one whose PATH holds node and nothing else (it falls back to the WebAssembly build; its readiness
 * says so, and the bench checks). The same PDFs are uploaded to each in turn, round after round,
 * and the uploads' times compared: an upload answers once its intake is done (decryption check,
 * qpdf's description of the objects, the page-less base and its index), so its time is the intake's
 * as a person uploading sees it. Each server uploads once before measuring, as a server runs warm.
 * Q4 isolates the engines: qpdf's description of the 2,000-page binder (the --json=2 run that is
 * most of the intake's qpdf time), run in this process through runBounded and runQpdfWasm alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, MINIMAL_ENV, runBounded, type ProcessLimits, type ProcessResult } from '../server/pdf-intake/bounded-process.js';
import { runQpdfWasm } from '../server/pdf-intake/qpdf-wasm.js';
import { ADMIN, type Client } from '../test/support/test-app.js';
import { buildDeal } from '../test/support/world.js';
import { startServerProcess, type ServerProcess } from '../test/reliability/support/server-process.js';
import { median, type BenchFigure } from './bench-figure.js';
import { imagePdf, textPdf } from './stamping-inputs.js';

export const name = 'intake-qpdf-wasm';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The intake's default time budget (INTAKE_TIMEOUT_SECONDS): an upload must answer within it (R7). */
const INTAKE_BUDGET_MS = 45_000;

interface Uploader {
  engine: 'native' | 'wasm';
  server: ServerProcess;
  upload(data: Buffer, fileName: string): Promise<number>;
}

async function uploaderOn(server: ServerProcess): Promise<Uploader> {
  const ready = (await (await fetch(`${server.base}/api/health/ready`)).json()) as { qpdf?: string };
  if (ready.qpdf !== 'native' && ready.qpdf !== 'wasm') throw new Error(`readiness names no qpdf engine: ${JSON.stringify(ready)}`);
  const deal = await buildDeal({ app: server.base });
  const manager: Client = deal.manager;
  return {
    engine: ready.qpdf,
    server,
    async upload(data, fileName) {
      const started = performance.now();
      const res = await manager.upload(`${deal.roomPath}/documents`, { data, name: fileName }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
      const ms = performance.now() - started;
      if (res.status !== 201) throw new Error(`upload of ${fileName} to the ${ready.qpdf} server answered ${res.status}: ${JSON.stringify(res.body)}`);
      return ms;
    },
  };
}

/** A PATH with node on it and nothing else: the machine issue 17 is about. */
function nodeOnlyPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-node-only-'));
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  return dir;
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);

/** Q4: the one qpdf run that reads the whole file, native against WebAssembly, alternating. */
async function describeFigure(binder: Buffer): Promise<BenchFigure> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-describe-'));
  try {
    const input = path.join(dir, 'binder.pdf');
    fs.writeFileSync(input, binder);
    const limits: ProcessLimits = { timeoutMs: 120_000, memoryBytes: 1024 * 1024 * 1024, maxStdoutBytes: 256 * 1024 * 1024, env: MINIMAL_ENV('/') };
    const engines: Record<'native' | 'wasm', (args: string[]) => Promise<ProcessResult>> = {
      native: (args) => runBounded('qpdf', args, limits),
      wasm: (args) => runQpdfWasm(args, limits),
    };
    const times = { native: [] as number[], wasm: [] as number[] };
    for (let round = -1; round < ROUNDS; round++) {
      for (const engine of round % 2 ? (['native', 'wasm'] as const) : (['wasm', 'native'] as const)) {
        const streams = fs.mkdtempSync(path.join(dir, `${engine}-`));
        const started = performance.now();
        const r = await engines[engine](['--json=2', '--json-key=qpdf', '--json-stream-data=file', `--json-stream-prefix=${path.join(streams, 's')}`, '--decode-level=none', input]);
        const elapsed = performance.now() - started;
        if (r.status !== 0) throw new Error(`${engine} qpdf could not describe the binder: ${r.stderr}`);
        // Round -1 warms both (a worker thread started, the binary's pages in the cache).
        if (round >= 0) times[engine].push(elapsed);
        fs.rmSync(streams, { recursive: true, force: true });
      }
    }
    const [n, w] = [median(times.native), median(times.wasm)];
    return {
      id: 'Q4',
      what: "qpdf's description of the 2,000-page binder alone (qpdf --json=2, stream data to files), WebAssembly build in a worker thread",
      figure: `median ${ms(w)}`,
      baseline: `native qpdf, median ${ms(n)}`,
      ratio: w / n,
      ratioText: `${(w / n).toFixed(2)}× native`,
      target: 'reported',
      details: { rounds: ROUNDS, nativeMs: times.native.map(Math.round), wasmMs: times.wasm.map(Math.round) },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  if (!findExecutable('qpdf')) throw new Error('the baseline is native qpdf: install it (apt-get install qpdf) to run this bench');
  const inputs: Array<{ id: string; what: string; data: Buffer; fileName: string }> = [
    { id: 'Q1', what: 'PDF intake (upload to 201) of a 20-page text PDF', data: await textPdf(20), fileName: 'memo-20-pages.pdf' },
    { id: 'Q2', what: 'PDF intake of a 2,000-page text PDF (the W1 binder, 0.9 MB)', data: await textPdf(2000), fileName: 'binder-2000-pages.pdf' },
    { id: 'Q3', what: 'PDF intake of a 20 MB image-heavy PDF', data: await imagePdf(20 * 1024 * 1024), fileName: 'scans-20mb.pdf' },
  ];
  const nodeOnly = nodeOnlyPath();
  const env = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'error' };
  const servers = await Promise.all([startServerProcess(env), startServerProcess({ ...env, PATH: nodeOnly })]);
  try {
    const [native, wasm] = await Promise.all(servers.map(uploaderOn));
    if (native.engine !== 'native' || wasm.engine !== 'wasm') throw new Error(`engines are ${native.engine} and ${wasm.engine}, not native and wasm`);

    const figures: BenchFigure[] = [];
    for (const input of inputs) {
      // Warm: the first upload of a kind also pays for code loaded on first use (and a worker thread started).
      await native.upload(input.data, input.fileName);
      await wasm.upload(input.data, input.fileName);
      const times = { native: [] as number[], wasm: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        // Alternating which goes first spreads the machine's noise over both.
        const order = round % 2 ? [wasm, native] : [native, wasm];
        for (const uploader of order) times[uploader.engine].push(await uploader.upload(input.data, input.fileName));
      }
      const [n, w] = [median(times.native), median(times.wasm)];
      figures.push({
        id: input.id,
        what: `${input.what}, through qpdf's WebAssembly build (no qpdf on PATH)`,
        figure: `median ${ms(w)}`,
        baseline: `the same upload through native qpdf, median ${ms(n)}`,
        ratio: w / n,
        ratioText: `${(w / n).toFixed(2)}× native`,
        target: `reported; within the ${INTAKE_BUDGET_MS / 1000} s intake budget (R7)`,
        met: Math.max(...times.wasm) < INTAKE_BUDGET_MS,
        details: { rounds: ROUNDS, bytes: input.data.length, nativeMs: times.native.map(Math.round), wasmMs: times.wasm.map(Math.round) },
      });
    }
    figures.push(await describeFigure(inputs[1]!.data));
    return figures;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) fs.rmSync(s.dataDir, { recursive: true, force: true });
    fs.rmSync(nodeOnly, { recursive: true, force: true });
  }
}
