import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildDeal, type Deal } from '../support/world.js';
import { badContentPdf } from '../support/damaged-pdf.js';
import { uploadKeyOf } from '../../server/maintenance/orphan-sweeper.js';
import { startCluster, type Cluster } from './support/cluster.js';
import type { ServerProcess } from './support/server-process.js';

/**
 * R7: any upload, however broken, gets an answer — at worst a 422 naming the reason — within the
 * intake's budget; nothing of a refused upload stays behind (no document row, no stored object, no
 * derived object) and no process it started outlives the answer. The budget is made small here
 * (INTAKE_TIMEOUT_SECONDS) so a file that would keep qpdf busy for minutes shows it in seconds.
 *
 * The files: every file of the shared corpus, each also cut at three points (one just before its
 * end, where the trailer and startxref live) and spoiled two ways (its header followed by noise;
 * its middle overwritten with noise), noise alone, and a file damaged like qpdf's bad-content.pdf.
 */
const BUDGET_S = 10;
/** The budget, the intake's grace to stop (5 s), and room for a loaded machine to move the bytes. */
const ANSWER_WITHIN_MS = (BUDGET_S + 5 + 10) * 1000;
const CORPUS = path.resolve('../shared/corpus/pdf');

let cluster: Cluster;
let server: ServerProcess;
let deal: Deal;
beforeAll(async () => {
  cluster = await startCluster({ INTAKE_TIMEOUT_SECONDS: String(BUDGET_S) });
  server = await cluster.start();
  deal = await buildDeal({ app: server.base });
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

const ACCEPTED_REFUSALS = new Set(['pdf_too_complex', 'unreadable_pdf', 'pdf_password_required']);

interface Outcome {
  label: string;
  status: number;
  ms: number;
  code?: string;
  message?: string;
}

async function uploadTimed(label: string, data: Buffer, url = `${deal.roomPath}/documents`): Promise<Outcome> {
  const started = Date.now();
  const fields: Record<string, string> = url.endsWith('/versions')
    ? {}
    : { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' };
  try {
    const res = await deal.manager.upload(url, { data, name: `${label.replace(/[^\w.-]+/g, '_')}.pdf` }, fields).timeout({ response: 90_000, deadline: 90_000 });
    return { label, status: res.status, ms: Date.now() - started, code: res.body?.error?.code, message: res.body?.error?.message };
  } catch (err) {
    // No answer at all: the failure R7 is about, reported with the file's name.
    return { label, status: 0, ms: Date.now() - started, message: String(err) };
  }
}

/** qpdf and LibreOffice processes the server started and that are still there (zombies aside). */
function intakeChildren(pid: number): string[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'stat=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
  return out
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('Z'))
    .filter((line) => /qpdf|soffice|bwrap|\bsh -c ulimit/.test(line));
}

async function noIntakeChildrenLeft(pid: number): Promise<string[]> {
  let left = intakeChildren(pid);
  for (let i = 0; i < 30 && left.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = intakeChildren(pid);
  }
  return left;
}

function variantsOf(name: string, bytes: Buffer): Array<[string, Buffer]> {
  const noise = (n: number) => randomBytes(Math.max(1, n));
  const middle = Buffer.from(bytes);
  noise(Math.floor(bytes.length / 3)).copy(middle, Math.floor(bytes.length / 3));
  return [
    [name, bytes],
    [`${name} cut at 30%`, bytes.subarray(0, Math.floor(bytes.length * 0.3))],
    [`${name} cut at 70%`, bytes.subarray(0, Math.floor(bytes.length * 0.7))],
    [`${name} without its last 40 bytes`, bytes.subarray(0, Math.max(8, bytes.length - 40))],
    [`${name} header then noise`, Buffer.concat([bytes.subarray(0, 9), noise(Math.min(bytes.length, 256 * 1024))])],
    [`${name} middle overwritten`, middle],
  ];
}

it('answers every corpus PDF, its truncations and garbage variants within the intake budget, at worst with a 422 naming the reason, and keeps nothing of a refusal', async () => {
  const documentsBefore = Number((await cluster.db('documents').count({ n: '*' }))[0].n);
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.pdf')).sort();
  expect(files.length).toBeGreaterThan(20);
  const cases: Array<[string, Buffer]> = [['noise alone', randomBytes(64 * 1024)]];
  for (const f of files) cases.push(...variantsOf(f, fs.readFileSync(path.join(CORPUS, f))));

  const outcomes: Outcome[] = [];
  // Two at a time: the intake of one upload must not wait for another's.
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < cases.length) {
        const [label, data] = cases[next++]!;
        outcomes.push(await uploadTimed(label, data));
      }
    }),
  );

  const late = outcomes.filter((o) => o.ms > ANSWER_WITHIN_MS);
  expect(late).toEqual([]);
  const unexpected = outcomes.filter((o) => ![201, 415, 422].includes(o.status));
  expect(unexpected).toEqual([]);
  for (const o of outcomes.filter((x) => x.status === 422)) {
    expect({ label: o.label, code: ACCEPTED_REFUSALS.has(o.code ?? '') }).toEqual({ label: o.label, code: true });
    expect(o.message).toMatch(/\w{3,}.*\./);
  }
  // The corpus itself is read: most files are accepted as they are (the rest are refused for a reason above).
  expect(outcomes.filter((o) => files.includes(o.label) && o.status === 201).length).toBeGreaterThan(files.length / 2);

  const accepted = outcomes.filter((o) => o.status === 201).length;
  expect(Number((await cluster.db('documents').count({ n: '*' }))[0].n)).toBe(documentsBefore + accepted);
  expect(await unreferencedObjects()).toEqual([]);
  expect(await noIntakeChildrenLeft(server.child.pid!)).toEqual([]);
  expect(server.errors()).toEqual([]);
}, 900_000);

