import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { totpCode } from '../../server/auth/totp.js';
import { RECENT_SIGN_IN_MINUTES } from '../../server/auth/step-up.js';

/**
 * Issue 15, "step-up": whoever holds a session (or a token) but not the password cannot change how
 * the account signs in — bind their own authenticator, switch the second factor off, mint a token
 * that outlives the session, or change the password.
 */
let t: TestApp;
afterEach(() => t.close());

const STEP = 30_000;
const WRONG = 'not the right password at all';
const NEW_PASSWORD = 'a brand new passphrase for the admin';

/** The ledger's refusals of an action, by reason. */
const refusals = async (action: string) =>
  (await t.db('auditEvents').where({ action, decision: 'deny' }).orderBy('seq').select('details')).map((r: { details: string }) => JSON.parse(r.details).reason);

const expectReauthentication = (res: request.Response, field: 'required' | 'does not match') => {
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('reauthentication_required');
  expect(res.body.error.details).toEqual({ currentPassword: field });
};

/** Sessions as if they had signed in `minutes` ago: a cookie stolen after the sign-in, not at it. */
async function ageSessions(minutes: number) {
  const at = new Date(Date.now() - minutes * 60_000).toISOString();
  for (const row of await t.db('sessions').select('sidHash', 'data')) {
    await t.db('sessions').where({ sidHash: row.sidHash }).update({ createdAt: at, data: JSON.stringify({ ...JSON.parse(row.data), createdAt: at }) });
  }
}

describe('right after signing in', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it(`mints a token and enrols TOTP without retyping the password within ${RECENT_SIGN_IN_MINUTES} minutes of the sign-in, as docs/http-api.md (Step-up) allows`, async () => {
    const owner = await Client.login(t.app, ADMIN.email, ADMIN.password);
    expect((await owner.post('/api/auth/tokens', { name: 'first script' })).status).toBe(201);
    const { secret } = (await owner.post('/api/auth/mfa/setup')).body;
    expect((await owner.post('/api/auth/mfa/enable', { otp: totpCode(secret) })).status).toBe(200);
    // Switching the second factor off and changing the password always ask for it.
    expectReauthentication(await owner.post('/api/auth/mfa/disable', {}), 'required');
    expectReauthentication(await owner.post('/api/auth/password', { newPassword: NEW_PASSWORD }), 'required');
  });

  it('never lets a bearer token skip the password, however fresh', async () => {
    const owner = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { token } = (await owner.post('/api/auth/tokens', { name: 'script' })).body;
    const res = await request(t.app).post('/api/auth/tokens').set('Authorization', `Bearer ${token}`).send({ name: 'second' });
    expectReauthentication(res, 'required');
  });
});

describe('a stolen session', () => {
  let stolen: Client;
  beforeEach(async () => {
    t = await startTestApp();
    stolen = await Client.login(t.app, ADMIN.email, ADMIN.password);
    await ageSessions(RECENT_SIGN_IN_MINUTES + 1);
  });

  it('cannot mint an API token without the current password, and each refusal is in the ledger', async () => {
    expectReauthentication(await stolen.post('/api/auth/tokens', { name: 'exfiltration' }), 'required');
    expectReauthentication(await stolen.post('/api/auth/tokens', { name: 'exfiltration', currentPassword: WRONG }), 'does not match');
    expect(await t.db('apiTokens').select()).toEqual([]);
    expect(await refusals('auth.token.create')).toEqual(['current password missing', 'wrong current password']);
    // The owner, who knows it, can.
    expect((await stolen.post('/api/auth/tokens', { name: 'script', currentPassword: ADMIN.password })).status).toBe(201);
  });

  it('cannot bind its own authenticator: enabling TOTP needs the current password', async () => {
    const { secret } = (await stolen.post('/api/auth/mfa/setup')).body;
    expectReauthentication(await stolen.post('/api/auth/mfa/enable', { otp: totpCode(secret) }), 'required');
    expectReauthentication(await stolen.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: WRONG }), 'does not match');
    expect((await t.db('users').where({ email: ADMIN.email }).first('mfaEnabled')).mfaEnabled).toBeFalsy();
    // The owner still signs in with the password alone: the thief's phone was never bound.
    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password })).status).toBe(200);
    expect(await refusals('auth.mfa.enable')).toEqual(['current password missing', 'wrong current password']);
  });

  it('cannot switch the second factor off without the current password', async () => {
    const { secret } = (await stolen.post('/api/auth/mfa/setup')).body;
    await stolen.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: ADMIN.password }).expect(200);
    expectReauthentication(await stolen.post('/api/auth/mfa/disable', {}), 'required');
    expectReauthentication(await stolen.post('/api/auth/mfa/disable', { currentPassword: WRONG }), 'does not match');
    const login = await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    expect([login.status, login.body.error.code]).toEqual([401, 'otp_required']);
    expect(await refusals('auth.mfa.disable')).toEqual(['current password missing', 'wrong current password']);
  });

  it('cannot change the password without the current one', async () => {
    expectReauthentication(await stolen.post('/api/auth/password', { newPassword: NEW_PASSWORD }), 'required');
    expectReauthentication(await stolen.post('/api/auth/password', { currentPassword: WRONG, newPassword: NEW_PASSWORD }), 'does not match');
    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password })).status).toBe(200);
    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: NEW_PASSWORD })).status).toBe(401);
    expect(await refusals('auth.password.change')).toEqual(['current password missing', 'wrong current password']);
  });

  it('cannot guess the password through step-up: wrong current passwords are throttled like failed sign-ins', async () => {
    await t.close();
    t = await startTestApp({ TRUST_PROXY: 'loopback', SESSION_COOKIE_SECURE: 'false', LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const thief = request.agent(t.app);
    await thief.post('/api/auth/login').set('X-Forwarded-For', '203.0.113.9').send({ email: ADMIN.email, password: ADMIN.password }).expect(200);
    const csrf = (await thief.get('/api/auth/csrf').set('X-Forwarded-For', '203.0.113.9')).body.token;
    const guess = (currentPassword: string) =>
      thief.post('/api/auth/tokens').set('X-Forwarded-For', '203.0.113.9').set('X-CSRF-Token', csrf).send({ name: 'guess', currentPassword });
    for (let i = 0; i < 3; i++) expect((await guess(`guess number ${i}`)).status).toBe(403);
    const throttled = await guess(ADMIN.password);
    expect([throttled.status, throttled.body.error.code]).toEqual([429, 'rate_limited']);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(await refusals('auth.token.create')).toEqual([...Array(3).fill('wrong current password'), 'rate limited']);
    // The owner, elsewhere, is not held back.
    expect((await request(t.app).post('/api/auth/login').set('X-Forwarded-For', '198.51.100.7').send({ email: ADMIN.email, password: ADMIN.password })).status).toBe(200);
  });
});

