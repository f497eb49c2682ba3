import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { ADMIN, Client } from '../support/test-app.js';
import { makePdf } from '../support/fixtures.js';
import { buildDeal, PASSWORD } from '../support/world.js';
import { uploadKeyOf } from '../../server/maintenance/orphan-sweeper.js';
import { startCluster, type Cluster } from './support/cluster.js';

/**
 * R3: `kill -9` while a document uploads. After a restart no document row lacks its object, no
 * object that no row references stays (the sweeper removes what a crash left), and the server starts
 * cleanly. The crash can land in two places: mid-stream (the object never completes, so it is never
 * visible) and between the object being stored and its row committing — a window too narrow to hit
 * by timing a kill, so that object is planted directly, exactly as such a crash leaves it.
 */
let cluster: Cluster;
beforeAll(async () => {
  // A short grace and interval so the test sees the sweeps; production keeps hours (see docs/deploy.md).
  cluster = await startCluster({ ORPHAN_GRACE_MINUTES: '0.02', MAINTENANCE_INTERVAL_MINUTES: '0.05' });
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

/** Streams a multipart upload of `total` bytes at the pace the server reads it; resolves when `stop` says so. */
function startSlowUpload(base: string, path: string, token: string, fields: Record<string, string>, total: number) {
  const boundary = `----gatehouse${randomBytes(8).toString('hex')}`;
  const head =
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent === 0) this.push(Buffer.concat([Buffer.from(head), Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n')]));
      if (sent >= total) return; // never ends: the process dies first
      const chunk = randomBytes(256 * 1024);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  const req = http.request(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  const outcome = new Promise<string>((resolve) => {
    req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (err) => resolve(`failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
  });
  body.pipe(req);
  return { outcome, sentBytes: () => sent };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

it('after a kill -9 mid-upload and a restart, every document has its object and no orphan object stays', async () => {
  const first = await cluster.start();
  const deal = await buildDeal({ app: first.base });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const { token } = (await deal.manager.post('/api/auth/tokens', { name: 'r3', currentPassword: PASSWORD })).body as { token: string };
  const documentsBefore = Number((await cluster.db('documents').count({ n: '*' }))[0].n);

  // Past one 16 MiB part, so the S3 driver has begun a multipart upload when the process dies.
  const multipartUploadsBefore = cluster.s3.listMultipartUploadsCount();
  const upload = startSlowUpload(first.base, `${deal.roomPath}/documents`, token, {
    folderId: deal.folders.finance.id,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  }, 64 * 1024 * 1024);
  await until('the server streams the upload to the store', async () => cluster.s3.listMultipartUploadsCount() > multipartUploadsBefore && upload.sentBytes() > 20 * 1024 * 1024);
  expect(await first.kill()).toBe('SIGKILL');
  expect(await upload.outcome).toMatch(/^failed/);

  // The other crash window: the object is stored, the process dies before its row commits.
  const store = cluster.store();
  const orphanKey = `versions/${randomUUID()}`;
  await store.put(orphanKey, Readable.from([await makePdf('stored, never committed')]));
  await store.put(`${orphanKey}.stamp-index.json`, Readable.from([Buffer.from('{}')]));
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // older than the grace

  const second = await cluster.start({}, { port: first.port });
  await until('the sweeper removed the orphan', async () => (await store.stat(orphanKey)) === null && (await store.stat(`${orphanKey}.stamp-index.json`)) === null);

  expect(Number((await cluster.db('documents').count({ n: '*' }))[0].n)).toBe(documentsBefore);
  const referenced = new Set<string>();
  for (const table of ['documentVersions', 'ndas']) {
    for (const row of (await cluster.db(table).select('objectKey')) as Array<{ objectKey: string }>) {
      referenced.add(row.objectKey);
      expect(await store.stat(row.objectKey)).not.toBeNull();
    }
  }
  const unreferenced: string[] = [];
  for (const prefix of ['versions/', 'ndas/']) {
    for await (const object of store.list(prefix)) if (!referenced.has(uploadKeyOf(object.key))) unreferenced.push(object.key);
  }
  expect(unreferenced).toEqual([]);

  // The restarted server works and the ledger is whole.
  const buyer = await deal.login('buyerA');
  expect((await buyer.get('/api/me')).status).toBe(200);
  const admin = await Client.login(second.base, ADMIN.email, ADMIN.password);
  expect((await admin.get('/api/audit/verify')).body.ok).toBe(true);
  expect(second.errors()).toEqual([]);
}, 120_000);
