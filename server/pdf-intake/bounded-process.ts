import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * What one child process of the intake may cost. The time limit is wall-clock and ends in SIGKILL of
 * the whole process group; memory is the address-space limit (`ulimit -v`) where the platform has
 * one; stdout is capped (past the cap the process is killed: its output cannot be used), stderr is
 * only sampled (a file that makes qpdf print 250,000 warnings must neither fail the run nor fill
 * the server's memory).
 */
export interface ProcessLimits {
  timeoutMs: number;
  memoryBytes?: number;
  /** Default 1 MiB. */
  maxStdoutBytes?: number;
  /** Aborting kills the process at once (the upload's budget ran out, or it was abandoned). */
  signal?: AbortSignal;
  /** The whole environment of the child: nothing of the server's (S3 keys, secrets) is passed on. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcessResult {
  /** Exit status; null when the process was killed or died of a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The head and the tail of stderr (the first and the last complaints), never all of it. */
  stderr: string;
  stderrBytes: number;
  timedOut: boolean;
  /** stdout passed maxStdoutBytes; the process was killed. */
  overflow: boolean;
  /** The signal aborted it (the caller's budget is spent). */
  aborted: boolean;
  /** The command is not installed (not found on PATH, or not executable). */
  notFound: boolean;
  /** It ran out of the memory allowed (allocation failure reported, or killed for it). */
  outOfMemory: boolean;
}

const STDERR_HEAD_BYTES = 32 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;

/**
 * The head and the tail of a stream of complaints (the first and the last), never all of it: what
 * a damaged file makes qpdf print can run to megabytes, and only its ends say anything new.
 */
export class ComplaintSample {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail = Buffer.alloc(0);
  /** Everything that was added, counted, kept or not. */
  bytes = 0;

  add(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.headBytes < STDERR_HEAD_BYTES) {
      const part = chunk.subarray(0, STDERR_HEAD_BYTES - this.headBytes);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length) {
      this.tail = Buffer.concat([this.tail, chunk]);
      if (this.tail.length > STDERR_TAIL_BYTES) this.tail = this.tail.subarray(this.tail.length - STDERR_TAIL_BYTES);
    }
  }

  toString(): string {
    const skipped = this.bytes - this.headBytes - this.tail.length;
    return Buffer.concat(this.head).toString('utf8') + (skipped > 0 ? `\n[… ${skipped} bytes of stderr skipped …]\n` : '') + this.tail.toString('utf8');
  }
}

/**
 * After SIGKILL the result is given within this long even if the pipes stay open: a grandchild
 * that left the process group (a daemonising converter) must not keep the promise pending.
 */
const SETTLE_AFTER_KILL_MS = 2_000;

/** The only environment a converter needs; the server's own is never inherited. */
export const MINIMAL_ENV = (home: string): NodeJS.ProcessEnv => ({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: home,
  LANG: 'C.UTF-8',
});

/** The absolute path of `command` (a path, or a name searched on PATH), or null when none is executable. */
export function findExecutable(command: string, searchPath = process.env.PATH ?? ''): string | null {
  const candidates = command.includes('/') ? [command] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return path.resolve(candidate);
    } catch {
      // not here
    }
  }
  return null;
}

const SHELL = '/bin/sh';
const canLimitWithShell = (process.platform === 'linux' || process.platform === 'darwin') && findExecutable(SHELL) !== null;

/**
 * The command line that applies the memory limit (and, as a backstop for a process that outlives
 * the server, a CPU-time limit) and then `exec`s the command, so the pid is the command's own.
 * A limit the platform refuses is skipped rather than failing the run.
 */
function withLimits(file: string, args: string[], limits: ProcessLimits): { file: string; args: string[] } {
  if (!canLimitWithShell || !limits.memoryBytes) return { file, args };
  const kib = Math.max(1, Math.floor(limits.memoryBytes / 1024));
  // Wall time can be shorter than CPU time for a multi-threaded converter: twice the budget, plus a margin.
  const cpuSeconds = Math.ceil((2 * limits.timeoutMs) / 1000) + 5;
  const script = `ulimit -v ${kib} 2>/dev/null; ulimit -t ${cpuSeconds} 2>/dev/null; exec "$0" "$@"`;
  return { file: SHELL, args: ['-c', script, file, ...args] };
}

