import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { OUT_OF_MEMORY, type ProcessLimits, type ProcessResult } from './bounded-process.js';
import type { QpdfWasmJob, QpdfWasmMessage } from './qpdf-wasm-worker.js';

/**
 * qpdf's WebAssembly build, for a machine with nothing but Node.js: each run in a worker thread
 * (qpdf-wasm-worker.ts) under the same limits runBounded puts on the native process, answering
 * what runBounded answers. A hostile file that keeps qpdf busy keeps only its thread busy; at the
 * time limit, on abort or when stdout passes its cap, the thread is terminated, which stops
 * WebAssembly mid-instruction as SIGKILL stops a process.
 *
 * What it cannot do as native qpdf does: the build (@neslinesli93/qpdf-wasm 0.3, qpdf 12.2) catches
 * no C++ exception inside libqpdf, only in qpdf's main, so where native qpdf recovers from a parse
 * error by catching it (rebuilding a damaged cross-reference table, skipping a broken object), the
 * WebAssembly run ends with status 2 and the error. Such a file is refused as unreadable — closed,
 * never delivered unstamped — where native qpdf would have repaired it.
 */

/**
 * The JavaScript heap of a thread: the module's glue and its file system's nodes. qpdf's own memory
 * is the module's linear memory, capped per run at the intake's memory budget (the worker refuses
 * to grow it further), as `ulimit -v` caps the native process.
 */
const WORKER_HEAP_MB = 128;
/**
 * Threads kept for the next run once theirs ended normally. Starting one costs a few hundred
 * milliseconds (it loads the TypeScript sources); every run still gets a fresh module instance.
 */
const MAX_IDLE_WORKERS = 2;

/**
 * Where the missing exception handling changes an answer the intake relies on, native qpdf's answer.
 * Asked whether a file that needs a user password is encrypted (or needs one), native qpdf says yes
 * (status 0, nothing printed): QPDFJob catches the "invalid password" error for just these options.
 * The WebAssembly build cannot, and main reports it with status 2; read as "not encrypted", the
 * file would be refused as unreadable instead of as needing a password.
 */
function asNativeQpdfAnswers(args: string[], r: ProcessResult): ProcessResult {
  const asksAboutEncryption = args.includes('--is-encrypted') || args.includes('--requires-password');
  if (asksAboutEncryption && r.status === 2 && /^qpdf: .*: invalid password\s*$/.test(r.stderr.trim())) {
    return { ...r, status: 0, stderr: '', stderrBytes: 0 };
  }
  return r;
}

const workerUrl = new URL(`./qpdf-wasm-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

function startWorker(): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 16 };
  if (!workerUrl.pathname.endsWith('.ts')) return new Worker(workerUrl, { resourceLimits });
  // Run from source (tsx): Node 20 does not carry the TypeScript loader into worker threads (not
  // through execArgv either), so the thread registers it before it loads the worker.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
}

const idle = new Set<Worker>();

function acquireWorker(): Worker {
  for (const worker of idle) {
    idle.delete(worker);
    worker.ref();
    return worker;
  }
  const worker = startWorker();
  // Always listened to: an 'error' nobody listens to would be thrown in the server's thread.
  worker.on('error', () => idle.delete(worker));
  worker.on('exit', () => idle.delete(worker));
  return worker;
}

function releaseWorker(worker: Worker): void {
  if (idle.size >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  // An idle thread must not keep the server (or a test run) from exiting.
  worker.unref();
  idle.add(worker);
}

/**
 * Runs qpdf's WebAssembly build with `args` under `limits` and always settles, like runBounded: by
 * qpdf's exit, at the time limit, on abort, past the stdout cap, or when the thread dies. Never
 * rejects. qpdf sees only the host directories its command line names, and Emscripten's own
 * environment: nothing of the server's (limits.env is therefore not needed).
 */
export function runQpdfWasm(args: string[], limits: ProcessLimits): Promise<ProcessResult> {
  const empty: ProcessResult = {
    status: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: '',
    stderrBytes: 0,
    timedOut: false,
    overflow: false,
    aborted: false,
    notFound: false,
    outOfMemory: false,
  };
  if (limits.signal?.aborted) return Promise.resolve({ ...empty, aborted: true });
  if (limits.timeoutMs <= 0) return Promise.resolve({ ...empty, timedOut: true });

  const worker = acquireWorker();
  const job: QpdfWasmJob = {
    args,
    cwd: limits.cwd ?? process.cwd(),
    maxStdoutBytes: limits.maxStdoutBytes ?? 1024 * 1024,
    memoryBytes: limits.memoryBytes,
  };

  return new Promise<ProcessResult>((resolve) => {
    const state = { timedOut: false, aborted: false, overflow: false, heapExhausted: false, settled: false };

    function finish(done: Extract<QpdfWasmMessage, { type: 'done' }> | null, failure?: string) {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A thread whose run was cut off, or whose module crashed, is not trusted with another.
      if (done && done.status !== null) releaseWorker(worker);
      else void worker.terminate();
      const stderr = done?.stderr ?? failure ?? '';
      resolve(asNativeQpdfAnswers(args, {
        ...empty,
        status: done ? done.status : null,
        stdout: done ? Buffer.from(done.stdout.buffer, done.stdout.byteOffset, done.stdout.byteLength) : Buffer.alloc(0),
        stderr,
        stderrBytes: done?.stderrBytes ?? Buffer.byteLength(stderr),
        timedOut: state.timedOut,
        overflow: state.overflow,
        aborted: state.aborted,
        outOfMemory: state.heapExhausted || (done !== null && (done.memoryRefused || OUT_OF_MEMORY.test(done.stderr))),
      }));
    }

    const timer = setTimeout(() => {
      state.timedOut = true;
      finish(null);
    }, limits.timeoutMs);
    const onAbort = () => {
      state.aborted = true;
      finish(null);
    };
    const onMessage = (message: QpdfWasmMessage) => {
      if (message.type === 'overflow') state.overflow = true;
      finish(message.type === 'done' ? message : null);
    };
    const onError = (err: Error & { code?: string }) => {
      state.heapExhausted = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(null, `qpdf's thread failed: ${err.message}`);
    };
    const onExit = (code: number) => finish(null, `qpdf's thread exited with ${code}`);

    limits.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}
