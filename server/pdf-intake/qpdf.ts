import { execFile } from 'node:child_process';

export interface QpdfResult {
  /** qpdf's exit status: 0 success, 2 errors, 3 warnings; null when it was killed (time limit). */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The output exceeded the buffer allowed: the document is too large to describe. */
  overflow: boolean;
}

/**
 * Runs qpdf out of process: a hostile file can make it slow or hungry, but never crash the server,
 * and the time and output limits bound what it may cost.
 */
export function runQpdf(args: string[], opts: { timeoutMs: number; maxOutputBytes?: number }): Promise<QpdfResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'qpdf',
      args,
      { timeout: opts.timeoutMs, maxBuffer: opts.maxOutputBytes ?? 1024 * 1024, encoding: 'utf8', killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null }) | null;
        if (e && e.code === 'ENOENT') return reject(new Error('qpdf is not installed'));
        const overflow = e?.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
        const timedOut = !overflow && Boolean(e?.killed || e?.signal);
        const status = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve({ status: overflow || timedOut ? null : status, stdout, stderr, timedOut, overflow });
      },
    );
  });
}

/** The first meaningful line of qpdf's complaint, for an error message a person can act on. */
export function qpdfComplaint(r: QpdfResult): string {
  const line = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !/^checking |^PDF Version|^File is not|^No syntax|^qpdf: operation succeeded/i.test(l));
  return (line ?? 'unknown damage').replace(/^qpdf: /, '').replace(/^[^:]*\.pdf: /, '').slice(0, 200);
}
