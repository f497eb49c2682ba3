import request from 'supertest';
import { startTestApp, ADMIN, type TestApp } from '../support/test-app.js';

/**
 * Issue 15, "lockout of anyone": failed sign-ins slow down the source that failed, on the account it
 * failed on — never the account for everyone. Each test speaks from addresses of its choice through
 * a trusted loopback proxy.
 */
let t: TestApp;
afterEach(() => t.close());

const WRONG = 'not the right password at all';
const ATTACKER = '203.0.113.66';
const OWNER = '198.51.100.7';
const attempt = (email: string, password: string, ip: string, app = t.app) =>
  request(app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password });
/** Moves every counted failure into the past, as if that much time had gone by. */
const letTimePass = async (ms: number) => {
  const rows: Array<{ id: number; at: string }> = await t.db('loginFailures').select('id', 'at');
  for (const row of rows) await t.db('loginFailures').where({ id: row.id }).update({ at: new Date(Date.parse(row.at) - ms).toISOString() });
};

describe('login throttling per account and source', () => {
  beforeEach(async () => {
    t = await startTestApp({ TRUST_PROXY: 'loopback', SESSION_COOKIE_SECURE: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '50' });
  });

  it("does not stop the admin signing in from elsewhere while a source hammers the admin's account", async () => {
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push((await attempt(ADMIN.email, WRONG, ATTACKER)).status);
    expect(answers).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    // The owner, from an address that has not failed, has their password checked as usual.
    expect((await attempt(ADMIN.email, ADMIN.password, OWNER)).status).toBe(200);
    // ...and a typo of theirs is an ordinary 401, not a lockout the attacker caused.
    expect((await attempt(ADMIN.email, WRONG, '198.51.100.8')).status).toBe(401);
    // The attacker is still held back.
    expect((await attempt(ADMIN.email, ADMIN.password, ATTACKER)).status).toBe(429);
  });

  it('does not let sources spread over many addresses lock the account either', async () => {
    for (let source = 1; source <= 6; source++) {
      for (let i = 0; i < 4; i++) await attempt(ADMIN.email, WRONG, `192.0.2.${source}`);
    }
    expect((await attempt(ADMIN.email, ADMIN.password, OWNER)).status).toBe(200);
  });

  it('grows the wait between guesses from a failing source: 1 minute, then 2, then 4', async () => {
    for (let i = 0; i < 3; i++) expect((await attempt(ADMIN.email, WRONG, ATTACKER)).status).toBe(401);
    const retryAfter = async () => {
      const res = await attempt(ADMIN.email, WRONG, ATTACKER);
      expect([res.status, res.body.error.code]).toEqual([429, 'rate_limited']);
      return Number(res.headers['retry-after']);
    };
    const waits: number[] = [];
    for (const minutes of [1, 2, 4]) {
      const wait = await retryAfter();
      waits.push(wait);
      expect(wait).toBeGreaterThan(minutes * 60 - 5);
      expect(wait).toBeLessThanOrEqual(minutes * 60);
      await letTimePass(wait * 1000 + 1000);
      // Once the wait is over, one more guess is checked (and fails), and the next wait is longer.
      expect((await attempt(ADMIN.email, WRONG, ATTACKER)).status).toBe(401);
    }
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(waits[2]).toBeGreaterThan(waits[1]);
  });

  it('never waits longer than the window (LOGIN_THROTTLE_MINUTES)', async () => {
    for (let i = 0; i < 3; i++) await attempt(ADMIN.email, WRONG, ATTACKER);
    // Many more failures from the same source, recorded just now.
    const at = new Date().toISOString();
    const key = (await t.db('loginFailures').where('key', 'like', 'account-ip:%').first('key')).key;
    await t.db('loginFailures').insert(Array.from({ length: 20 }, () => ({ key, at })));
    const res = await attempt(ADMIN.email, ADMIN.password, ATTACKER);
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
  });

  it('forgets the failures of a source on an account once the right password comes from it', async () => {
    for (let i = 0; i < 2; i++) await attempt(ADMIN.email, WRONG, OWNER);
    expect((await attempt(ADMIN.email, ADMIN.password, OWNER)).status).toBe(200);
    // Three fresh tries, not one: the owner's earlier typos no longer count.
    for (let i = 0; i < 3; i++) expect((await attempt(ADMIN.email, WRONG, OWNER)).status).toBe(401);
    expect((await attempt(ADMIN.email, WRONG, OWNER)).status).toBe(429);
  });

  it('answers an unknown email from a throttled source exactly like a known one', async () => {
    for (let i = 0; i < 3; i++) {
      await attempt(ADMIN.email, WRONG, ATTACKER);
      await attempt('nobody@nowhere.example', WRONG, ATTACKER);
    }
    const known = await attempt(ADMIN.email, WRONG, ATTACKER);
    const unknown = await attempt('nobody@nowhere.example', WRONG, ATTACKER);
    expect([known.status, unknown.status]).toEqual([429, 429]);
    expect(unknown.body.error).toEqual({ ...known.body.error, details: { retryAfterSeconds: expect.any(Number) } });
  });
});

describe('the per-IP cap', () => {
  it('still refuses a source that fails on many accounts, the right password included, and only that source', async () => {
    t = await startTestApp({ TRUST_PROXY: 'loopback', SESSION_COOKIE_SECURE: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '4' });
    for (let i = 1; i <= 4; i++) expect((await attempt(`user${i}@spray.example`, WRONG, ATTACKER)).status).toBe(401);
    expect((await attempt(ADMIN.email, ADMIN.password, ATTACKER)).status).toBe(429);
    expect((await attempt(ADMIN.email, ADMIN.password, OWNER)).status).toBe(200);
  });
});

describe('a client that is not the configured proxy', () => {
  it('cannot choose its address with X-Forwarded-For to escape the throttle', async () => {
    // The proxy is on 10.0.0.0/8; the test's requests come from loopback, so their header is a forgery.
    t = await startTestApp({ TRUST_PROXY: '10.0.0.0/8', SESSION_COOKIE_SECURE: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await attempt(ADMIN.email, WRONG, `192.0.2.${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Every failure was counted against the one address the requests really came from.
    const ipKeys = await t.db('loginFailures').where('key', 'like', 'ip:%').distinct('key');
    expect(ipKeys.map((r: { key: string }) => r.key)).toEqual([expect.stringMatching(/^ip:(::ffff:)?127\.0\.0\.1$|^ip:::1$/)]);
  });
});
