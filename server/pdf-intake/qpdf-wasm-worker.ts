import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { ComplaintSample } from './bounded-process.js';

/**
 * The worker thread that runs qpdf's WebAssembly build (@neslinesli93/qpdf-wasm, an Emscripten
 * module) where no qpdf is installed. qpdf-wasm.ts starts it and hands it one run at a time; each
 * run gets a fresh instance of the module (its own linear memory and virtual file system), so
 * nothing of one file's run can reach the next. The thread exists so that a hostile file keeping
 * qpdf busy blocks this thread, never the server's event loop, and can be stopped by terminating it.
 */

/** One run: qpdf's command line, the directory relative paths are taken from, and its limits. */
export interface QpdfWasmJob {
  args: string[];
  cwd: string;
  maxStdoutBytes: number;
  /** The most linear memory the instance may grow to. */
  memoryBytes?: number;
}

export type QpdfWasmMessage =
  /** Stdout passed its cap: the run's output cannot be used, and the thread is to be stopped. */
  | { type: 'overflow' }
  | {
      type: 'done';
      /** qpdf's exit status; null when the module crashed (an abort, a trap) instead of exiting. */
      status: number | null;
      stdout: Uint8Array;
      stderr: string;
      stderrBytes: number;
      /** The instance asked for more memory than allowed and was refused. */
      memoryRefused: boolean;
    };

/** What is used of the Emscripten module; the package's own typings describe less of it. */
interface EmscriptenFs {
  init(stdin: () => number | null, stdout: (byte: number) => void, stderr: (byte: number) => void): void;
  mkdir(path: string): void;
  mount(type: unknown, opts: { root: string }, mountpoint: string): void;
  chdir(path: string): void;
}
interface QpdfWasmModule {
  FS: EmscriptenFs;
  NODEFS: unknown;
  callMain(args: string[]): number;
}
type QpdfWasmFactory = (options: { preRun: Array<(module: QpdfWasmModule) => void> }) => Promise<QpdfWasmModule>;

const createQpdfModule = createRequire(import.meta.url)('@neslinesli93/qpdf-wasm') as QpdfWasmFactory;

/**
 * The memory limit of the run in progress. The module's linear memory is created inside the
 * WebAssembly binary (it grows up to 2 GiB), so neither the worker's resourceLimits (they bound the
 * JavaScript heap) nor an option of the module can cap it: refusing Memory.grow can. Emscripten's
 * allocator takes a refused growth as an allocation failure, and qpdf answers that as native qpdf
 * does under `ulimit -v`: "std::bad_alloc". The patch changes this thread's global only.
 */
let memoryLimit = Infinity;
let memoryRefused = false;
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function growWithinLimit(this: WebAssembly.Memory, delta: number): number {
  if (this.buffer.byteLength + delta * 65_536 > memoryLimit) {
    memoryRefused = true;
    throw new RangeError('WebAssembly memory limit of the qpdf run reached');
  }
  return grow.call(this, delta);
};

/** Bytes written one at a time by the module's stdout device, kept up to a cap. */
class CappedBytes {
  private buffer = new Uint8Array(64 * 1024);
  length = 0;
  overflow = false;
  constructor(
    private readonly cap: number,
    private readonly onOverflow: () => void,
  ) {}

  push(byte: number): void {
    if (this.overflow) return;
    if (this.length >= this.cap) {
      this.overflow = true;
      this.buffer = new Uint8Array(0);
      this.onOverflow();
      return;
    }
    if (this.length === this.buffer.length) {
      const bigger = new Uint8Array(Math.min(this.cap, this.buffer.length * 2));
      bigger.set(this.buffer);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = byte;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** The module's stderr, byte by byte, gathered into chunks for the head-and-tail sample. */
class ComplaintBytes {
  readonly sample = new ComplaintSample();
  private pending = Buffer.alloc(4096);
  private length = 0;

  push(byte: number): void {
    this.pending[this.length++] = byte;
    if (this.length === this.pending.length) this.flush();
  }

  flush(): ComplaintSample {
    if (this.length) this.sample.add(Buffer.from(this.pending.subarray(0, this.length)));
    this.length = 0;
    return this.sample;
  }
}

/**
 * The top-level host directories qpdf is given: those of the files its command line names and of
 * the working directory, mounted at the same paths so that paths (and its messages about them) read
 * as they would natively. It needs nothing else of the machine.
 */
function hostDirectoriesFor(args: string[], cwd: string): string[] {
  const paths = [cwd, ...args.map((a) => a.replace(/^--[\w-]+=/, ''))].filter((p) => path.isAbsolute(p));
  const tops = paths.map((p) => p.split('/')[1]).filter((top): top is string => Boolean(top));
  // Emscripten's own /dev (stdout is one of its devices) and /proc stay its own.
  return [...new Set(tops)].filter((top) => top !== 'dev' && top !== 'proc').map((top) => `/${top}`);
}

async function run(job: QpdfWasmJob): Promise<QpdfWasmMessage> {
  memoryLimit = job.memoryBytes ?? Infinity;
  memoryRefused = false;
  const stdout = new CappedBytes(job.maxStdoutBytes, () => parentPort!.postMessage({ type: 'overflow' } satisfies QpdfWasmMessage));
  const stderr = new ComplaintBytes();
  // qpdf names itself after argv[0] in what it prints ("qpdf: …"); the glue takes that from argv[1].
  process.argv[1] = 'qpdf';
  const qpdf = await createQpdfModule({
    preRun: [
      (module) => {
        module.FS.init(
          () => null,
          (byte) => stdout.push(byte),
          (byte) => stderr.push(byte),
        );
        for (const dir of hostDirectoriesFor(job.args, job.cwd)) {
          try {
            module.FS.mkdir(dir);
          } catch {
            // /tmp and /home exist in Emscripten's file system already: mounting over them is fine.
          }
          module.FS.mount(module.NODEFS, { root: dir }, dir);
        }
        if (path.isAbsolute(job.cwd) && job.cwd !== '/') module.FS.chdir(job.cwd);
      },
    ],
  });
  let status: number | null;
  try {
    status = qpdf.callMain(job.args);
  } catch (err) {
    // An abort or a trap (out of bounds, unreachable): the module crashed, as a native process dies of a signal.
    status = null;
    stderr.flush().add(Buffer.from(`\n${String(err)}\n`));
  }
  const complaints = stderr.flush();
  return {
    type: 'done',
    status,
    stdout: stdout.overflow ? new Uint8Array(0) : stdout.bytes(),
    stderr: complaints.toString(),
    stderrBytes: complaints.bytes,
    memoryRefused,
  };
}

// A run that fails outside qpdf (the module cannot load) is an uncaught error: the thread's
// 'error' event tells qpdf-wasm.ts, which answers it as a crash.
parentPort!.on('message', (job: QpdfWasmJob) => {
  void run(job).then((done) => {
    // The output's memory moves to the server's thread rather than being copied.
    if (done.type === 'done') parentPort!.postMessage(done, [done.stdout.buffer as ArrayBuffer]);
  });
});
