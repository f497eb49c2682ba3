import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { readZip } from './zip-files.js';
import type { TestApp, Client } from './test-app.js';
import { archiveBuilderOf } from '../../server/archives/archive-builder.js';

/** Builds every archive waiting (as the process's builder does after a POST) and returns the archive as its GET answers. */
export async function archiveWhenBuilt(t: TestApp, client: Client, roomPath: string, archiveId: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    await archiveBuilderOf({ db: t.db, store: t.store, config: t.config }).runOnce();
    const res = await client.get(`${roomPath}/archives/${archiveId}`);
    if (res.status !== 200) throw new Error(`GET archive answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res.body.status !== 'building') return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the archive was never built');
}

/** Unzips into a new temporary folder (yauzl checks every entry's CRC on the way). */
export async function unzipToFolder(zip: Buffer): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-archive-test-'));
  for (const entry of await readZip(zip)) {
    const target = path.resolve(dir, entry.name);
    if (!target.startsWith(dir + path.sep)) throw new Error(`entry ${entry.name} leaves the folder`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, entry.data);
  }
  return dir;
}

/** `node verify.mjs` run from inside the folder, as counsel would: its exit code and what it printed. */
export function runVerify(dir: string, args: string[] = []): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, 'verify.mjs'), ...args], { cwd: dir, env: { PATH: path.dirname(process.execPath) } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Flips one bit of the byte at `offset` of a file (a copy handed around, damaged or doctored). */
export function flipByte(file: string, offset: number) {
  const data = fs.readFileSync(file);
  data[offset] = data[offset]! ^ 0x01;
  fs.writeFileSync(file, data);
}
