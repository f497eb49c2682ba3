import { MINIMAL_ENV, runBounded, type ProcessLimits } from './bounded-process.js';
import { qpdfEngine } from './qpdf-engine.js';
import { runQpdfWasm } from './qpdf-wasm.js';

export interface QpdfResult {
  /** qpdf's exit status: 0 success, 2 errors, 3 warnings; null when it was killed (time, output or abort). */
  status: number | null;
  stdout: string;
  /** The head and tail of what qpdf complained (a damaged file can make it warn hundreds of thousands of times). */
  stderr: string;
  timedOut: boolean;
  /** The output exceeded the buffer allowed: the document is too large to describe. */
  overflow: boolean;
  /** qpdf ran out of the memory allowed. */
  outOfMemory: boolean;
}

export interface QpdfLimits {
  timeoutMs: number;
  maxOutputBytes?: number;
  memoryBytes?: number;
  signal?: AbortSignal;
}

/**
 * Runs qpdf out of process — or, where only its WebAssembly build is at hand (qpdf-engine.ts), in a
 * worker thread: a hostile file can make it slow or hungry, but never crash the server or block
 * its event loop, and the time, memory and output limits bound what it may cost. It always settles:
 * a kill for time or an abort reaches the whole process (or thread), and warnings on stderr are
 * sampled, never buffered whole. Both engines answer alike, so no caller knows which one ran.
 */
export async function runQpdf(args: string[], opts: QpdfLimits): Promise<QpdfResult> {
  const limits: ProcessLimits = {
    timeoutMs: opts.timeoutMs,
    maxStdoutBytes: opts.maxOutputBytes ?? 1024 * 1024,
    memoryBytes: opts.memoryBytes,
    signal: opts.signal,
    // qpdf needs nothing of the server's environment.
    env: MINIMAL_ENV('/'),
  };
  const engine = await qpdfEngine();
  const r = engine.name === 'native' ? await runBounded('qpdf', args, limits) : await runQpdfWasm(args, limits);
  if (r.notFound) throw new Error('qpdf is not installed');
  // An abort means the intake's budget is spent: for the caller it is the same as running out of time.
  const timedOut = r.timedOut || r.aborted;
  return {
    status: r.overflow || timedOut || r.outOfMemory ? null : r.status,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr,
    timedOut,
    overflow: r.overflow,
    outOfMemory: r.outOfMemory,
  };
}

/** The first meaningful line of qpdf's complaint, for an error message a person can act on. */
export function qpdfComplaint(r: QpdfResult): string {
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim());
  const meaningful = (l: string) => l && !/^checking |^PDF Version|^File is not|^No syntax|^qpdf: operation succeeded|^\[… /i.test(l);
  // qpdf's own error (a line "qpdf: …") says why it gave up; warnings before it only describe the damage.
  const line = lines.find((l) => meaningful(l) && /^qpdf: /.test(l)) ?? lines.find(meaningful);
  return (line ?? 'unknown damage').replace(/^qpdf: /, '').replace(/^WARNING: /, '').replace(/^[^:]*\.pdf( \([^)]*\))?: /, '').slice(0, 200);
}
