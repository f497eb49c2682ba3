import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal } from '../support/world.js';
import { sweepOrphanObjects, uploadKeyOf } from '../../server/maintenance/orphan-sweeper.js';

/** The sweeper removes exactly the objects no row references, once they are older than the grace. */
let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

const put = (key: string) => t.store.put(key, Readable.from([Buffer.from(`bytes of ${key}`)]));
const HOUR = 3_600_000;

it('removes unreferenced objects (and what was derived from them) past the grace, keeps every referenced one', async () => {
  const deal = await buildDeal(t);
  const orphan = `versions/${randomUUID()}`;
  const orphanNda = `ndas/${randomUUID()}`;
  await put(orphan);
  await put(`${orphan}.stamp-index.json`);
  await put(orphanNda);
  const referenced = (await t.db('documentVersions').select('objectKey')).map((r: { objectKey: string }) => r.objectKey);
  expect(referenced).toHaveLength(3);

  // An hour from now, with a 30-minute grace: every object is old enough, only the orphans go.
  const result = await sweepOrphanObjects(t.db, t.store, { graceMs: HOUR / 2, now: Date.now() + HOUR });
  expect(result.removed).toBe(3);
  for (const key of [orphan, `${orphan}.stamp-index.json`, orphanNda]) expect(await t.store.stat(key)).toBeNull();
  for (const key of referenced) expect(await t.store.stat(key)).not.toBeNull();
  // Derived objects of live versions stay with them.
  const kept: string[] = [];
  for await (const object of t.store.list('versions/')) kept.push(object.key);
  expect(new Set(kept.map(uploadKeyOf))).toEqual(new Set(referenced));
  expect((await deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`)).status).toBe(200);
});

it('keeps an unreferenced object younger than the grace: its upload may be about to commit', async () => {
  const young = `versions/${randomUUID()}`;
  await put(young);
  const result = await sweepOrphanObjects(t.db, t.store, { graceMs: HOUR });
  expect(result.removed).toBe(0);
  expect(await t.store.stat(young)).not.toBeNull();
});

it('leaves objects outside versions/ and ndas/ alone', async () => {
  const other = `exports/${randomUUID()}`;
  await put(other);
  await sweepOrphanObjects(t.db, t.store, { graceMs: 0, now: Date.now() + HOUR });
  expect(await t.store.stat(other)).not.toBeNull();
});

it('reads the upload key of derived objects', () => {
  expect(uploadKeyOf('versions/abc')).toBe('versions/abc');
  expect(uploadKeyOf('versions/abc.stamp-index.json')).toBe('versions/abc');
  expect(uploadKeyOf('versions/abc.stampable.pdf')).toBe('versions/abc');
});
