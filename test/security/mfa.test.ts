import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { buildDeal, PASSWORD, visibleDocumentIds } from '../support/world.js';
import { totpCode } from '../../server/auth/totp.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

const STEP = 30_000;
const login = (body: Record<string, string>) => request(t.app).post('/api/auth/login').send(body);

/** Enrols the client's user: setup, then enable with the current code and their password. */
async function enrol(client: Client, currentPassword = ADMIN.password) {
  const setup = await client.post('/api/auth/mfa/setup');
  expect(setup.status).toBe(200);
  const enabled = await client.post('/api/auth/mfa/enable', { otp: totpCode(setup.body.secret), currentPassword });
  expect(enabled.status).toBe(200);
  return { secret: setup.body.secret as string, recoveryCodes: enabled.body.recoveryCodes as string[] };
}

describe('TOTP second factor (docs/quality.md security 7)', () => {
  it('sets up RFC 6238 TOTP (SHA-1, 6 digits, 30 s) with an otpauth URL', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const res = await admin.post('/api/auth/mfa/setup');
    expect(res.status).toBe(200);
    expect(res.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(res.body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ secret: res.body.secret, algorithm: 'SHA1', digits: '6', period: '30', issuer: 'Gatehouse' });
  });

  it('enables MFA only with a correct code, naming the otp field otherwise', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = (await admin.post('/api/auth/mfa/setup')).body;
    const wrong = String((Number(totpCode(secret)) + 1) % 1_000_000).padStart(6, '0');
    const res = await admin.post('/api/auth/mfa/enable', { otp: wrong, currentPassword: ADMIN.password });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('otp');
    const ok = await admin.post('/api/auth/mfa/enable', { otp: totpCode(secret), currentPassword: ADMIN.password });
    expect(ok.status).toBe(200);
    expect(ok.body.enabled).toBe(true);
  });

  it('then needs otp to sign in: 401 otp_required when it is missing or wrong', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = await enrol(admin);
    const missing = await login({ email: ADMIN.email, password: ADMIN.password });
    expect([missing.status, missing.body.error.code]).toEqual([401, 'otp_required']);
    const wrong = await login({ email: ADMIN.email, password: ADMIN.password, otp: '000000' === totpCode(secret, Date.now() + STEP) ? '111111' : '000000' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'otp_required']);
    // A wrong password with a right code is still just invalid credentials.
    const badPassword = await login({ email: ADMIN.email, password: 'not the password at all', otp: totpCode(secret, Date.now() + STEP) });
    expect(badPassword.body.error.code).toBe('invalid_credentials');
    const ok = await login({ email: ADMIN.email, password: ADMIN.password, otp: totpCode(secret, Date.now() + STEP) });
    expect(ok.status).toBe(200);
  });

  it('accepts a code once: replaying it, or an older one, is refused', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = await enrol(admin);
    // The code that enabled MFA is already spent.
    expect((await login({ email: ADMIN.email, password: ADMIN.password, otp: totpCode(secret) })).status).toBe(401);
    const next = totpCode(secret, Date.now() + STEP);
    expect((await login({ email: ADMIN.email, password: ADMIN.password, otp: next })).status).toBe(200);
    const replay = await login({ email: ADMIN.email, password: ADMIN.password, otp: next });
    expect([replay.status, replay.body.error.code]).toEqual([401, 'otp_required']);
  });

  it('tells the user whether their second factor is on and how many recovery codes are left, and no one else', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    expect((await admin.get('/api/auth/mfa')).body).toEqual({ enabled: false, recoveryCodesLeft: 0 });
    const { recoveryCodes } = await enrol(admin);
    expect((await admin.get('/api/auth/mfa')).body).toEqual({ enabled: true, recoveryCodesLeft: recoveryCodes.length });
    const signedIn = await login({ email: ADMIN.email, password: ADMIN.password, recoveryCode: recoveryCodes[0]! });
    expect(signedIn.status).toBe(200);
    expect((await admin.get('/api/auth/mfa')).body).toEqual({ enabled: true, recoveryCodesLeft: recoveryCodes.length - 1 });
    expect((await request(t.app).get('/api/auth/mfa')).status).toBe(401);
  });

  it('shows recovery codes once, stores them hashed, and each signs in once', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { recoveryCodes } = await enrol(admin);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const stored = JSON.stringify(await t.db('mfaRecoveryCodes').select());
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    expect((await t.db('mfaRecoveryCodes').select('codeHash')).every((r: { codeHash: string }) => /^[0-9a-f]{64}$/.test(r.codeHash))).toBe(true);

    expect((await login({ email: ADMIN.email, password: ADMIN.password, recoveryCode: recoveryCodes[0] })).status).toBe(200);
    expect((await login({ email: ADMIN.email, password: ADMIN.password, recoveryCode: recoveryCodes[0] })).status).toBe(401);
    expect((await login({ email: ADMIN.email, password: ADMIN.password, recoveryCode: recoveryCodes[1].toUpperCase() })).status).toBe(200);
    // Enrolled users cannot be re-seeded through setup (a stolen session must not move the factor).
    expect((await admin.post('/api/auth/mfa/setup')).status).toBe(409);
  });

  it('keeps the TOTP secret encrypted at rest', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = await enrol(admin);
    const row = await t.db('users').where({ email: ADMIN.email }).first('mfaSecret');
    expect(row.mfaSecret).toMatch(/^v1\./);
    expect(row.mfaSecret).not.toContain(secret);
  });

  it('seals seeds with MFA_SEALING_KEY, so a user enrolled through one process signs in through another', async () => {
    await t.close();
    const key = randomBytes(32).toString('base64');
    t = await startTestApp({ MFA_SEALING_KEY: key });
    const { secret } = await enrol(await Client.login(t.app, ADMIN.email, ADMIN.password));
    // A second process: same database, its own (empty) DATA_DIR.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-other-'));
    const processWith = (sealingKey: string) =>
      createApp({ db: t.db, store: t.store, logger: createLogger('silent'), config: loadConfig({ DATA_DIR: otherDir, DATABASE_URL: t.config.databaseUrl, LOG_LEVEL: 'silent', MFA_SEALING_KEY: sealingKey }) });
    try {
      const signIn = (app: ReturnType<typeof createApp>, step: number) =>
        request(app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password, otp: totpCode(secret, Date.now() + step * STEP) });
      expect((await signIn(processWith(key), 1)).status).toBe(200);
      // A process with another key cannot open the seed: the sign-in is refused as unavailable.
      const mismatched = await signIn(processWith(randomBytes(32).toString('base64')), 2);
      expect([mismatched.status, mismatched.body.error.code]).toEqual([503, 'mfa_unavailable']);
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('counts wrong codes as failed sign-ins, so a code cannot be guessed by brute force', async () => {
    await t.close();
    t = await startTestApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const { secret } = await enrol(admin);
    const right = totpCode(secret, Date.now() + STEP);
    const wrongCodes = ['000000', '111111', '222222', '333333'].filter((c) => c !== right && c !== totpCode(secret)).slice(0, 3);
    for (const otp of wrongCodes) expect((await login({ email: ADMIN.email, password: ADMIN.password, otp })).status).toBe(401);
    expect((await login({ email: ADMIN.email, password: ADMIN.password, otp: right })).status).toBe(429);
  });
});

