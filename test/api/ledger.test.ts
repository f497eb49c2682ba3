import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { createDb } from '../../server/db.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { ADMIN, Client } from '../support/test-app.js';
import { verifyChain } from '../../server/ledger/verify-chain.js';
import { verifyLedgerIntegrity } from '../../server/ledger/verify-ledger.js';
import { loadCheckpoints, signCheckpoint, writeCheckpoint } from '../../server/ledger/checkpoints.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { eventBody, eventHash, type AuditEventRow } from '../../server/ledger/ledger.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';
import { dropAppendOnlyTriggers } from '../../migrations/20261124100004-append-only-ledger.js';
import { afterResponseTasksSettled } from '../../server/service-context.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

/** Traffic of every kind the ledger records: NDA steps, grants, deliveries, refusals, a failed login. */
async function mixedTraffic() {
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  const buyerA = await deal.login('buyerA');
  const buyerB = await deal.login('buyerB');
  expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
  expect((await buyerA.get(`/api/documents/${deal.docs.payroll.id}/content?disposition=inline`)).status).toBe(200);
  expect((await buyerA.get(`/api/documents/${deal.docs.legal.id}/content`)).status).toBe(404);
  expect((await buyerB.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(403);
  expect((await request(t.app).post('/api/auth/login').send({ email: 'nobody@example.com', password: 'wrong password here' })).status).toBe(401);
  await refusalsExplained();
}

/**
 * The explanations of refused document requests are recorded after their answers went out (so a
 * refusal takes as long for a real id as for a made-up one): a checkpoint taken now must wait for
 * them, or they land after it.
 */
async function refusalsExplained() {
  const refused = () => t.db('auditEvents').where({ decision: 'deny' }).whereIn('action', ['document.download', 'document.view']).count({ n: '*' }).first();
  const explained = () => t.db('auditEvents').where({ action: 'document.refusal.explained' }).count({ n: '*' }).first();
  for (let i = 0; i < 200 && Number((await explained())!.n) < Number((await refused())!.n); i++) await new Promise((r) => setTimeout(r, 10));
  await afterResponseTasksSettled(t.db);
}

const verify = () => verifyLedgerIntegrity(t);
const headSeq = async () => Number((await t.db('auditEvents').max({ max: 'seq' }).first())!.max);

describe('the audit ledger', () => {
  it('verifies end to end after mixed traffic, through GET /api/audit/verify', async () => {
    await mixedTraffic();
    await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    await mixedTraffic();
    const res = await deal.admin.get('/api/audit/verify');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, count: expect.any(Number), head: expect.stringMatching(/^[0-9a-f]{64}$/), checkpoint: { seq: expect.any(Number) } });
    expect(res.body.count).toBeGreaterThan(40);
    const denials = await t.db('auditEvents').where({ decision: 'deny' }).count({ n: '*' }).first();
    expect(Number(denials!.n)).toBeGreaterThanOrEqual(4);
  });

  it('verifies after a restart on the same database and key, and keeps appending to the same chain', async () => {
    await mixedTraffic();
    await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    const before = await headSeq();
    await t.db.destroy();

    // A new process: a new database handle, app and key load, nothing carried over in memory.
    t.db = createDb({ dataDir: t.dataDir, databaseUrl: t.config.databaseUrl });
    t.app = createApp({ db: t.db, store: t.store, config: t.config, logger: createLogger('silent') });
    try {
      const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
      const res = await admin.get('/api/audit/verify');
      expect(res.body).toMatchObject({ ok: true, checkpoint: { seq: before } });
      expect(res.body.count).toBeGreaterThan(before);
      expect(await verify()).toMatchObject({ ok: true });
    } finally {
      await t.db.destroy();
    }
  });

  it('answers GET /api/audit/verify only to admins', async () => {
    expect((await deal.manager.get('/api/audit/verify')).status).toBe(403);
  });
});

