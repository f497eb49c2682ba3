import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MINIMAL_ENV, runBounded, type ProcessLimits } from '../../server/pdf-intake/bounded-process.js';
import { chooseQpdfEngine } from '../../server/pdf-intake/qpdf-engine.js';
import { runQpdfWasm } from '../../server/pdf-intake/qpdf-wasm.js';
import { inflatingPdf } from '../support/inflating-pdf.js';

/**
 * qpdf's WebAssembly build, the intake's qpdf on a machine with nothing but Node.js, answers as the
 * native qpdf does — exit status, stdout, stderr, the files it writes — and runs under the same
 * limits as the native process: cut off at its time limit or on abort while the event loop keeps
 * turning, stopped past its stdout cap, refused memory past its memory cap.
 */
const CORPUS = path.resolve('../shared/corpus/pdf');
const corpus = (name: string) => path.join(CORPUS, name);
const LIMITS: ProcessLimits = { timeoutMs: 60_000, memoryBytes: 1024 * 1024 * 1024, maxStdoutBytes: 64 * 1024 * 1024, env: MINIMAL_ENV('/') };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-qpdf-wasm-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of a corpus file whose owner password is set and whose user password is empty: it opens without one. */
function ownerPasswordOnly(): string {
  const out = path.join(dir, 'owner-password-only.pdf');
  if (!fs.existsSync(out)) execFileSync('qpdf', ['--encrypt', '', 'owner-secret', '256', '--', corpus('us_constitution.pdf'), out]);
  return out;
}

describe('the WebAssembly build answers as native qpdf does', () => {
  const cases: Array<[string, () => string[]]> = [
    ['--check of a clean file (status 0)', () => ['--check', corpus('us_constitution.pdf')]],
    ['--check of a file it warns about (status 3)', () => ['--check', corpus('normal.pdf')]],
    ['--is-encrypted of a file that is not (status 2)', () => ['--is-encrypted', corpus('american_flag.pdf')]],
    ['--is-encrypted of a file that needs a user password (status 0)', () => ['--is-encrypted', corpus('encrypted_new.pdf')]],
    ['--requires-password of a file that needs one (status 0)', () => ['--requires-password', corpus('encrypted_old.pdf')]],
    ['--requires-password of a file with an owner password only', () => ['--requires-password', ownerPasswordOnly()]],
  ];
  it.each(cases)('%s: the same exit status, stdout and stderr', async (_label, args) => {
    const [native, wasm] = [await runBounded('qpdf', args(), LIMITS), await runQpdfWasm(args(), LIMITS)];
    expect({ status: wasm.status, stdout: wasm.stdout.toString(), stderr: wasm.stderr }).toEqual({ status: native.status, stdout: native.stdout.toString(), stderr: native.stderr });
    expect(wasm).toMatchObject({ timedOut: false, overflow: false, aborted: false, outOfMemory: false });
  });

  it('fails on a file neither can read with status 2 and qpdf naming the reason', async () => {
    const args = ['--check', corpus('missing_xref_trailer_dict.pdf')];
    const [native, wasm] = [await runBounded('qpdf', args, LIMITS), await runQpdfWasm(args, LIMITS)];
    expect([native.status, wasm.status]).toEqual([2, 2]);
    expect(wasm.stderr).toMatch(/^qpdf: .*missing_xref_trailer_dict\.pdf: can't find startxref/m);
  });

  it('describes a file as JSON with its streams written where the command line says, byte for byte as native qpdf', async () => {
    const describe = (out: string) => ['--json=2', '--json-key=qpdf', '--json-stream-data=file', `--json-stream-prefix=${path.join(out, 's')}`, '--decode-level=none', corpus('with_annots.pdf')];
    const [nativeDir, wasmDir] = [path.join(dir, 'json-native'), path.join(dir, 'json-wasm')];
    for (const d of [nativeDir, wasmDir]) fs.mkdirSync(d);
    const native = await runBounded('qpdf', describe(nativeDir), LIMITS);
    const wasm = await runQpdfWasm(describe(wasmDir), LIMITS);
    expect([native.status, wasm.status]).toEqual([0, 0]);
    expect(wasm.stdout.toString().replaceAll(wasmDir, '<dir>')).toBe(native.stdout.toString().replaceAll(nativeDir, '<dir>'));
    const files = fs.readdirSync(nativeDir).sort();
    expect(files.length).toBeGreaterThan(10);
    expect(fs.readdirSync(wasmDir).sort()).toEqual(files);
    for (const f of files) expect([f, fs.readFileSync(path.join(wasmDir, f)).equals(fs.readFileSync(path.join(nativeDir, f)))]).toEqual([f, true]);
  });

  it('writes the file it is asked for (a decrypted copy) at its host path, and native qpdf finds it sound', async () => {
    const out = path.join(dir, 'decrypted.pdf');
    const r = await runQpdfWasm(['--decrypt', ownerPasswordOnly(), out], LIMITS);
    expect(r.status).toBe(0);
    expect(execFileSync('qpdf', ['--show-encryption', out], { encoding: 'utf8' })).toMatch(/File is not encrypted/);
    expect(execFileSync('qpdf', ['--show-npages', out], { encoding: 'utf8' }).trim()).toBe('19');
  });
});

describe('the WebAssembly build runs under the native process limits', () => {
  let busy: string;
  beforeAll(() => {
    // About 3 GiB to inflate: a minute or more of qpdf's time, far past every limit below.
    busy = path.join(dir, 'inflating.pdf');
    fs.writeFileSync(busy, inflatingPdf({ streams: 60, inflatedMiB: 50 }));
  });
  const describeBusy = () => ['--json=2', '--json-key=qpdf', '--decode-level=none', busy];

  /** The longest the event loop went without turning while `work` ran. */
  async function longestStall<T>(work: Promise<T>): Promise<{ result: T; stallMs: number }> {
    let last = performance.now();
    let stallMs = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      stallMs = Math.max(stallMs, now - last);
      last = now;
    }, 10);
    try {
      return { result: await work, stallMs };
    } finally {
      clearInterval(tick);
    }
  }

  it('cuts a run off at its time limit and settles at once; the event loop turns throughout and the thread stops working', async () => {
    const started = performance.now();
    const { result, stallMs } = await longestStall(runQpdfWasm(describeBusy(), { ...LIMITS, timeoutMs: 4_000 }));
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ timedOut: true, status: null, overflow: false, outOfMemory: false });
    expect(elapsed).toBeGreaterThanOrEqual(3_900);
    expect(elapsed).toBeLessThan(6_000);
    // A run on the event loop would have stalled it for the whole 4 s.
    expect(stallMs).toBeLessThan(1_000);
    // The terminated thread no longer inflates: this process spends next to no CPU while it waits.
    // Up to four windows of 1.5 s: a garbage collection of the run's memory, or a machine whose cores
    // other suites share, can fill one; a thread still inflating fills every one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let idleWindowCpuMs = Infinity;
    for (let window = 0; window < 4 && idleWindowCpuMs >= 600; window++) {
      const cpuBefore = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const cpu = process.cpuUsage(cpuBefore);
      idleWindowCpuMs = (cpu.user + cpu.system) / 1000;
    }
    expect(idleWindowCpuMs).toBeLessThan(600);
  }, 30_000);

  it('stops a run when its budget is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_000);
    const started = performance.now();
    const r = await runQpdfWasm(describeBusy(), { ...LIMITS, signal: controller.signal });
    expect(r).toMatchObject({ aborted: true, timedOut: false, status: null });
    expect(performance.now() - started).toBeLessThan(3_000);
  }, 30_000);

  it('stops a run whose stdout passes its cap, and returns none of it', async () => {
    const r = await runQpdfWasm(['--json=2', '--json-key=qpdf', '--decode-level=none', corpus('us_constitution.pdf')], { ...LIMITS, maxStdoutBytes: 16 * 1024 });
    expect(r).toMatchObject({ overflow: true, status: null, timedOut: false });
    expect(r.stdout.length).toBe(0);
  }, 30_000);

  it('refuses memory past the cap, and qpdf says it ran out (std::bad_alloc), as it does natively under ulimit -v', async () => {
    const hungry = path.join(dir, 'hungry.pdf');
    fs.writeFileSync(hungry, inflatingPdf({ streams: 1, inflatedMiB: 50 }));
    const r = await runQpdfWasm(['--json=2', '--json-key=qpdf', '--decode-level=none', hungry], { ...LIMITS, memoryBytes: 32 * 1024 * 1024 });
    expect(r).toMatchObject({ outOfMemory: true, timedOut: false, status: 2 });
    expect(r.stderr).toMatch(/bad_alloc/);
    // The same file within the intake's usual budget reads fine.
    expect((await runQpdfWasm(['--json=2', '--json-key=qpdf', '--decode-level=none', hungry], LIMITS)).status).toBe(0);
  }, 60_000);

  it('runs the next file in a fresh instance after one was cut off', async () => {
    await runQpdfWasm(describeBusy(), { ...LIMITS, timeoutMs: 500 });
    const r = await runQpdfWasm(['--check', corpus('american_flag.pdf')], LIMITS);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/No syntax or stream encoding errors/);
  }, 30_000);
});

