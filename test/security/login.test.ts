import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createDb } from '../../server/db.js';
import { createLogger } from '../../server/logger.js';

let t: TestApp;
afterEach(() => t.close());

const attempt = (app: TestApp['app'], email: string, password: string, ip?: string) => {
  const req = request(app).post('/api/auth/login');
  if (ip) req.set('X-Forwarded-For', ip);
  return req.send({ email, password });
};
const WRONG = 'not the right password at all';

describe('Login (docs/quality.md security 7)', () => {
  beforeEach(async () => {
    // Trust the loopback proxy so each test can speak from an address of its choice.
    t = await startTestApp({ TRUST_PROXY: 'loopback', SESSION_COOKIE_SECURE: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '5' });
  });

  it('answers an unknown email exactly like a wrong password, also once throttled', async () => {
    const wrong = await attempt(t.app, ADMIN.email, WRONG, '198.51.100.1');
    const unknown = await attempt(t.app, 'nobody@nowhere.example', WRONG, '198.51.100.2');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    for (let i = 0; i < 2; i++) {
      await attempt(t.app, ADMIN.email, WRONG, '198.51.100.1');
      await attempt(t.app, 'nobody@nowhere.example', WRONG, '198.51.100.2');
    }
    const throttledKnown = await attempt(t.app, ADMIN.email, WRONG, '198.51.100.1');
    const throttledUnknown = await attempt(t.app, 'nobody@nowhere.example', WRONG, '198.51.100.2');
    expect(throttledKnown.status).toBe(429);
    expect(throttledUnknown.status).toBe(429);
    expect(throttledUnknown.body).toEqual(throttledKnown.body);
  });

  it('throttles failed sign-ins on an account from one IP with 429 rate_limited and Retry-After, refusing the right password too from there', async () => {
    for (let i = 1; i <= 3; i++) expect((await attempt(t.app, ADMIN.email, WRONG, '203.0.113.1')).status).toBe(401);
    const fourth = await attempt(t.app, ADMIN.email, WRONG, '203.0.113.1');
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('rate_limited');
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    // A guess that happens to be right learns nothing while throttled.
    expect((await attempt(t.app, ADMIN.email, ADMIN.password, '203.0.113.1')).status).toBe(429);
    // Other accounts are not affected.
    expect((await attempt(t.app, 'someone@else.example', WRONG, '203.0.113.1')).status).toBe(401);
  });

  it('gives a burst of simultaneous guesses from one IP no more tries than the limit, on one process or two', async () => {
    const db2 = createDb({ dataDir: t.dataDir, databaseUrl: t.config.databaseUrl });
    const app2 = createApp({ db: db2, store: t.store, config: t.config, logger: createLogger('silent') });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(i % 2 ? app2 : t.app, ADMIN.email, WRONG, '198.51.100.1')));
      const statuses = answers.map((r) => r.status).sort();
      // Three passwords were checked (the limit of this account from this IP); every other guess was refused unchecked.
      expect(statuses).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
    } finally {
      await db2.destroy();
    }
  });

  it('throttles failed sign-ins per IP across accounts with 429 rate_limited', async () => {
    for (let i = 1; i <= 5; i++) expect((await attempt(t.app, `user${i}@spray.example`, WRONG, '192.0.2.66')).status).toBe(401);
    const res = await attempt(t.app, ADMIN.email, ADMIN.password, '192.0.2.66');
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    // The same account from another address still signs in.
    expect((await attempt(t.app, ADMIN.email, ADMIN.password, '192.0.2.67')).status).toBe(200);
  });

  it('does not count successful sign-ins', async () => {
    for (let i = 0; i < 12; i++) expect((await attempt(t.app, ADMIN.email, ADMIN.password, '192.0.2.10')).status).toBe(200);
    expect(Number((await t.db('loginFailures').count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('keeps the counts in the database, so a second process on the same database enforces the same limit', async () => {
    const db2 = createDb({ dataDir: t.dataDir, databaseUrl: t.config.databaseUrl });
    const app2 = createApp({ db: db2, store: t.store, config: t.config, logger: createLogger('silent') });
    try {
      for (let i = 0; i < 3; i++) await attempt(i % 2 ? app2 : t.app, ADMIN.email, WRONG, '203.0.113.10');
      expect((await attempt(app2, ADMIN.email, WRONG, '203.0.113.10')).status).toBe(429);
      expect((await attempt(t.app, ADMIN.email, WRONG, '203.0.113.10')).status).toBe(429);
    } finally {
      await db2.destroy();
    }
  });

  it('lifts the limit once the failures leave the window', async () => {
    for (let i = 0; i < 3; i++) await attempt(t.app, ADMIN.email, WRONG, '203.0.113.30');
    expect((await attempt(t.app, ADMIN.email, ADMIN.password, '203.0.113.30')).status).toBe(429);
    await t.db('loginFailures').update({ at: new Date(Date.now() - 16 * 60_000).toISOString() }); // 16 minutes later
    expect((await attempt(t.app, ADMIN.email, ADMIN.password, '203.0.113.30')).status).toBe(200);
  });

  it('records throttled attempts in the ledger as denied', async () => {
    for (let i = 0; i < 4; i++) await attempt(t.app, ADMIN.email, WRONG, '203.0.113.40');
    const rows = await t.db('auditEvents').where({ action: 'auth.login', decision: 'deny' }).orderBy('seq').select('details');
    expect(rows.map((r: { details: string }) => JSON.parse(r.details).reason)).toEqual([
      'invalid credentials',
      'invalid credentials',
      'invalid credentials',
      'rate limited',
    ]);
  });

  it('hashes passwords with argon2id at OWASP\'s cost (19 MiB, 2 passes) unless a test suite asks for less', async () => {
    // The suite's own apps hash at the least cost (test-app.ts); a server configured as in production does not.
    const production = await startTestApp({ PASSWORD_HASH_COST: 'owasp' });
    try {
      const admin = await production.db('users').where({ email: ADMIN.email }).first();
      expect(admin.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    } finally {
      await production.close();
    }
    // The least cost is refused outside a test run: it makes stolen hashes cheap to guess.
    expect(() => loadConfig({ PASSWORD_HASH_COST: 'minimal', NODE_ENV: 'production' })).toThrow(/PASSWORD_HASH_COST=minimal is for test suites only/);
    expect(() => loadConfig({ PASSWORD_HASH_COST: 'minimal' })).toThrow(/PASSWORD_HASH_COST/);
    expect(loadConfig({}).passwordHashCost).toBe('owasp');
  });
});

describe('Password policy', () => {
  let admin: Client;
  let orgId: string;
  beforeEach(async () => {
    t = await startTestApp();
    admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    orgId = (await admin.get('/api/orgs')).body.items[0].id;
  });
  const create = (password: string) => admin.post('/api/users', { email: 'new@seller.example', name: 'New', password, orgId, role: 'staff' });

  it('refuses a password shorter than 12 characters, naming the field', async () => {
    const res = await create('elevenchars');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ password: 'at least 12 characters' });
  });

  it('refuses a common password of 12 characters or more, whatever its case or spacing', async () => {
    for (const password of ['password1234', 'QWERTYUIOP123', 'qwerty 123456']) {
      const res = await create(password);
      expect(res.status).toBe(400);
      expect(res.body.error.details.password).toMatch(/common/);
    }
  });

  it('refuses a password over 256 characters before hashing it', async () => {
    expect((await create('x'.repeat(257))).status).toBe(400);
  });

  it('accepts a long uncommon passphrase', async () => {
    expect((await create('violet tractor on the moon')).status).toBe(201);
  });
});
