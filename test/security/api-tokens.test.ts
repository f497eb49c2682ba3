import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { totpCode } from '../../server/auth/totp.js';

/** Issue 15, "tokens": API tokens expire, their owner can list and revoke them, and they end with the credentials they were minted under. */
let t: TestApp;
afterEach(() => t.close());

const DAY = 86_400_000;
const mint = (client: Client, name: string, currentPassword = PASSWORD) => client.post('/api/auth/tokens', { name, currentPassword });
const asToken = (token: string) => request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API token expiry', () => {
  it('expires a token 90 days after it is made by default', async () => {
    t = await startTestApp();
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const before = Date.now();
    const created = await mint(admin, 'ci', ADMIN.password);
    expect(created.status).toBe(201);
    const lifetime = Date.parse(created.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThanOrEqual(90 * DAY - 60_000);
    expect(lifetime).toBeLessThanOrEqual(90 * DAY + 60_000);
  });

  it('answers 401 to a token once API_TOKEN_TTL_DAYS has passed', async () => {
    t = await startTestApp({ API_TOKEN_TTL_DAYS: String(3 / 86_400) }); // three seconds
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { token, expiresAt } = (await mint(admin, 'short-lived', ADMIN.password)).body;
    expect((await asToken(token)).status).toBe(200);
    await sleep(Date.parse(expiresAt) - Date.now() + 500);
    const expired = await asToken(token);
    expect([expired.status, expired.body.error.code]).toEqual([401, 'unauthenticated']);
    expect((await admin.get('/api/auth/tokens')).body.items).toEqual([]);
  });
});

describe('listing and revoking tokens', () => {
  let deal: Deal;
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildDeal(t);
  });

  it("lists only the caller's own tokens that still work, never their secret or its hash", async () => {
    const manager = await deal.login('manager');
    const first = (await mint(manager, 'deal script')).body;
    const second = (await mint(manager, 'reporting')).body;
    const revoked = (await mint(manager, 'old')).body;
    await manager.delete(`/api/auth/tokens/${revoked.id}`).expect(204);
    await mint(await deal.login('buyerA'), "the buyer's");
    await asToken(first.token).expect(200);

    const res = await manager.get('/api/auth/tokens');
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((i: { id: string }) => i.id).sort()).toEqual([first.id, second.id].sort());
    const listed = Object.fromEntries(res.body.items.map((i: { id: string }) => [i.id, i]));
    expect(listed[first.id]).toEqual({ id: first.id, name: 'deal script', createdAt: first.createdAt, expiresAt: first.expiresAt, lastUsedAt: expect.any(String), mfa: false });
    expect(listed[second.id]).toEqual({ id: second.id, name: 'reporting', createdAt: second.createdAt, expiresAt: second.expiresAt, mfa: false });
    const text = JSON.stringify(res.body);
    const hashes = (await t.db('apiTokens').select('tokenHash')).map((r: { tokenHash: string }) => r.tokenHash);
    for (const secret of [first.token, second.token, ...hashes]) expect(text).not.toContain(secret);
  });

  it("revokes the caller's own token at once", async () => {
    const manager = await deal.login('manager');
    const { id, token } = (await mint(manager, 'script')).body;
    expect((await manager.delete(`/api/auth/tokens/${id}`)).status).toBe(204);
    expect((await asToken(token)).status).toBe(401);
    // Gone is gone: a second revoke finds nothing.
    expect((await manager.delete(`/api/auth/tokens/${id}`)).status).toBe(404);
    const recorded = await t.db('auditEvents').where({ action: 'auth.token.revoke', decision: 'allow' }).select('subjectId');
    expect(recorded.map((r: { subjectId: string }) => r.subjectId)).toEqual([id]);
  });

  it("answers another user's token id exactly like a random one (404), and leaves that token working", async () => {
    const buyer = await deal.login('buyerA');
    const victim = (await mint(buyer, 'buyer script')).body;
    const manager = await deal.login('manager');
    const other = await manager.delete(`/api/auth/tokens/${victim.id}`);
    const random = await manager.delete('/api/auth/tokens/00000000-0000-4000-8000-000000000000');
    expect(other.status).toBe(404);
    expect(other.body).toEqual(random.body);
    expect((await asToken(victim.token)).status).toBe(200);
    // Not even through a token of the admin's: tokens are their owner's alone.
    const adminToken = (await mint(deal.admin, 'admin', ADMIN.password)).body.token;
    expect((await request(t.app).delete(`/api/auth/tokens/${victim.id}`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(404);
    expect((await asToken(victim.token)).status).toBe(200);
  });
});

describe('tokens end with the credentials they were minted under', () => {
  let deal: Deal;
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildDeal(t);
  });

  it('when their owner changes the password', async () => {
    const manager = await deal.login('manager');
    const { token } = (await mint(manager, 'script')).body;
    await manager.post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase entirely' }).expect(204);
    expect((await asToken(token)).status).toBe(401);
  });

  it('when their owner turns TOTP on, and again when they turn it off', async () => {
    const manager = await deal.login('manager');
    const beforeOn = (await mint(manager, 'before')).body.token;
    const { secret } = (await manager.post('/api/auth/mfa/setup')).body;
    await manager.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: PASSWORD }).expect(200);
    expect((await asToken(beforeOn)).status).toBe(401);
    const whileOn = (await mint(manager, 'while on')).body.token;
    expect((await asToken(whileOn)).status).toBe(200);
    await manager.post('/api/auth/mfa/disable', { currentPassword: PASSWORD }).expect(200);
    expect((await asToken(whileOn)).status).toBe(401);
  });

  it('when their owner is disabled', async () => {
    const manager = await deal.login('manager');
    const { token } = (await mint(manager, 'script')).body;
    await deal.admin.post(`/api/users/${deal.users.manager.id}/disable`).expect(200);
    expect((await asToken(token)).status).toBe(401);
  });
});