it('answers a bad-content-style PDF that keeps qpdf warning for minutes with 422 pdf_too_complex within the budget, as an upload and as a new version, and kills qpdf', async () => {
  const damaged = badContentPdf(50_000);
  const documentsBefore = Number((await cluster.db('documents').count({ n: '*' }))[0].n);
  const versionsBefore = Number((await cluster.db('documentVersions').count({ n: '*' }))[0].n);

  for (const url of [`${deal.roomPath}/documents`, `/api/documents/${deal.docs.finance.id}/versions`]) {
    const o = await uploadTimed('bad-content', damaged, url);
    expect({ status: o.status, code: o.code }).toEqual({ status: 422, code: 'pdf_too_complex' });
    expect(o.message).toMatch(/longer than the .*allowed/);
    expect(o.ms).toBeGreaterThanOrEqual(BUDGET_S * 1000 - 1000);
    expect(o.ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await noIntakeChildrenLeft(server.child.pid!)).toEqual([]);
  }

  expect(Number((await cluster.db('documents').count({ n: '*' }))[0].n)).toBe(documentsBefore);
  expect(Number((await cluster.db('documentVersions').count({ n: '*' }))[0].n)).toBe(versionsBefore);
  expect(await unreferencedObjects()).toEqual([]);
  // The server kept answering throughout, and is well.
  expect((await deal.manager.get('/api/me')).status).toBe(200);
  expect(server.errors()).toEqual([]);
}, 300_000);

/** Stored objects (uploads and what is derived from them) that no version or NDA row references. */
async function unreferencedObjects(): Promise<string[]> {
  const store = cluster.store();
  const referenced = new Set<string>();
  for (const table of ['documentVersions', 'ndas']) {
    for (const row of (await cluster.db(table).select('objectKey')) as Array<{ objectKey: string }>) referenced.add(row.objectKey);
  }
  const unreferenced: string[] = [];
  for (const prefix of ['versions/', 'ndas/']) {
    for await (const object of store.list(prefix)) if (!referenced.has(uploadKeyOf(object.key))) unreferenced.push(object.key);
  }
  return unreferenced;
}
