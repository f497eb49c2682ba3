import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/**
 * The real start-up path, as `npm start` runs it (tsx on server/index.ts, no test harness): on the
 * embedded defaults it migrates a fresh DATA_DIR, creates the first admin and serves API and client.
 */
let child: ChildProcess;
let base: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-start-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a long admin passphrase', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'gatehouse listening') {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${entry.port}`);
      }
    });
  });
}, 40_000);

afterAll(async () => {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('answers the health check on the embedded defaults', async () => {
  const res = await fetch(`${base}/api/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
  expect(fs.existsSync(path.join(dataDir, 'gatehouse.sqlite'))).toBe(true);
});

it('lets the first admin from ADMIN_EMAIL/ADMIN_PASSWORD sign in', async () => {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'a long admin passphrase' }),
  });
  expect(res.status).toBe(200);
  expect((await res.json()).user.role).toBe('admin');
});

// `npm start` and `npm test` build the client before the server starts.
it('serves the web client at /', async () => {
  const res = await fetch(`${base}/`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('<div id="root"');
});
