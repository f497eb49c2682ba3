import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD } from '../support/world.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const sessionCookie = (res: request.Response) =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.sid='));
const cookiePair = (res: request.Response) => sessionCookie(res)!.split(';')[0];
const login = (app: TestApp['app']) => request(app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
const me = (app: TestApp['app'], cookie: string) => request(app).get('/api/me').set('Cookie', cookie);
/** Moves the only session's clock: its creation and its idle deadline, as if time had passed. */
const ageSession = (db: TestApp['db'], fields: { createdAt?: string; expiresAt?: string }) => db('sessions').update(fields);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('Sessions (docs/quality.md security 5)', () => {
  it('sets the session cookie HttpOnly and SameSite=Strict, and not Secure on plain loopback HTTP', async () => {
    t = await startTestApp();
    const cookie = sessionCookie(await login(t.app))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('sets the session cookie Secure behind a TLS-terminating proxy (TRUST_PROXY), and never over plain HTTP there', async () => {
    t = await startTestApp({ TRUST_PROXY: 'loopback' });
    const overTls = await login(t.app).set('X-Forwarded-Proto', 'https');
    expect(overTls.status).toBe(200);
    expect(sessionCookie(overTls)).toMatch(/; Secure/);
    expect(sessionCookie(overTls)).toMatch(/; HttpOnly/);
    // A Secure cookie cannot be sent over plain HTTP, so express-session sets none at all.
    const plain = await login(t.app);
    expect(sessionCookie(plain)).toBeUndefined();
  });

  it('rotates the session id at login: the session held before signing in is dead after it', async () => {
    t = await startTestApp();
    const agent = request.agent(t.app);
    const before = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const after = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    expect(cookiePair(after)).not.toEqual(cookiePair(before));
    // A fixed (or stolen pre-login) id is worthless: the old id no longer opens anything.
    expect((await me(t.app, cookiePair(before))).status).toBe(401);
    expect((await me(t.app, cookiePair(after))).status).toBe(200);
  });

  it('ends a session idle for 30 minutes by default, and each request pushes the idle deadline on', async () => {
    t = await startTestApp();
    const cookie = cookiePair(await login(t.app));
    const row = await t.db('sessions').first('expiresAt');
    expect(Date.parse(row.expiresAt) - Date.now()).toBeGreaterThan(29 * MINUTE);
    expect(Date.parse(row.expiresAt) - Date.now()).toBeLessThanOrEqual(30 * MINUTE);

    await ageSession(t.db, { expiresAt: fromNow(5 * MINUTE) }); // 25 minutes of idleness
    expect((await me(t.app, cookie)).status).toBe(200);
    const touched = await t.db('sessions').first('expiresAt');
    expect(Date.parse(touched.expiresAt) - Date.now()).toBeGreaterThan(29 * MINUTE);

    await ageSession(t.db, { expiresAt: ago(1000) }); // 30 minutes and a second
    expect((await me(t.app, cookie)).status).toBe(401);
  });

  it('ends every session 12 hours after sign-in by default, however active it was', async () => {
    t = await startTestApp();
    const cookie = cookiePair(await login(t.app));
    await ageSession(t.db, { createdAt: ago(11 * HOUR + 59 * MINUTE) });
    expect((await me(t.app, cookie)).status).toBe(200);
    // Still inside its idle window (it was just used) but past its absolute lifetime.
    await ageSession(t.db, { createdAt: ago(12 * HOUR + MINUTE) });
    expect((await me(t.app, cookie)).status).toBe(401);
  });

  it('takes the idle timeout and the absolute lifetime from SESSION_IDLE_MINUTES and SESSION_MAX_HOURS', async () => {
    t = await startTestApp({ SESSION_IDLE_MINUTES: '5', SESSION_MAX_HOURS: '1' });
    const res = await login(t.app);
    const expires = Date.parse(/Expires=([^;]+)/.exec(sessionCookie(res)!)![1]);
    expect(expires - Date.now()).toBeLessThanOrEqual(5 * MINUTE);
    expect(expires - Date.now()).toBeGreaterThan(4 * MINUTE);
    const cookie = cookiePair(res);
    const row = await t.db('sessions').first('expiresAt');
    expect(Date.parse(row.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * MINUTE);
    await ageSession(t.db, { createdAt: ago(59 * MINUTE) });
    expect((await me(t.app, cookie)).status).toBe(200);
    await ageSession(t.db, { createdAt: ago(61 * MINUTE) });
    expect((await me(t.app, cookie)).status).toBe(401);
  });

  it('ends the session at logout at once: the same cookie replayed afterwards is refused and its row is gone', async () => {
    t = await startTestApp();
    const res = await login(t.app);
    const cookie = cookiePair(res);
    const csrf = (await request(t.app).get('/api/auth/csrf').set('Cookie', cookie)).body.token;
    await request(t.app).post('/api/auth/logout').set('Cookie', cookie).set('X-CSRF-Token', csrf).expect(204);
    expect((await me(t.app, cookie)).status).toBe(401);
    expect(Number((await t.db('sessions').count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('starts no session for a bearer request, and ignores a session cookie sent beside the token', async () => {
    t = await startTestApp();
    const deal = await buildDeal(t);
    const token = (await deal.manager.post('/api/auth/tokens', { name: 'script', currentPassword: PASSWORD })).body.token as string;
    const sessionsBefore = Number((await t.db('sessions').count({ n: '*' }).first())?.n);
    const res = await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(deal.users.manager.email);
    expect(sessionCookie(res)).toBeUndefined();
    // The admin's session cookie alongside the manager's token: the token alone decides.
    const adminCookie = cookiePair(await login(t.app));
    const both = await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`).set('Cookie', adminCookie);
    expect(both.body.email).toBe(deal.users.manager.email);
    expect(sessionCookie(both)).toBeUndefined();
    expect(Number((await t.db('sessions').count({ n: '*' }).first())?.n)).toBe(sessionsBefore + 1);
  });

  it("ends every session and token of a disabled user at once", async () => {
    t = await startTestApp();
    const deal = await buildDeal(t);
    const manager = await deal.login('manager');
    const second = await deal.login('manager');
    const token = (await manager.post('/api/auth/tokens', { name: 'script', currentPassword: PASSWORD })).body.token as string;
    expect((await second.get('/api/rooms')).status).toBe(200);

    await deal.admin.post(`/api/users/${deal.users.manager.id}/disable`).expect(200);

    expect((await manager.get('/api/me')).status).toBe(401);
    expect((await second.get('/api/rooms')).status).toBe(401);
    expect((await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect(Number((await t.db('sessions').where({ userId: deal.users.manager.id }).count({ n: '*' }).first())?.n)).toBe(0);
    // And no new session can be opened.
    const again = await request(t.app).post('/api/auth/login').send({ email: deal.users.manager.email, password: 'a long enough passphrase' });
    expect(again.status).toBe(401);
  });
});

describe('CSRF (docs/quality.md security 6)', () => {
  it('refuses a cookie-authenticated state change without the token, or with another session’s token', async () => {
    t = await startTestApp();
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const other = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const otherToken = (await other.get('/api/auth/csrf')).body.token;
    const without = await admin.agent.post('/api/orgs').send({ name: 'Acme', kind: 'acquirer' });
    const wrong = await admin.agent.post('/api/orgs').set('X-CSRF-Token', otherToken).send({ name: 'Acme', kind: 'acquirer' });
    expect([without.status, without.body.error.code]).toEqual([403, 'csrf']);
    expect([wrong.status, wrong.body.error.code]).toEqual([403, 'csrf']);
    expect(await t.db('orgs').where({ name: 'Acme' }).first()).toBeUndefined();
  });
});
