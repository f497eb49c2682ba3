import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { binary } from '../support/binary.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { verifyLedgerIntegrity } from '../../server/ledger/verify-ledger.js';
import { writeCheckpoint } from '../../server/ledger/checkpoints.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
});
afterEach(() => t.close());

const BUYER = { email: 'anna@alpha.example', name: 'Łukasz Ørsted' };

describe('erasing a user', () => {
  it('pseudonymises name and email, and the ledger still verifies against its checkpoint', async () => {
    const buyer = await deal.login('buyerA');
    expect((await buyer.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
    const checkpoint = await writeCheckpoint(t.db, t.store, loadLedgerKey(t.config.audit));
    const before = await t.db('auditEvents').orderBy('seq').select('seq', 'hash');

    const res = await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: deal.users.buyerA.id, erased: true, orgId: deal.orgs.alpha.id });
    expect(res.body.email).not.toContain('anna');
    expect(res.body.name).not.toContain('Łukasz');

    const stored = await t.db('users').where({ id: deal.users.buyerA.id }).first();
    expect(stored.email).toBe(res.body.email);
    expect(stored.erasedAt).toEqual(expect.any(String));
    // Not a row of the chain changed: erasure appends its own event and nothing else.
    expect((await t.db('auditEvents').orderBy('seq').select('seq', 'hash')).slice(0, before.length)).toEqual(before);
    expect(await verifyLedgerIntegrity(t)).toMatchObject({ ok: true, checkpoint: { seq: checkpoint!.seq } });
  });

  it('leaves no trace of the name or email anywhere in the ledger', async () => {
    const buyer = await deal.login('buyerA');
    await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
    await request(t.app).post('/api/auth/login').send({ email: BUYER.email, password: 'not the password at all' });
    await request(t.app).post('/api/auth/login').send({ email: 'stranger@unknown.example', password: 'not the password at all' });
    await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`);
    const ledger = JSON.stringify(await t.db('auditEvents').select());
    expect(ledger).not.toContain(BUYER.email);
    expect(ledger).not.toContain(BUYER.name);
    // A failed login with an unknown email keeps only a keyed pseudonym of it.
    expect(ledger).not.toContain('stranger@unknown.example');
    const unknown = await t.db('auditEvents').where({ action: 'auth.login', decision: 'deny' }).whereNull('actorId');
    expect(unknown.length).toBeGreaterThan(0);
    // Keyed: without the server's key, a list of addresses cannot be tested against it.
    for (const e of unknown) expect(JSON.parse(e.details).emailPseudonym).toMatch(/^[0-9a-f]{64}$/);
    for (const e of unknown) expect(JSON.parse(e.details).emailPseudonym).not.toBe(createHash('sha256').update('stranger@unknown.example').digest('hex'));
  });

  it("erases the person's addresses and stamp text but keeps the chain verifying and an exact trace working", async () => {
    const buyer = await deal.login('buyerA');
    const delivered = await buyer.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary);
    const downloadId = delivered.headers['x-download-id'];
    // The address is not in the chain: only a commitment, which the side table opens.
    const chained = await t.db('auditEvents').where({ actorId: deal.users.buyerA.id });
    expect(chained.length).toBeGreaterThan(0);
    for (const e of chained) expect(JSON.parse(e.details)).not.toHaveProperty('ip');
    const trailBefore = (await deal.counsel.get(`${deal.roomPath}/audit?actorId=${deal.users.buyerA.id}`)).body.items;
    expect(trailBefore.some((e: { details: { ip?: string } }) => typeof e.details.ip === 'string' && e.details.ip.length > 0)).toBe(true);

    await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`);

    expect(await t.db('auditIps').where({ actorId: deal.users.buyerA.id })).toHaveLength(0);
    const trailAfter = (await deal.counsel.get(`${deal.roomPath}/audit?actorId=${deal.users.buyerA.id}`)).body.items;
    for (const e of trailAfter) expect(e.details.ip ?? null).toBeNull();
    const download = await t.db('downloads').where({ id: downloadId }).first();
    expect(download).toMatchObject({ ip: null, userAgent: null, stampFields: null });
    expect(await verifyLedgerIntegrity(t)).toMatchObject({ ok: true });
    const traced = await deal.counsel.upload(`${deal.roomPath}/trace`, { data: delivered.body as Buffer, name: 'leak.pdf' });
    expect(traced.body).toMatchObject({ downloadId, match: 'exact', user: { id: deal.users.buyerA.id } });
  });

  (process.env.TEST_DATABASE_URL ? it.skip : it)('leaves the name and email nowhere in the SQLite database file or its write-ahead log', async () => {
    const buyer = await deal.login('buyerA');
    await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
    await request(t.app).post('/api/auth/login').send({ email: BUYER.email, password: 'not the password at all' });
    await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`);
    const files = fs.readdirSync(t.dataDir).filter((f) => /\.(sqlite|db)(-wal)?$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(t.dataDir, f));
      expect([f, bytes.indexOf(Buffer.from(BUYER.email, 'utf8'))]).toEqual([f, -1]);
      expect([f, bytes.indexOf(Buffer.from(BUYER.name, 'utf8'))]).toEqual([f, -1]);
      expect([f, bytes.indexOf(Buffer.from('Ørsted', 'utf8'))]).toEqual([f, -1]);
    }
  });

  it('ends their sessions and makes their credentials useless', async () => {
    const buyer = await deal.login('buyerA');
    await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`);
    expect((await buyer.get('/api/me')).status).toBe(401);
    expect((await request(t.app).post('/api/auth/login').send({ email: BUYER.email, password: 'a long enough passphrase' })).status).toBe(401);
  });

  it('shows the pseudonym in the disclosure register, which still counts the delivery', async () => {
    const buyer = await deal.login('buyerA');
    await buyer.get(`/api/documents/${deal.docs.finance.id}/content`);
    const erased = (await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`)).body;
    const items = (await deal.counsel.get(`${deal.roomPath}/disclosures`)).body.items;
    expect(items).toEqual([expect.objectContaining({ orgId: deal.orgs.alpha.id, count: 1, users: [{ id: erased.id, name: erased.name, email: erased.email }] })]);
  });

  it('is for admins: a manager gets 403, an unknown user id 404', async () => {
    expect((await deal.manager.post(`/api/users/${deal.users.buyerA.id}/erase`)).status).toBe(403);
    expect((await deal.admin.post('/api/users/00000000-0000-4000-8000-000000000000/erase')).status).toBe(404);
  });
});