describe('a room requiring MFA of its external users', () => {
  it('refuses external users without a second factor, and lets them in once they sign in with one; staff are not affected', async () => {
    const deal = await buildDeal(t);
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const buyer = await deal.login('buyerA');
    expect(await visibleDocumentIds(deal, buyer)).toEqual([deal.docs.finance.id, deal.docs.payroll.id].sort());

    // Only managers change the setting.
    expect((await deal.counsel.agent.patch(`${deal.roomPath}/settings`).set('X-CSRF-Token', (await deal.counsel.get('/api/auth/csrf')).body.token).send({ requireMfa: true })).status).toBe(403);
    const managerCsrf = (await deal.manager.get('/api/auth/csrf')).body.token;
    const set = await deal.manager.agent.patch(`${deal.roomPath}/settings`).set('X-CSRF-Token', managerCsrf).send({ requireMfa: true });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ requireMfa: true });
    expect((await deal.counsel.get(`${deal.roomPath}/settings`)).body).toEqual({ requireMfa: true });
    // Outsiders cannot read it: the room's settings are staff business.
    expect((await buyer.get(`${deal.roomPath}/settings`)).status).toBe(403);

    // Enforced on the very next request, through the policy: lists, single documents, content.
    const list = await buyer.get(`${deal.roomPath}/documents`);
    expect([list.status, list.body.error.code]).toEqual([403, 'mfa_required']);
    expect((await buyer.get(`/api/documents/${deal.docs.finance.id}`)).status).toBe(404);
    expect((await buyer.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(404);
    // The room itself (its name and their NDA status) stays visible, so they know what to do.
    expect((await buyer.get(deal.roomPath)).status).toBe(200);
    // Staff are not external users.
    expect(await visibleDocumentIds(deal, deal.manager)).toHaveLength(3);

    // Enrolling is not enough for the session that was signed in without a code...
    const { secret } = await enrol(buyer, PASSWORD);
    expect((await buyer.get(`${deal.roomPath}/documents`)).status).toBe(403);
    // ...a sign-in with a code is.
    const withCode = await request.agent(t.app);
    await withCode.post('/api/auth/login').send({ email: deal.users.buyerA.email, password: 'a long enough passphrase', otp: totpCode(secret, Date.now() + STEP) }).expect(200);
    const ok = await withCode.get(`${deal.roomPath}/documents`);
    expect(ok.status).toBe(200);
    expect(ok.body.items).toHaveLength(2);

    const denied = await t.db('auditEvents').where({ decision: 'deny', actorId: deal.users.buyerA.id }).select('details');
    expect(denied.map((r: { details: string }) => JSON.parse(r.details).reason)).toContain('room requires MFA, request has none');
  });

  it('lets in a token only if the sign-in that minted it showed a second factor, and only while its user stays enrolled', async () => {
    const deal = await buildDeal(t);
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: null });
    const managerCsrf = (await deal.manager.get('/api/auth/csrf')).body.token;
    await deal.manager.agent.patch(`${deal.roomPath}/settings`).set('X-CSRF-Token', managerCsrf).send({ requireMfa: true }).expect(200);
    const list = (token: string) => request(t.app).get(`${deal.roomPath}/documents`).set('Authorization', `Bearer ${token}`);

    // Minted by a password-only session: the token has no second factor.
    const buyer = await deal.login('buyerA');
    const passwordOnly = await buyer.post('/api/auth/tokens', { name: 'before enrolling', currentPassword: PASSWORD });
    expect(passwordOnly.body.mfa).toBe(false);
    expect((await list(passwordOnly.body.token)).body.error.code).toBe('mfa_required');
    // Enrolling ends every token made without the factor the account now has.
    const { secret } = await enrol(buyer, PASSWORD);
    expect((await list(passwordOnly.body.token)).status).toBe(401);

    // Minted by a session signed in with a code: it carries the factor, and so does a token it mints.
    const withCode = await Client.login(t.app, deal.users.buyerA.email, 'a long enough passphrase', totpCode(secret, Date.now() + STEP));
    const strong = await withCode.post('/api/auth/tokens', { name: 'after a code', currentPassword: PASSWORD });
    expect(strong.body.mfa).toBe(true);
    expect((await list(strong.body.token)).status).toBe(200);
    const minted = await request(t.app).post('/api/auth/tokens').set('Authorization', `Bearer ${strong.body.token}`).send({ name: 'from the token', currentPassword: PASSWORD });
    expect(minted.body.mfa).toBe(true);

    // The user's enrolment ends (here as erasure would end it): no token of theirs passes any more.
    await t.db('users').where({ id: deal.users.buyerA.id }).update({ mfaEnabled: false });
    expect((await list(strong.body.token)).body.error.code).toBe('mfa_required');
  });
});
