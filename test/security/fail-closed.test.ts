import { Writable } from 'node:stream';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import type { Db } from '../../server/db.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { Client } from '../support/test-app.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
});
afterEach(() => t.close());

/**
 * The real database, except that queries on the named table fail as a broken connection or a lost
 * table would: the one fault injected, to see what the access path does with it.
 */
function dbFailingOn(db: Db, table: RegExp): Db {
  return new Proxy(db, {
    apply(target, thisArg, args: unknown[]) {
      if (typeof args[0] === 'string' && table.test(args[0])) throw new Error(`injected fault: ${args[0]} unavailable`);
      return Reflect.apply(target, thisArg, args);
    },
  });
}

function appWith(db: Db) {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const app = createApp({ db, store: t.store, config: t.config, logger: createLogger('info', sink) });
  return { app, logs: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string } }) };
}

describe('Fail closed (docs/quality.md security 10)', () => {
  it.each([
    ['reading NDA coverage', /^ndas\b/],
    ['reading the grants', /^grants\b/],
    ['reading party membership', /^partyMembers\b/],
  ])('refuses the request, and logs it, when %s errs while building the ability', async (_what, table) => {
    const faulty = appWith(dbFailingOn(t.db, table));
    const buyer = await Client.login(faulty.app, deal.users.buyerA.email, 'a long enough passphrase');
    for (const url of [`${deal.roomPath}/documents`, `/api/documents/${deal.docs.finance.id}/content`, `/api/documents/${deal.docs.finance.id}`]) {
      const res = await buyer.get(url);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'access_check_failed', message: expect.any(String) } });
      expect(JSON.stringify(res.body)).not.toMatch(/injected|ndas|grants/);
    }
    const logged = faulty.logs().filter((l) => l.msg === 'access check failed: request refused');
    expect(logged.length).toBe(3);
    expect(logged[0].level).toBe(50); // error
    expect(logged[0].err?.message).toMatch(/injected fault/);
    // No delivery was made or recorded.
    expect(Number((await t.db('downloads').count({ n: '*' }).first())?.n)).toBe(0);
    // The refusal is in the ledger too, since the ledger itself still works.
    const denied = await t.db('auditEvents').where({ action: 'access.check', decision: 'deny' }).select('actorId');
    expect(denied.map((r: { actorId: string }) => r.actorId)).toEqual(Array(3).fill(deal.users.buyerA.id));
  });

  it('answers the same requests normally once the fault is gone', async () => {
    const healthy = appWith(t.db);
    const buyer = await Client.login(healthy.app, deal.users.buyerA.email, 'a long enough passphrase');
    expect((await buyer.get(`${deal.roomPath}/documents`)).status).toBe(200);
  });

  it('refuses a write when the policy cannot be read, and writes nothing', async () => {
    const faulty = appWith(dbFailingOn(t.db, /^roomStaff\b/));
    const manager = await Client.login(faulty.app, deal.users.manager.email, 'a long enough passphrase');
    const res = await manager.post(`${deal.roomPath}/folders`, { name: 'Should not exist' });
    expect(res.status).toBe(503);
    expect(await t.db('folders').where({ name: 'Should not exist' }).first()).toBeUndefined();
  });
});