describe('the database triggers', () => {
  it('refuse UPDATE of an audit event', async () => {
    await expect(t.db('auditEvents').where({ seq: 3 }).update({ details: '{}' })).rejects.toThrow(/append-only/);
  });

  it('refuse DELETE of an audit event', async () => {
    await expect(t.db('auditEvents').where({ seq: 3 }).delete()).rejects.toThrow(/append-only/);
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('refuse UPDATE and DELETE of a signed checkpoint', async () => {
    const c = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    await expect(t.db('auditCheckpoints').where({ seq: c!.seq }).update({ headHash: '0'.repeat(64) })).rejects.toThrow(/append-only/);
    await expect(t.db('auditCheckpoints').where({ seq: c!.seq }).delete()).rejects.toThrow(/append-only/);
  });
});

describe('tampering, with the triggers dropped first', () => {
  beforeEach(async () => {
    await mixedTraffic();
    await dropAppendOnlyTriggers(t.db);
  });

  it('names the seq of any edited row', async () => {
    const rows: AuditEventRow[] = await t.db('auditEvents').orderBy('seq');
    for (const row of rows) {
      await t.db('auditEvents').where({ seq: row.seq }).update({ details: '{"edited":true}' });
      expect(await verifyChain(t.db)).toMatchObject({ ok: false, brokenSeq: Number(row.seq) });
      await t.db('auditEvents').where({ seq: row.seq }).update({ details: row.details });
    }
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the seq of an edited decision or actor', async () => {
    const deny = await t.db('auditEvents').where({ decision: 'deny' }).first();
    await t.db('auditEvents').where({ seq: deny.seq }).update({ decision: 'allow' });
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: Number(deny.seq), reason: 'hash does not match the event' });
    await t.db('auditEvents').where({ seq: deny.seq }).update({ decision: 'deny', actorId: deal.users.manager.id });
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: Number(deny.seq) });
  });

  it('names the seq of any deleted row', async () => {
    const rows: AuditEventRow[] = await t.db('auditEvents').orderBy('seq');
    for (const row of rows.slice(0, -1)) {
      await t.db('auditEvents').where({ seq: row.seq }).delete();
      expect(await verifyChain(t.db)).toMatchObject({ ok: false, brokenSeq: Number(row.seq) });
      await t.db('auditEvents').insert(row);
    }
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the seq where two rows were swapped', async () => {
    await t.db('auditEvents').where({ seq: 5 }).update({ seq: -5 });
    await t.db('auditEvents').where({ seq: 6 }).update({ seq: 5 });
    await t.db('auditEvents').where({ seq: -5 }).update({ seq: 6 });
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 5, reason: 'prev_hash does not match the previous event' });
  });

  it('names the first missing seq when the tail was cut off after a checkpoint', async () => {
    const c = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    await t.db('auditEvents').where('seq', '>', c!.seq - 3).delete();
    expect(await verifyChain(t.db)).toMatchObject({ ok: true }); // the chain alone cannot tell
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: c!.seq - 2, reason: expect.stringMatching(/tail was cut off/) });
  });

  it('detects the cut tail from the object store when the checkpoint rows were deleted too', async () => {
    const c = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    await t.db('auditEvents').where('seq', '>', c!.seq - 5).delete();
    await t.db('auditCheckpoints').delete();
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: c!.seq - 4 });
  });

  it('detects a chain rewritten and re-hashed after a checkpoint', async () => {
    const c = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    // Rewrite history from seq 10 on, recomputing every hash so that the chain itself is consistent again.
    const rows: AuditEventRow[] = await t.db('auditEvents').where('seq', '>=', 10).orderBy('seq');
    let prevHash = (await t.db('auditEvents').where({ seq: 9 }).first()).hash;
    await t.db('auditEvents').where('seq', '>=', 10).delete();
    for (const row of rows) {
      const forged = { ...row, details: Number(row.seq) === 10 ? '{"rewritten":true}' : row.details, prevHash };
      forged.hash = eventHash(prevHash, forged);
      await t.db('auditEvents').insert(forged);
      prevHash = forged.hash;
    }
    expect(await verifyChain(t.db)).toMatchObject({ ok: true });
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: c!.seq, reason: expect.stringMatching(/rewritten from the start/) });
  });

  it('refuses a checkpoint signed with another key', async () => {
    const head = await t.db('auditEvents').orderBy('seq', 'desc').first();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const forged = signCheckpoint({ privateKey, publicKey, keyId: loadLedgerKey(t.config.audit).keyId }, { seq: Number(head.seq), headHash: head.hash, at: new Date().toISOString() });
    await t.db('auditCheckpoints').insert(forged);
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: Number(head.seq), reason: expect.stringMatching(/valid signature/) });
  });

  it('reports the broken seq through GET /api/audit/verify', async () => {
    await t.db('auditEvents').where({ seq: 7 }).update({ action: 'nothing.happened' });
    const res = await deal.admin.get('/api/audit/verify');
    expect(res.body).toMatchObject({ ok: false, brokenSeq: 7, count: 6, reason: expect.any(String) });
  });

  it('keeps checkpoints in the object store, one per head and the latest', async () => {
    const c = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    const stored = (await loadCheckpoints(t.db, t.store)).filter((x) => x.seq === c!.seq);
    expect(stored).toEqual([c]);
    expect(await t.store.stat(`ledger/checkpoints/${String(c!.seq).padStart(20, '0')}.json`)).not.toBeNull();
  });
});

describe('the hashed bytes of an event', () => {
  it('are exactly the canonical JSON of the event, for every row the ledger holds', async () => {
    await mixedTraffic();
    const rows: AuditEventRow[] = await t.db('auditEvents').orderBy('seq');
    const odd = { ...rows[0], actorId: null, subjectType: null, details: '{"name":"Łukasz \\"Ø\\" \\u2028 </script>"}', seq: 12345 };
    for (const { hash: _h, prevHash: _p, ...row } of [...rows, odd]) {
      expect(eventBody(row)).toBe(canonicalJson({ ...row, seq: Number(row.seq) }));
    }
  });
});