describe('the engine is chosen once, from QPDF and what is on PATH', () => {
  /** Runs `fn` with PATH holding only the directory of node: a machine where qpdf is not installed. */
  async function withoutQpdfOnPath<T>(fn: () => Promise<T>): Promise<T> {
    const nodeOnly = fs.mkdtempSync(path.join(dir, 'node-only-'));
    fs.symlinkSync(process.execPath, path.join(nodeOnly, 'node'));
    const saved = process.env.PATH;
    process.env.PATH = nodeOnly;
    try {
      return await fn();
    } finally {
      process.env.PATH = saved;
    }
  }

  it('takes the installed qpdf when there is one (auto), and its WebAssembly build when there is none', async () => {
    expect(await chooseQpdfEngine('auto')).toMatchObject({ name: 'native', version: expect.stringMatching(/^\d+\.\d+/) });
    expect(await withoutQpdfOnPath(() => chooseQpdfEngine('auto'))).toEqual({ name: 'wasm', version: expect.stringMatching(/^1\d\.\d+/), reason: 'no qpdf on PATH' });
  }, 60_000);

  it('takes the WebAssembly build when QPDF=wasm, even with qpdf installed', async () => {
    expect(await chooseQpdfEngine('wasm')).toMatchObject({ name: 'wasm', reason: 'QPDF=wasm' });
  }, 60_000);

  it('refuses to start with QPDF=native and no qpdf installed, or a QPDF it does not know, naming the setting', async () => {
    await expect(withoutQpdfOnPath(() => chooseQpdfEngine('native'))).rejects.toThrow(/QPDF=native, but no qpdf on PATH/);
    await expect(chooseQpdfEngine('wsam')).rejects.toThrow(/QPDF must be one of auto, native, wasm/);
  });
});
