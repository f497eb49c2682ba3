import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface LogEntry {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

/** A Gatehouse started the way production starts it: its own OS process running server/index.ts. */
export interface ServerProcess {
  base: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Every JSON log line the process wrote, parsed. */
  logs: LogEntry[];
  /** Log entries at level error (50) or above. */
  errors(): LogEntry[];
  /** Resolves with the exit code (or the signal) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
  /** SIGKILL: no clean-up of any kind, as a crash or an OOM kill. */
  kill(): Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Spawns `node --import tsx server/index.ts` with `env` (on top of this process' environment) on a
 * port of its own, and resolves once GET /api/health answers 200. The data directory is the
 * process' own: processes of a cluster share only the database and the object store.
 */
export async function startServerProcess(env: Record<string, string>, opts: { port?: number; dataDir?: string; startTimeoutMs?: number } = {}): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-proc-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogEntry[] = [];
  const stderr: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogEntry);
    } catch {
      logs.push({ level: 30, msg: line });
    }
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const base = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let gone: number | string | undefined;
  void exited.then((c) => (gone = c));
  for (;;) {
    if (gone !== undefined) throw new Error(`server exited with ${gone} before it was up:\n${stderr.join('\n')}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /api/health within the start timeout:\n${stderr.join('\n')}`);
    }
    const ok = await fetch(`${base}/api/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    base,
    port,
    dataDir,
    child,
    logs,
    errors: () => logs.filter((l) => l.level >= 50),
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}
