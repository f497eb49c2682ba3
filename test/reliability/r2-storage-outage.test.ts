import { makePdf } from '../support/fixtures.js';
import { ADMIN, Client } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { uploadKeyOf } from '../../server/maintenance/orphan-sweeper.js';
import { startCluster, type Cluster } from './support/cluster.js';
import type { ServerProcess } from './support/server-process.js';

/**
 * R2: the object store goes away mid-run. Content requests answer 503 storage_unavailable,
 * everything that only needs the database keeps working, an upload leaves nothing behind, and when
 * the store is back the same process serves content again — no restart.
 */
let cluster: Cluster;
let server: ServerProcess;
let deal: Deal;
let buyer: Client;
beforeAll(async () => {
  cluster = await startCluster();
  server = await cluster.start();
  deal = await buildDeal({ app: server.base });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'original' });
  buyer = await deal.login('buyerA');
}, 90_000);
afterAll(async () => {
  await cluster?.close();
});

const content = (client: Client, id: string) => client.get(`/api/documents/${id}/content`);
const upload = async () =>
  deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('written during the outage'), name: 'outage.pdf' }, {
    folderId: deal.folders.finance.id,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  });

it('answers content with 503 storage_unavailable while the store is down, keeps metadata working, and recovers by itself', async () => {
  expect((await content(buyer, deal.docs.finance.id)).status).toBe(200);
  expect((await cluster.db('documents').count({ n: '*' }))[0].n).toBe('3');

  await cluster.stopStorage();

  for (const res of [
    await content(buyer, deal.docs.finance.id),
    await buyer.get(`/api/documents/${deal.docs.legal.id}/original`),
    await deal.manager.get(`/api/documents/${deal.docs.payroll.id}/content?disposition=inline`),
  ]) {
    expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { error: { code: 'storage_unavailable', message: expect.any(String) } } });
  }
  const failedUpload = await upload();
  expect(failedUpload.status).toBe(503);
  expect(failedUpload.body.error.code).toBe('storage_unavailable');

  // Metadata: lists, reads and changes that touch no file.
  expect((await buyer.get(`${deal.roomPath}/documents`)).body.items).toHaveLength(3);
  expect((await buyer.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(200);
  expect((await buyer.get(`${deal.roomPath}/folders`)).status).toBe(200);
  expect((await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Made while the store was down' })).status).toBe(201);

  // Readiness tells the load balancer; liveness does not ask for a restart.
  const ready = await fetch(`${server.base}/api/health/ready`);
  expect(ready.status).toBe(503);
  expect((await ready.json()).checks).toEqual({ database: 'ok', storage: 'unavailable', process: 'ok' });
  expect((await fetch(`${server.base}/api/health`)).status).toBe(200);

  // Nothing half-written: the failed upload left no row.
  expect((await cluster.db('documents').count({ n: '*' }))[0].n).toBe('3');

  await cluster.restartStorage();

  const back = await content(buyer, deal.docs.finance.id);
  expect(back.status).toBe(200);
  expect(back.headers['content-type']).toMatch(/pdf/);
  expect((await fetch(`${server.base}/api/health/ready`)).status).toBe(200);
  expect((await upload()).status).toBe(201);

  // Every stored object belongs to a row; the ledger recorded the refusals and still verifies.
  const uploads = new Set<string>();
  for await (const object of cluster.store().list('versions/')) uploads.add(uploadKeyOf(object.key));
  const rows = await cluster.db('documentVersions').select('objectKey');
  expect([...uploads].sort()).toEqual(rows.map((r: { objectKey: string }) => r.objectKey).sort());
  const admin = await Client.login(server.base, ADMIN.email, ADMIN.password);
  expect((await admin.get('/api/audit/verify')).body.ok).toBe(true);
}, 120_000);
