import { startTestApp, type TestApp } from '../support/test-app.js';
import { createDb, type Db } from '../../server/db.js';
import { appendAuditEvent, type AuditEventInput } from '../../server/ledger/ledger.js';
import { verifyChain } from '../../server/ledger/verify-chain.js';

/**
 * Events that are not part of a change (reads, lists, refusals) are appended by group commit: they
 * share commits under load, and each caller still learns of its own event only once it is stored.
 */
let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

const event = (i: number, actorId: string | null = null): AuditEventInput => ({
  actorId,
  action: 'document.read',
  subjectType: 'Document',
  subjectId: `doc-${i}`,
  decision: 'allow',
  details: { i },
});

/** Every INSERT into audit_events that `db` sends while `run` runs. */
async function ledgerInserts(db: Db, run: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const listener = (q: { sql: string }) => {
    if (/^insert into [`"]audit_events[`"]/i.test(q.sql)) n += 1;
  };
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  return n;
}

async function expectUnbrokenChain(db: Db, count: number) {
  const rows = await db('auditEvents').orderBy('seq').select('seq');
  expect(rows.map((r: { seq: number | string }) => Number(r.seq))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(await verifyChain(db)).toMatchObject({ ok: true, count });
}

describe('group commit of the ledger', () => {
  it('stores every one of many appends made at once, each caller holding its own event, in fewer statements than events', async () => {
    const before = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
    let returned: Awaited<ReturnType<typeof appendAuditEvent>>[] = [];
    const inserts = await ledgerInserts(t.db, async () => {
      returned = await Promise.all(Array.from({ length: 300 }, (_, i) => appendAuditEvent(t.db, event(i))));
    });
    expect(inserts).toBeLessThan(300);
    expect(new Set(returned.map((r) => r.seq)).size).toBe(300);
    // Each promise resolved with the row stored for its own input.
    for (const [i, row] of returned.entries()) {
      const stored = await t.db('auditEvents').where({ seq: row.seq }).first();
      expect(stored).toMatchObject({ subjectId: `doc-${i}`, hash: row.hash, prevHash: row.prevHash });
    }
    await expectUnbrokenChain(t.db, before + 300);
  });

  it('refuses an event that cannot be stored to its caller alone; the rest of its batch commits', async () => {
    const before = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
    const results = await Promise.allSettled([
      appendAuditEvent(t.db, event(1)),
      appendAuditEvent(t.db, { ...event(2), details: { size: BigInt(1) } }),
      appendAuditEvent(t.db, event(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expectUnbrokenChain(t.db, before + 2);
  });

  it('interleaves with appends of another process and of change transactions without forking the chain', async () => {
    // A second handle on the same database is what a second Gatehouse process holds.
    const other = createDb({ dataDir: t.dataDir, databaseUrl: t.config.databaseUrl });
    try {
      const before = Number((await t.db('auditEvents').count({ n: '*' }).first())!.n);
      const work: Array<Promise<unknown>> = [];
      for (let i = 0; i < 60; i++) {
        work.push(appendAuditEvent(t.db, event(i)));
        work.push(appendAuditEvent(other, event(1000 + i)));
        // An event written in the transaction of the change it records.
        if (i % 5 === 0) work.push(t.db.transaction((trx) => appendAuditEvent(trx, event(2000 + i))));
      }
      await Promise.all(work);
      await expectUnbrokenChain(t.db, before + 60 + 60 + 12);
      // The other process keeps appending after its known head went stale.
      await appendAuditEvent(other, event(3000));
      await appendAuditEvent(t.db, event(3001));
      await expectUnbrokenChain(t.db, before + 134);
    } finally {
      await other.destroy();
    }
  });
});
