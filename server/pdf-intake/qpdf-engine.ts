import { findExecutable, MINIMAL_ENV, runBounded, type ProcessResult } from './bounded-process.js';
import { runQpdfWasm } from './qpdf-wasm.js';

/**
 * Which qpdf the intake runs: the one installed on the machine, or — where there is none, so that
 * `npm install && npm start` is all a machine with only Node.js needs — its WebAssembly build from
 * npm. Chosen once per process, at start, and the same for every file after.
 */
export type QpdfEngineName = 'native' | 'wasm';

export interface QpdfEngine {
  name: QpdfEngineName;
  /** qpdf's own version, as it states it ("11.3.0"). */
  version: string;
  /** Why this one: what the start log says. */
  reason: string;
}

/** `qpdf --json=2`, which the intake reads the PDF's objects with, came with qpdf 11. */
const MIN_NATIVE_MAJOR = 11;
const PROBE_TIMEOUT_MS = 10_000;
const PREFERENCES = ['auto', 'native', 'wasm'] as const;
type QpdfPreference = (typeof PREFERENCES)[number];

const versionIn = (r: ProcessResult) => (r.status === 0 ? /version (\d+\.\d+(?:\.\d+)?)/.exec(r.stdout.toString('utf8'))?.[1] : undefined);

async function wasmEngine(reason: string): Promise<QpdfEngine> {
  const r = await runQpdfWasm(['--version'], { timeoutMs: 60_000 });
  const version = versionIn(r);
  // Checked here rather than at the first upload: a build that cannot run fails the start, saying so.
  if (!version) throw new Error(`qpdf's WebAssembly build (@neslinesli93/qpdf-wasm) does not run: ${r.stderr.trim() || `status ${r.status}`}`);
  return { name: 'wasm', version, reason };
}

/**
 * The engine for `preference` (QPDF): `native` insists on the installed qpdf and `wasm` on the
 * WebAssembly build; `auto` (the default) takes the installed one when `qpdf --version` on PATH
 * answers with version 11 or later, the WebAssembly build otherwise. A preference that cannot be
 * met rejects, naming the setting, so the process does not start.
 */
export async function chooseQpdfEngine(preference: string = 'auto'): Promise<QpdfEngine> {
  if (!(PREFERENCES as readonly string[]).includes(preference)) {
    throw new Error(`QPDF must be one of ${PREFERENCES.join(', ')} (it is "${preference}")`);
  }
  const wanted = preference as QpdfPreference;
  if (wanted === 'wasm') return wasmEngine('QPDF=wasm');

  const executable = findExecutable('qpdf');
  const probe = executable ? await runBounded(executable, ['--version'], { timeoutMs: PROBE_TIMEOUT_MS, env: MINIMAL_ENV('/') }) : undefined;
  const version = probe && versionIn(probe);
  const major = Number(version?.split('.')[0] ?? 0);
  const problem = !executable
    ? 'no qpdf on PATH'
    : !version
      ? `${executable} --version did not answer (${probe?.timedOut ? 'timed out' : `status ${probe?.status}`})`
      : major < MIN_NATIVE_MAJOR
        ? `${executable} is qpdf ${version}, older than ${MIN_NATIVE_MAJOR} (no --json=2)`
        : undefined;
  if (!problem) return { name: 'native', version: version!, reason: `${executable}${wanted === 'native' ? ' (QPDF=native)' : ''}` };
  if (wanted === 'native') throw new Error(`QPDF=native, but ${problem}`);
  return wasmEngine(problem);
}

let chosen: Promise<QpdfEngine> | undefined;

/**
 * The engine of this process, chosen at the first call (start-up makes it, through
 * describeQpdfEngine). QPDF is read from the environment here rather than through config.ts: the
 * engine belongs to the machine the process runs on, and the intake that needs it (and the bench
 * and tools that stamp through stampPdf) is reached without a config in hand.
 */
export function qpdfEngine(): Promise<QpdfEngine> {
  chosen ??= chooseQpdfEngine(process.env.QPDF || 'auto');
  return chosen;
}

/** The engine for the start log line and readiness: `{ qpdf: 'native' | 'wasm', version, reason }`. */
export async function describeQpdfEngine(): Promise<{ qpdf: QpdfEngineName; version: string; reason: string }> {
  const engine = await qpdfEngine();
  return { qpdf: engine.name, version: engine.version, reason: engine.reason };
}
