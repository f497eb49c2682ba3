import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN, Client } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { startCluster, type Cluster } from '../reliability/support/cluster.js';
import { startServerProcess, type ServerProcess } from '../reliability/support/server-process.js';

/*
 * docs/access-rule.md: rights never outlive their source — terminating an NDA, removing a member, deleting a
 * grant or closing the room takes effect on the very next request, and links already handed out
 * stop working. Behind a load balancer the revocation lands on one process and the bidder's next
 * request on another, whose ability cache was warmed a moment before. Two real server processes
 * share one database: PostgreSQL (with one S3 store), and one SQLite file (one data directory).
 */

interface Pair {
  /** Where the deal team acts. */
  a: ServerProcess;
  /** Where the bidder's requests land. */
  b: ServerProcess;
}

/** The bidder on process B, and what they can reach there right now. */
async function reach(buyer: Client, deal: Deal) {
  const list = await buyer.get(`${deal.roomPath}/documents`);
  const doc = await buyer.get(`/api/documents/${deal.docs.finance.id}`);
  const content = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary);
  return { list: list.status, listed: list.status === 200 ? list.body.items.length : null, doc: doc.status, content: content.status, downloadId: content.headers['x-download-id'] as string | undefined };
}

function revocationSuite(name: string, start: () => Promise<Pair & { close(): Promise<void> }>) {
  describe(name, () => {
    let pair: Pair & { close(): Promise<void> };
    let deal: Deal;
    /** The deal team's clients, signed in on process A. */
    let managerOnA: Client;
    let counselOnA: Client;
    /** Party A's buyer, signed in on process B. */
    let buyerOnB: Client;

    beforeAll(async () => {
      pair = await start();
      deal = await buildDeal({ app: pair.a.base });
      managerOnA = deal.manager;
      counselOnA = deal.counsel;
      buyerOnB = await Client.login(pair.b.base, deal.users.buyerA.email, 'a long enough passphrase');
    }, 180_000);
    afterAll(async () => {
      await pair?.close();
    });

    /** Grants and covers party A afresh, then warms process B's ability cache with a full reach. */
    async function coveredAndWarm() {
      const grant = await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
      const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
      const before = await reach(buyerOnB, deal);
      expect(before).toMatchObject({ list: 200, listed: 3, doc: 200, content: 200 });
      // A second request on B: served from the cache warmed by the first.
      expect((await buyerOnB.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(200);
      return { grant, nda, downloadId: before.downloadId! };
    }

    /** Nothing of the document reaches the bidder on B, not even by a link handed out before. */
    async function expectRefusedOnB(downloadId: string, listStatus: number[]) {
      const after = await reach(buyerOnB, deal);
      expect(listStatus).toContain(after.list);
      if (after.list === 200) expect(after.listed).toBe(0);
      expect([403, 404]).toContain(after.doc);
      expect([403, 404]).toContain(after.content);
      const resumed = await buyerOnB.get(`/api/documents/${deal.docs.finance.id}/content?download=${downloadId}`).set('Range', 'bytes=0-99').buffer(true).parse(binary);
      expect([403, 404]).toContain(resumed.status);
    }

    it('refuses the bidder on process B at once when process A deletes their grant', async () => {
      const { grant, nda, downloadId } = await coveredAndWarm();
      expect((await managerOnA.delete(`${deal.roomPath}/grants/${grant.id}`)).status).toBe(204);
      await expectRefusedOnB(downloadId, [200]);
      // Clean slate for the next case: the NDA ends too.
      expect((await counselOnA.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'next case' })).status).toBe(200);
    }, 60_000);

    it('refuses the bidder on process B at once when process A terminates their NDA', async () => {
      const { grant, nda, downloadId } = await coveredAndWarm();
      expect((await counselOnA.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'bidder withdrew' })).status).toBe(200);
      await expectRefusedOnB(downloadId, [403]);
      expect((await buyerOnB.get(`${deal.roomPath}/documents`)).body.error.code).toBe('nda_required');
      expect((await managerOnA.delete(`${deal.roomPath}/grants/${grant.id}`)).status).toBe(204);
    }, 60_000);

    it('refuses the bidder on process B at once when process A removes them from the party', async () => {
      const { grant, nda, downloadId } = await coveredAndWarm();
      expect((await managerOnA.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.buyerA.id}`)).status).toBe(204);
      await expectRefusedOnB(downloadId, [403, 404]);
      expect((await managerOnA.post(`${deal.roomPath}/parties/${deal.parties.A.id}/members`, { userId: deal.users.buyerA.id })).status).toBe(201);
      expect((await counselOnA.post(`${deal.roomPath}/ndas/${nda.id}/terminate`, { reason: 'next case' })).status).toBe(200);
      expect((await managerOnA.delete(`${deal.roomPath}/grants/${grant.id}`)).status).toBe(204);
    }, 60_000);

    it('refuses the bidder on process B at once when the admin on process A disables them', async () => {
      const { downloadId } = await coveredAndWarm();
      const admin = await Client.login(pair.a.base, ADMIN.email, ADMIN.password);
      expect((await admin.post(`/api/users/${deal.users.buyerA.id}/disable`)).status).toBe(200);
      expect((await buyerOnB.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(401);
      expect((await buyerOnB.get(`/api/documents/${deal.docs.finance.id}/content?download=${downloadId}`)).status).toBe(401);
    }, 60_000);

    it('refuses everyone on process B at once when process A closes the room', async () => {
      // The disabled buyer's advisor, covered through the acquirer's NDA, is the bidder here.
      await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
      await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
      const advisorOnB = await Client.login(pair.b.base, deal.users.advisorA.email, 'a long enough passphrase');
      const warm = await reach(advisorOnB, deal);
      expect(warm).toMatchObject({ list: 200, listed: 3, doc: 200, content: 200 });
      expect((await managerOnA.post(`${deal.roomPath}/close`)).status).toBe(200);
      const after = await reach(advisorOnB, deal);
      expect(after.list).toBe(403);
      expect([403, 404]).toContain(after.doc);
      expect([403, 404]).toContain(after.content);
      const resumed = await advisorOnB.get(`/api/documents/${deal.docs.finance.id}/content?download=${warm.downloadId}`).buffer(true).parse(binary);
      expect([403, 404]).toContain(resumed.status);
    }, 60_000);
  });
}

revocationSuite('two processes on one PostgreSQL database', async () => {
  const cluster: Cluster = await startCluster();
  const [a, b] = [await cluster.start(), await cluster.start()];
  return { a, b, close: () => cluster.close() };
});

revocationSuite('two processes on one SQLite file', async () => {
  // One data directory: the same SQLite file, object store and local secrets for both.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-sqlite-'));
  const env = { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
  const a = await startServerProcess(env, { dataDir });
  const b = await startServerProcess(env, { dataDir });
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.kill(), b.kill()]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
