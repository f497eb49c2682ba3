import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { verifyLedgerIntegrity } from '../../server/audit/verify-ledger.js';
import { writeCheckpoint } from '../../server/audit/checkpoints.js';
import { loadLedgerKey } from '../../server/audit/signing-key.js';

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
    // A failed login with an unknown email keeps only the email's hash.
    expect(ledger).not.toContain('stranger@unknown.example');
    const unknown = await t.db('auditEvents').where({ action: 'auth.login', decision: 'deny' }).whereNull('actorId');
    expect(unknown.length).toBeGreaterThan(0);
    for (const e of unknown) expect(JSON.parse(e.details).emailSha256).toMatch(/^[0-9a-f]{64}$/);
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
