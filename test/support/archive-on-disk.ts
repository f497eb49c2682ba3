import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import yauzl from 'yauzl';

/**
 * A deal-end archive as counsel would handle it in ten years: its ZIP read entry by entry, unpacked
 * into a folder of its own, and its `verify.mjs` run there with Node alone. The reader takes the
 * entry names as they are written in the central directory (not as yauzl would clean them up), so a
 * test can hold them to what an unzip tool on any system may safely write.
 */

export interface RawEntry {
  /** The name exactly as stored (UTF-8 when the archive says so, else as Latin-1 bytes). */
  name: string;
  data: Buffer;
}

/** Every entry of a ZIP, with its name as stored: no name is refused or rewritten here. */
export async function readRawEntries(zip: Buffer): Promise<RawEntry[]> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, decodeStrings: false });
  const out: RawEntry[] = [];
  for await (const entry of file.eachEntry()) {
    const raw = entry.fileName as unknown as Buffer;
    const name = entry.generalPurposeBitFlag & 0x800 ? raw.toString('utf8') : raw.toString('latin1');
    if (name.endsWith('/')) continue;
    const stream = await file.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    out.push({ name, data: Buffer.concat(chunks) });
  }
  file.close();
  return out;
}

/**
 * Why a stored name would be unsafe to unpack on some system, or null: an absolute or drive path,
 * a `..` segment, a backslash (a separator on Windows), a control or bidirectional-override
 * character, a segment too long for common file systems (255 bytes), or a name Windows reserves.
 */
export function unsafeEntryName(name: string): string | null {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.includes('\\')) return 'backslash';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character';
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(name)) return 'bidirectional control character';
  for (const segment of name.split('/')) {
    if (segment === '..' || segment === '.') return 'dot segment';
    if (segment === '') return 'empty segment';
    if (Buffer.byteLength(segment, 'utf8') > 255) return 'segment longer than 255 bytes';
    if (/[<>:"|?*]/.test(segment)) return 'character Windows refuses';
    if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(segment)) return 'name Windows reserves';
    if (/[. ]$/.test(segment)) return 'trailing dot or space (Windows drops it)';
  }
  return null;
}

/** Unpacks the entries into a new temporary folder; refuses (throws) any name that is unsafe. */
export function unpack(entries: RawEntry[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-archive-'));
  for (const e of entries) {
    const problem = unsafeEntryName(e.name);
    if (problem) throw new Error(`refusing to unpack "${e.name}": ${problem}`);
    const target = path.resolve(dir, e.name);
    if (!target.startsWith(dir + path.sep)) throw new Error(`refusing to unpack "${e.name}": outside the folder`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, e.data, { flag: 'wx' });
  }
  return dir;
}

export interface VerifyRun {
  /** The exit code (null when it was killed for taking too long). */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr together: what counsel reads on the terminal. */
  output: string;
}

/**
 * Runs `node verify.mjs` as counsel would: from inside the unpacked folder (or with the folder as
 * its argument when `asArgument`), with a bare environment and nothing but Node on the path. A run
 * longer than `timeoutMs` is killed and reported as timed out.
 */
export function runVerify(dir: string, opts: { asArgument?: boolean; timeoutMs?: number; script?: string } = {}): Promise<VerifyRun> {
  const script = opts.script ?? path.join(dir, 'verify.mjs');
  const args = opts.asArgument ? [script, dir] : [script];
  const cwd = opts.asArgument ? os.tmpdir() : dir;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: path.dirname(process.execPath) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Removes an unpacked folder (and its parent when a test put siblings beside it). */
export function removeUnpacked(dir: string) {
  fs.rmSync(dir, { recursive: true, force: true });
}
