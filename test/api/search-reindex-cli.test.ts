import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';

const run = promisify(execFile);

/** `npm run search:reindex -- <roomId>`: an operator queues a room's text extraction again and runs it. */
let t: TestApp;
let deal: Deal;
beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await t.indexText();
}, 60_000);
afterAll(() => t.close());

const reindex = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli/search-reindex.ts', ...args], {
    env: { ...process.env, DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}) },
  }).then((r) => ({ code: 0, ...r }), (err: { code: number; stdout: string; stderr: string }) => err);

it('re-extracts every document of the room and says how many, leaving them indexed', async () => {
  await t.db('documentText').where({ roomId: deal.room.id }).update({ status: 'failed', reason: 'tesseract was not installed' });
  const { code, stdout } = await reindex([deal.room.id]);
  expect(code).toBe(0);
  expect(stdout).toContain('3 documents of "Sale of Falcon" queued');
  expect(stdout).toContain('3 indexed');
  const statuses = await t.db('documentText').where({ roomId: deal.room.id }).pluck('status');
  expect(statuses).toEqual(['indexed', 'indexed', 'indexed']);
  const found = await deal.manager.get(`${deal.roomPath}/search?q=payroll`);
  expect(found.body.items.map((h: { documentId: string }) => h.documentId)).toEqual([deal.docs.payroll.id]);
}, 60_000);

it('with --queue-only, queues them for the servers and extracts nothing itself', async () => {
  const { code, stdout } = await reindex([deal.room.id, '--queue-only']);
  expect(code).toBe(0);
  expect(stdout).not.toContain('extracted here');
  expect(await t.db('documentText').where({ roomId: deal.room.id }).pluck('status')).toEqual(['pending', 'pending', 'pending']);
  await t.indexText();
}, 60_000);

it('refuses an unknown room, or none, with exit status 2 and the reason', async () => {
  const unknown = await reindex([randomUUID()]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/no room/);
  const none = await reindex([]);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/name the room/);
}, 60_000);
