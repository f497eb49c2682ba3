import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { createDb } from '../../server/db.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

describe('signing in', () => {
  it('answers an unknown email exactly like a wrong password', async () => {
    const wrong = await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: 'not the password at all' });
    const unknown = await request(t.app).post('/api/auth/login').send({ email: 'nobody@nowhere.example', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'invalid_credentials', message: expect.any(String) } });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie and rotates the session id at login', async () => {
    const agent = request.agent(t.app);
    const first = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const second = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const cookieOf = (res: request.Response) => ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.sid='))!;
    expect(cookieOf(first)).toMatch(/HttpOnly/);
    expect(cookieOf(first)).toMatch(/SameSite=Strict/);
    expect(cookieOf(first).split(';')[0]).not.toEqual(cookieOf(second).split(';')[0]);
  });

  it('stores passwords as argon2id hashes and session ids only as SHA-256', async () => {
    const admin = await t.db('users').where({ email: ADMIN.email }).first();
    expect(admin.passwordHash).toMatch(/^\$argon2id\$/);
    const agent = request.agent(t.app);
    const res = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const sid = decodeURIComponent(String(res.headers['set-cookie']).split(';')[0].split('=')[1]).slice(2).split('.')[0];
    const rows = await t.db('sessions').select('sidHash');
    expect(rows.map((r: { sidHash: string }) => r.sidHash)).not.toContain(sid);
    expect(rows[0].sidHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('needs no CSRF token to log in but refuses a cookie-authenticated write without one', async () => {
    const agent = request.agent(t.app);
    await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password }).expect(200);
    const res = await agent.post('/api/orgs').send({ name: 'Acme', kind: 'acquirer' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
    const token = (await agent.get('/api/auth/csrf')).body.token;
    await agent.post('/api/orgs').set('X-CSRF-Token', token).send({ name: 'Acme', kind: 'acquirer' }).expect(201);
  });

  it('answers 401 unauthenticated without a session', async () => {
    const res = await request(t.app).get('/api/rooms');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('ends the session at logout', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    await admin.post('/api/auth/logout').expect(204);
    expect((await admin.get('/api/me')).status).toBe(401);
  });

  it('records failed and successful logins in the ledger', async () => {
    await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: 'wrong password here' });
    await Client.login(t.app, ADMIN.email, ADMIN.password);
    const rows = await t.db('auditEvents').where({ action: 'auth.login' }).orderBy('seq').select('decision');
    expect(rows.map((r: { decision: string }) => r.decision)).toEqual(['deny', 'allow']);
  });
});

describe('API tokens', () => {
  it('acts as the user with a bearer token, needs no CSRF token, and is stored hashed', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const created = await admin.post('/api/auth/tokens', { name: 'deal script', currentPassword: ADMIN.password });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    const me = await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(me.body.email).toBe(ADMIN.email);
    await request(t.app).post('/api/orgs').set('Authorization', `Bearer ${token}`).send({ name: 'Acme', kind: 'acquirer' }).expect(201);
    const stored = await t.db('apiTokens').first();
    expect(stored.tokenHash).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('refuses an unknown bearer token with 401', async () => {
    expect((await request(t.app).get('/api/me').set('Authorization', 'Bearer gh_nope')).status).toBe(401);
  });
});

describe('sessions live in the database', () => {
  it('survive a restart: a new app and connection pool on the same database knows the session', async () => {
    const login = await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const cookie = ([] as string[]).concat(login.headers['set-cookie'])[0].split(';')[0];
    const db2 = createDb({ dataDir: t.dataDir, databaseUrl: t.config.databaseUrl });
    const app2 = createApp({ db: db2, store: t.store, config: t.config, logger: createLogger('silent') });
    try {
      const me = await request(app2).get('/api/me').set('Cookie', cookie);
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(ADMIN.email);
    } finally {
      await db2.destroy();
    }
  });
});
