import { ADMIN, Client } from '../support/test-app.js';
import { buildDeal } from '../support/world.js';
import { startCluster, type Cluster } from './support/cluster.js';

/**
 * R5: a restart loses nothing. Sessions, rooms, NDAs and the ledger live in PostgreSQL and the
 * object store; the new process even gets a fresh data directory, so nothing can come from disk.
 */
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

it('keeps sessions, rooms, NDAs, documents and the ledger across a restart on a new data directory', async () => {
  const first = await cluster.start();
  const deal = await buildDeal({ app: first.base });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  const buyer = await deal.login('buyerA');
  const admin = await Client.login(first.base, ADMIN.email, ADMIN.password);

  const before = {
    me: (await buyer.get('/api/me')).body,
    rooms: (await deal.manager.get('/api/rooms')).body.items,
    ndas: (await deal.counsel.get(`${deal.roomPath}/ndas`)).body.items,
    documents: (await buyer.get(`${deal.roomPath}/documents`)).body.items.map((d: { id: string }) => d.id).sort(),
    ledger: (await admin.get('/api/audit/verify')).body,
  };
  expect(before.ledger.ok).toBe(true);
  expect(before.documents).toHaveLength(3);

  expect(await first.stop()).toBe(0);
  const second = await cluster.start({}, { port: first.port });
  expect(second.dataDir).not.toBe(first.dataDir);

  // The same browser sessions (cookies and CSRF tokens issued by the first process) still work.
  expect((await buyer.get('/api/me')).body).toEqual(before.me);
  expect((await deal.manager.get('/api/rooms')).body.items).toEqual(before.rooms);
  expect((await deal.counsel.get(`${deal.roomPath}/ndas`)).body.items).toEqual(before.ndas);
  expect((await buyer.get(`${deal.roomPath}/documents`)).body.items.map((d: { id: string }) => d.id).sort()).toEqual(before.documents);
  const download = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
  expect(download.status).toBe(200);
  expect(download.headers['x-download-id']).toBeTruthy();
  expect((await deal.manager.post(`${deal.roomPath}/folders`, { name: 'Added after the restart' })).status).toBe(201);

  const after = (await admin.get('/api/audit/verify')).body;
  expect(after.ok).toBe(true);
  expect(after.count).toBeGreaterThan(before.ledger.count);
  const firstEvents = await cluster.db('auditEvents').where('seq', '<=', before.ledger.count).orderBy('seq', 'desc').first('hash');
  expect(firstEvents.hash).toBe(before.ledger.head);
  expect(second.errors()).toEqual([]);
}, 120_000);
