import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { verifyLedgerIntegrity } from '../../server/ledger/verify-ledger.js';

/**
 * R4: two real server processes (tsx on server/index.ts, as `npm start` runs it) on one database —
 * the PostgreSQL schema of the test under `npm run test:postgres`, one SQLite file otherwise —
 * append to the ledger at the same time.
 */
const TIMEOUT = 180_000;

interface Server {
  base: string;
  child: ChildProcess;
  stderr: string[];
}

function startServer(t: TestApp): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: t.dataDir, LOG_LEVEL: 'info', AUDIT_CHECKPOINT_EVERY_EVENTS: '25' };
  delete env.DATABASE_URL;
  if (t.config.databaseUrl) env.DATABASE_URL = t.config.databaseUrl;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 90 s: ${stderr.join('\n')}`)), 90_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr.join('\n')}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'gatehouse listening') {
        clearTimeout(timer);
        resolve({ base: `http://127.0.0.1:${entry.port}`, child, stderr });
      }
    });
  });
}

function stopServer(s: Server): Promise<number | null> {
  if (s.child.exitCode !== null) return Promise.resolve(s.child.exitCode);
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

/**
 * `count` requests through one server, `parallel` in flight at a time, alternating two kinds of
 * append: creating an organisation (the event written in the transaction of the insert) and reading
 * a document id that does not exist (a refusal, appended in a transaction of its own that reads the
 * head before it writes).
 */
async function appendThrough(s: Server, token: string, prefix: string, count: number, parallel: number) {
  const created: Array<{ status: number; id?: string }> = [];
  const refused: Array<{ status: number; id: string }> = [];
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        if (i % 2 === 0) {
          const res = await fetch(`${s.base}/api/orgs`, { method: 'POST', headers, body: JSON.stringify({ name: `${prefix} ${i}`, kind: 'acquirer' }) });
          created.push({ status: res.status, id: res.status === 201 ? ((await res.json()) as { id: string }).id : undefined });
        } else {
          const id = `${prefix.replace(/\W/g, '')}-${i}`;
          const res = await fetch(`${s.base}/api/documents/${id}`, { headers });
          await res.arrayBuffer();
          refused.push({ status: res.status, id });
        }
      }
    }),
  );
  return { created, refused };
}

let t: TestApp;
let servers: Server[] = [];
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await Promise.all(servers.map(stopServer));
  servers = [];
  await t.close();
}, TIMEOUT);

it(`keeps one unforked chain when two server processes append at once (${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'})`, async () => {
  const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  const { token } = (await admin.post('/api/auth/tokens', { name: 'concurrency test', currentPassword: ADMIN.password })).body as { token: string };
  const before = Number((await t.db('auditEvents').max({ max: 'seq' }).first())!.max);

  servers = await Promise.all([startServer(t), startServer(t)]);
  const [a, b] = await Promise.all([appendThrough(servers[0], token, 'Process A', 120, 8), appendThrough(servers[1], token, 'Process B', 120, 8)]);
  // SIGTERM: each server drains and writes a last signed checkpoint of the head it sees.
  expect(await Promise.all(servers.map(stopServer))).toEqual([0, 0]);
  servers = [];

  const created = [...a.created, ...b.created];
  const refused = [...a.refused, ...b.refused];
  expect(created.filter((r) => r.status !== 201)).toEqual([]);
  expect(refused.filter((r) => r.status !== 404)).toEqual([]);
  // No event lost, none duplicated: exactly one event per request, and one request per event.
  const events = (action: string) => t.db('auditEvents').where({ action }).where('seq', '>', before).select('subjectId');
  expect((await events('org.create')).map((e: { subjectId: string }) => e.subjectId).sort()).toEqual(created.map((r) => r.id).sort());
  expect((await events('document.read')).map((e: { subjectId: string }) => e.subjectId).sort()).toEqual(refused.map((r) => r.id).sort());

  const result = await verifyLedgerIntegrity(t);
  expect(result).toMatchObject({ ok: true, checkpoint: { seq: expect.any(Number) } });
  const { n } = (await t.db('auditEvents').count({ n: '*' }).first()) as { n: number | string };
  expect(result.count).toBe(Number(n));
  const prevHashes: Array<{ prevHash: string }> = await t.db('auditEvents').select('prevHash');
  expect(new Set(prevHashes.map((r) => r.prevHash)).size).toBe(prevHashes.length); // a fork would reuse a prev_hash
}, TIMEOUT);
