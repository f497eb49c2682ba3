import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findExecutable, MINIMAL_ENV, runBounded } from './bounded-process.js';

/*
 * LibreOffice opens untrusted documents, and documents can reach out: a linked image on a web
 * server or on the local disk, a linked section, an external data source. Converted in the server's
 * own context, a document could read DATA_DIR (session-secret, the MFA key) into the PDF it becomes,
 * or make requests from inside the network. So each conversion runs in a bubblewrap sandbox:
 * - a new user, PID, network, IPC, UTS and cgroup namespace: no network at all, not even the host's
 *   loopback, and no other process in sight;
 * - a file system of the system's programs and fonts, read-only, an empty /tmp, and the one work
 *   folder of this conversion — nothing of DATA_DIR, the server's code or its configuration;
 * - an environment of PATH, HOME and LANG only (no S3 keys, no secrets);
 * - it dies with the server, and runs under the intake's time and memory limits.
 * Where bwrap is missing or the kernel refuses it namespaces, conversions still run — with the
 * minimal environment and limits, not isolated — and start-up logs why (README "Configuration").
 */

export const BWRAP = 'bwrap';

export type OfficeSandbox = { available: true; bwrap: string } | { available: false; reason: string };

/** Directories a program needs to run, each bound read-only or recreated as the symlink it is (merged /usr). */
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'];
/** Files and folders of /etc (and caches) LibreOffice reads: fonts, its own settings, the loader's cache. */
const SYSTEM_FILES = ['/etc/fonts', '/etc/libreoffice', '/etc/ld.so.cache', '/etc/alternatives', '/var/cache/fontconfig'];

function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of SYSTEM_DIRS) {
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  for (const file of SYSTEM_FILES) if (existsSync(file)) args.push('--ro-bind', file, file);
  return args;
}

/** LibreOffice installed outside /usr (the project's own packages go to /opt): its folder, read-only. */
function installMounts(program: string): string[] {
  let real: string;
  try {
    real = realpathSync(program);
  } catch {
    return [];
  }
  if (real.startsWith('/usr/')) return [];
  const root = path.dirname(path.dirname(real));
  return ['--ro-bind', root, root];
}

/**
 * The bwrap command line that runs `program args` with only `workDir` visible and writable.
 * `--clearenv` then PATH, HOME and LANG: the converter starts from nothing of the server's environment.
 */
export function sandboxedCommand(bwrap: string, workDir: string, program: string, args: string[]): { file: string; args: string[] } {
  const env = MINIMAL_ENV(workDir);
  return {
    file: bwrap,
    args: [
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--clearenv',
      ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, String(v)]),
      ...systemMounts(),
      ...installMounts(program),
      '--proc', '/proc',
      '--dev', '/dev',
      '--tmpfs', '/tmp',
      '--bind', workDir, workDir,
      '--chdir', workDir,
      '--',
      program,
      ...args,
    ],
  };
}

let probed: Promise<OfficeSandbox> | undefined;

/**
 * Whether conversions can be sandboxed here: bwrap is installed and can create the namespaces (a
 * container without user namespaces, or a kernel that forbids them, refuses). Probed once per
 * process by running `true` in the same sandbox a conversion gets.
 */
export function probeOfficeSandbox(): Promise<OfficeSandbox> {
  probed ??= (async (): Promise<OfficeSandbox> => {
    const bwrap = findExecutable(BWRAP);
    if (!bwrap) return { available: false, reason: 'bwrap (Debian package bubblewrap) is not installed' };
    const trueProgram = findExecutable('true', '/usr/bin:/bin');
    if (!trueProgram) return { available: false, reason: 'no `true` program to probe the sandbox with' };
    const dir = process.platform === 'linux' ? '/tmp' : '/';
    const { file, args } = sandboxedCommand(bwrap, dir, trueProgram, []);
    const r = await runBounded(file, args, { timeoutMs: 10_000, env: MINIMAL_ENV(dir) });
    if (r.status === 0) return { available: true, bwrap };
    const why = r.stderr.trim().split('\n')[0] || (r.timedOut ? 'timed out' : `exit status ${r.status ?? r.signal}`);
    return { available: false, reason: `bwrap cannot create its sandbox here: ${why}` };
  })();
  return probed;
}