describe('a leaked API token', () => {
  it('cannot mint more tokens, switch TOTP on or change the password without the current password', async () => {
    t = await startTestApp();
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const token = (await admin.post('/api/auth/tokens', { name: 'ci', currentPassword: ADMIN.password })).body.token as string;
    const asToken = (path: string, body: object) => request(t.app).post(path).set('Authorization', `Bearer ${token}`).send(body);
    expectReauthentication(await asToken('/api/auth/tokens', { name: 'another' }), 'required');
    const { secret } = (await request(t.app).post('/api/auth/mfa/setup').set('Authorization', `Bearer ${token}`)).body;
    expectReauthentication(await asToken('/api/auth/mfa/enable', { otp: totpCode(secret) }), 'required');
    expectReauthentication(await asToken('/api/auth/password', { newPassword: NEW_PASSWORD }), 'required');
  });
});

describe('changing one’s password', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it('applies the password policy to the new password, naming the field', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    for (const newPassword of ['short', 'password1234']) {
      const res = await admin.post('/api/auth/password', { currentPassword: ADMIN.password, newPassword });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.error.details)).toEqual(['newPassword']);
    }
    const same = await admin.post('/api/auth/password', { currentPassword: ADMIN.password, newPassword: ADMIN.password });
    expect([same.status, same.body.error.details]).toEqual([400, { newPassword: 'the same as the current password' }]);
  });

  it('takes the new password, refuses the old one, and ends every other session and every token, keeping the one that made the change', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const elsewhere = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const token = (await admin.post('/api/auth/tokens', { name: 'ci', currentPassword: ADMIN.password })).body.token as string;

    expect((await admin.post('/api/auth/password', { currentPassword: ADMIN.password, newPassword: NEW_PASSWORD })).status).toBe(204);

    expect((await admin.get('/api/me')).status).toBe(200);
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password })).status).toBe(401);
    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: NEW_PASSWORD })).status).toBe(200);
    const recorded = await t.db('auditEvents').where({ action: 'auth.password.change', decision: 'allow' }).select('details');
    expect(JSON.parse(recorded[0].details)).toMatchObject({ tokensRevoked: 1, sessionsEnded: 1 });
  });

  it('stores the new password as an argon2id hash, never in clear', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    await admin.post('/api/auth/password', { currentPassword: ADMIN.password, newPassword: NEW_PASSWORD }).expect(204);
    const dump = JSON.stringify(await Promise.all(['users', 'auditEvents', 'sessions'].map((table) => t.db(table).select())));
    expect(dump).not.toContain(NEW_PASSWORD);
    expect((await t.db('users').where({ email: ADMIN.email }).first('passwordHash')).passwordHash).toMatch(/^\$argon2id\$/);
  });
});

describe('switching TOTP off', () => {
  it('with the current password turns the second factor off, drops the recovery codes, and ends other sessions and every token', async () => {
    t = await startTestApp();
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = (await admin.post('/api/auth/mfa/setup')).body;
    await admin.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: ADMIN.password }).expect(200);
    const withCode = await Client.login(t.app, ADMIN.email, ADMIN.password, totpCode(secret, Date.now() + STEP));
    const token = (await withCode.post('/api/auth/tokens', { name: 'ci', currentPassword: ADMIN.password })).body.token as string;

    const res = await withCode.post('/api/auth/mfa/disable', { currentPassword: ADMIN.password });
    expect([res.status, res.body]).toEqual([200, { enabled: false }]);

    expect((await request(t.app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password })).status).toBe(200);
    expect(await t.db('mfaRecoveryCodes').select()).toEqual([]);
    expect((await t.db('users').where({ email: ADMIN.email }).first('mfaSecret')).mfaSecret).toBeNull();
    expect((await withCode.get('/api/me')).status).toBe(200);
    expect((await admin.get('/api/me')).status).toBe(401);
    expect((await request(t.app).get('/api/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    // Nothing to switch off twice.
    expect((await withCode.post('/api/auth/mfa/disable', { currentPassword: ADMIN.password })).status).toBe(409);
  });
});
