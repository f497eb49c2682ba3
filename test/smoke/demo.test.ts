import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Client } from '../support/test-app.js';
import { pdfText } from '../support/pdf-tools.js';
import { binary } from '../support/binary.js';
import { loadPdfJs, PDFJS_OPTIONS } from '../../server/watermark/read-stamp.js';

/**
 * `npm run demo` as a newcomer runs it (tsx on server/cli/demo.ts, no test harness): it builds
 * "Project Falcon" in DEMO_DATA_DIR, prints a sign-in per role and serves. Everything here signs
 * in with what the demo printed, as the newcomer would.
 */
interface RunningDemo {
  base: string;
  output: string;
  stop(): Promise<void>;
}

function runDemo(dataDir: string): Promise<RunningDemo> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/demo.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not serve within 45 s:\n${lines.join('\n')}\n${stderr}`)), 45_000);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${lines.join('\n')}\n${stderr}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg !== 'gatehouse listening') return;
      clearTimeout(timer);
      resolve({
        base: `http://127.0.0.1:${entry.port}`,
        output: lines.join('\n'),
        stop: async () => {
          child.kill('SIGTERM');
          if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
        },
      });
    });
  });
}

/** All the text items of a PDF as pdf.js lays them out, one per line. */
async function displayedText(pdf: Buffer): Promise<string> {
  const pdfjs = await loadPdfJs();
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), ...PDFJS_OPTIONS, verbosity: 0 }).promise;
  const items: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item) items.push(item.str);
  }
  await doc.destroy();
  return items.join('\n');
}

/** The email and password the demo printed for a role. */
function signInOf(output: string, role: string): { email: string; password: string } {
  const match = new RegExp(`^ {2}${role} {2,}(\\S+@\\S+) +(\\S+)`, 'm').exec(output);
  if (!match) throw new Error(`the demo printed no sign-in for ${role}:\n${output}`);
  return { email: match[1], password: match[2] };
}

const signIn = (demo: RunningDemo, role: string) => {
  const { email, password } = signInOf(demo.output, role);
  return Client.login(demo.base, email, password);
};

async function roomPathOf(client: Client): Promise<string> {
  const rooms = await client.get('/api/rooms');
  expect(rooms.body.items).toHaveLength(1);
  return `/api/rooms/${rooms.body.items[0].id}`;
}

/** What the deal holds, as the admin and the manager see it: a second run must not change it. */
async function dealCensus(demo: RunningDemo) {
  const admin = await signIn(demo, 'admin');
  const manager = await signIn(demo, 'manager');
  const roomPath = await roomPathOf(manager);
  const count = async (client: Client, url: string) => (await client.get(url)).body.items.length as number;
  return {
    orgs: await count(admin, '/api/orgs'),
    users: await count(admin, '/api/users'),
    entities: await count(admin, '/api/entities'),
    rooms: await count(admin, '/api/rooms'),
    folders: await count(manager, `${roomPath}/folders`),
    documents: await count(manager, `${roomPath}/documents`),
    ndas: await count(manager, `${roomPath}/ndas`),
    grants: await count(manager, `${roomPath}/grants`),
  };
}

let dataDir: string;
let demo: RunningDemo;

beforeAll(async () => {
  dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-demo-')), 'data-demo');
  demo = await runDemo(dataDir);
}, 60_000);

afterAll(async () => {
  await demo?.stop();
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

it('prints a sign-in for every role, each of which signs in', async () => {
  for (const role of ['admin', 'manager', 'counsel', 'bidder A member', 'bidder A advisor', 'bidder B member']) {
    await expect(signIn(demo, role)).resolves.toBeInstanceOf(Client);
  }
});

it('lets the printed bidder A member download a copy stamped with her name, her organisation and the download id', async () => {
  const bidderA = await signIn(demo, 'bidder A member');
  const roomPath = await roomPathOf(bidderA);
  const documents = await bidderA.get(`${roomPath}/documents`);
  expect(documents.status).toBe(200);
  const articles = documents.body.items.find((d: { title: string }) => d.title === 'Articles of association — Halvorsen Precision GmbH');
  const res = await bidderA.get(`/api/documents/${articles.id}/content`).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  // The footer line, as pdftotext reads it: the code name, the download id and her email.
  const footer = pdfText(res.body as Buffer);
  expect(footer).toContain('Halvorsen Precision GmbH');
  expect(footer).toContain(`Project Falcon · Download ${res.headers['x-download-id']} · ${bidderA.user.email}`);
  // The diagonal stamp, which pdftotext breaks into letters, as a viewer's text layer holds it.
  const stamp = await displayedText(res.body as Buffer);
  expect(stamp).toContain(bidderA.user.name);
  expect(stamp).toContain('Northbridge Capital Partners');
});

it("shows bidder A only what its NDA and grant reach: not the entity its NDA leaves out, not what is above its grant's ceilings", async () => {
  const bidderA = await signIn(demo, 'bidder A member');
  const titles = (await bidderA.get(`${await roomPathOf(bidderA)}/documents`)).body.items.map((d: { title: string }) => d.title);
  expect(titles).toContain('Annual accounts 2024 — Halvorsen Precision GmbH');
  expect(titles).not.toContain('Annual accounts 2024 — Halvorsen Logistics Ltd');
  expect(titles).not.toContain('Management accounts Q1 2025');
  expect(titles).not.toContain('Key employee list');
});

it("answers the printed bidder B member 403 nda_required for the room's documents and folders: Castellan's NDA awaits counsel", async () => {
  const bidderB = await signIn(demo, 'bidder B member');
  const roomPath = await roomPathOf(bidderB);
  for (const list of ['documents', 'folders']) {
    const res = await bidderB.get(`${roomPath}/${list}`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('nda_required');
  }
  const ndas = (await bidderB.get(`${roomPath}/ndas`)).body.items;
  expect(ndas.map((n: { status: string }) => n.status)).toEqual(['pending']);
});

it('leaves a ledger that verifies end to end', async () => {
  const admin = await signIn(demo, 'admin');
  const res = await admin.get('/api/audit/verify');
  expect(res.body).toMatchObject({ ok: true });
});

it('serves the same deal on a second run, building nothing twice', async () => {
  const before = await dealCensus(demo);
  await demo.stop();
  demo = await runDemo(dataDir);
  expect(demo.output).toContain('already');
  expect(await dealCensus(demo)).toEqual(before);
}, 60_000);

it('refuses a folder holding other data, and leaves it untouched', async () => {
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-not-demo-'));
  fs.writeFileSync(path.join(other, 'gatehouse.sqlite'), 'the data of a real deal');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/demo.ts'], {
      env: { ...process.env, PORT: '0', DEMO_DATA_DIR: other },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr).toContain('DEMO_DATA_DIR');
    expect(fs.readdirSync(other)).toEqual(['gatehouse.sqlite']);
    expect(fs.readFileSync(path.join(other, 'gatehouse.sqlite'), 'utf8')).toBe('the data of a real deal');
  } finally {
    fs.rmSync(other, { recursive: true, force: true });
  }
}, 30_000);