/** How a program says an allocation failed (qpdf: "std::bad_alloc"). */
export const OUT_OF_MEMORY = /bad_alloc|out of memory|cannot allocate memory|memory exhausted/i;
const CRASH_SIGNALS = new Set(['SIGABRT', 'SIGSEGV', 'SIGBUS']);

/**
 * Runs a command under `limits` and always settles: by its exit, by its time limit (SIGKILL to its
 * process group), by an abort, or — if its pipes stay open after the kill — a moment later anyway.
 * Never rejects; a command that is not installed answers `notFound`.
 */
export function runBounded(command: string, args: string[], limits: ProcessLimits): Promise<ProcessResult> {
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
  const executable = findExecutable(command);
  if (!executable) return Promise.resolve({ ...empty, notFound: true });
  if (limits.signal?.aborted) return Promise.resolve({ ...empty, aborted: true });
  if (limits.timeoutMs <= 0) return Promise.resolve({ ...empty, timedOut: true });

  const { file, args: argv } = withLimits(executable, args, limits);
  const maxStdout = limits.maxStdoutBytes ?? 1024 * 1024;

  return new Promise<ProcessResult>((resolve) => {
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: limits.env ?? MINIMAL_ENV(limits.cwd ?? '/'),
      cwd: limits.cwd,
      // A group of its own: the kill reaches whatever it started (LibreOffice's launcher starts the real process).
      detached: true,
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    const stderr = new ComplaintSample();
    const state = { timedOut: false, overflow: false, aborted: false, killed: false, settled: false, spawnError: null as NodeJS.ErrnoException | null };
    let settleTimer: NodeJS.Timeout | undefined;

    const kill = () => {
      if (state.killed) return;
      state.killed = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      // The pipes may be held by a process that escaped the group: stop reading them, and settle soon regardless.
      settleTimer = setTimeout(() => finish(null, 'SIGKILL'), SETTLE_AFTER_KILL_MS);
      settleTimer.unref();
    };
    const timer = setTimeout(() => {
      state.timedOut = true;
      kill();
    }, limits.timeoutMs);
    const onAbort = () => {
      state.aborted = true;
      kill();
    };
    limits.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout!.on('data', (chunk: Buffer) => {
      if (state.overflow) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        state.overflow = true;
        stdout.length = 0;
        kill();
        return;
      }
      stdout.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => stderr.add(chunk));
    // A pipe error (EPIPE after a kill) is not the run's failure; its result says what happened.
    child.stdout!.on('error', () => undefined);
    child.stderr!.on('error', () => undefined);

    function finish(status: number | null, signal: NodeJS.Signals | null) {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(timer);
      clearTimeout(settleTimer);
      limits.signal?.removeEventListener('abort', onAbort);
      child.stdout!.destroy();
      child.stderr!.destroy();
      const complaints = stderr.toString();
      // Through the shell wrapper a command gone since it was found is the shell's "not found" (127).
      const notFound = state.spawnError?.code === 'ENOENT' || (file === SHELL && executable !== SHELL && status === 127 && /not found/i.test(complaints));
      resolve({
        status: state.killed || state.spawnError ? null : status,
        signal,
        stdout: state.overflow ? Buffer.alloc(0) : Buffer.concat(stdout),
        stderr: complaints,
        stderrBytes: stderr.bytes,
        timedOut: state.timedOut,
        overflow: state.overflow,
        aborted: state.aborted,
        notFound,
        // An allocation failure it reported, or — under a memory limit — the abort or crash such a failure ends in.
        outOfMemory: !state.killed && (OUT_OF_MEMORY.test(complaints) || (Boolean(limits.memoryBytes) && CRASH_SIGNALS.has(signal ?? ''))),
      });
    }
    child.on('error', (err) => {
      state.spawnError = err as NodeJS.ErrnoException;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
