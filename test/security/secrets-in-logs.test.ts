import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { totpCode } from '../../server/auth/totp.js';
import { startTestApp, ADMIN, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

/** The app as it runs in production, logging every request at trace level into memory. */
function appWithCapturedLogs() {
  let text = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  const logger = createLogger('trace', sink);
  return { app: createApp({ db: t.db, store: t.store, config: t.config, logger }), logger, text: () => text };
}

describe('Secrets never reach the logs (docs/quality.md security 12)', () => {
  it("keeps a data subject's identifier, asked of the disclosure register, out of the request log", async () => {
    const { app, text } = appWithCapturedLogs();
    const agent = request.agent(app);
    await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password }).expect(200);
    await agent.get('/api/rooms/00000000-0000-4000-8000-000000000000/disclosures/subjects?value=E100042-Jos%C3%A9');
    expect(text()).toContain('/disclosures/subjects?[redacted]');
    expect(text()).not.toContain('E100042');
  });


  it('redacts passwords, session cookies, CSRF tokens, bearer tokens, TOTP secrets, codes and recovery codes from request logs', async () => {
    const { app, text } = appWithCapturedLogs();
    const agent = request.agent(app);
    const login = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const sid = decodeURIComponent(String(login.headers['set-cookie']).split(';')[0].split('=')[1]);
    const csrf = (await agent.get('/api/auth/csrf')).body.token as string;
    const token = (await agent.post('/api/auth/tokens').set('X-CSRF-Token', csrf).send({ name: 'ci', currentPassword: ADMIN.password })).body.token as string;
    await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
    const { secret } = (await agent.post('/api/auth/mfa/setup').set('X-CSRF-Token', csrf)).body;
    const otp = totpCode(secret);
    const { recoveryCodes } = (await agent.post('/api/auth/mfa/enable').set('X-CSRF-Token', csrf).send({ otp, currentPassword: ADMIN.password })).body;
    await request(app).post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password, recoveryCode: recoveryCodes[0] }).expect(200);
    await request(app).get('/api/me').set('Authorization', 'Bearer gh_wrong-token-value-123').expect(401);

    const logs = text();
    expect(logs).toContain('"url":"/api/me"'); // the requests were logged...
    expect(logs).toContain('[redacted]'); // ...with their credentials censored
    for (const value of [ADMIN.password, sid, sid.slice(2, 34), csrf, token, 'gh_wrong-token-value-123', secret, recoveryCodes[0]]) {
      expect(logs).not.toContain(value);
    }
  });

  it('redacts secret fields wherever a log line carries them, two levels down included', () => {
    const { logger, text } = appWithCapturedLogs();
    logger.error({ password: 'pw-top-secret-1', user: { password: 'pw-nested-2', mfaSecret: 'JBSWY3DPEHPK3PXP' }, err: { token: 'tok-nested-3', secret: 'sec-4' }, body: { data: { otp: '123456', recoveryCode: 'abcd-efgh-ijkm' } } }, 'oops');
    logger.info({ req: { headers: { authorization: 'Bearer tok-5', cookie: 'gatehouse.sid=s%3Asid-6' } } }, 'request');
    const logs = text();
    for (const value of ['pw-top-secret-1', 'pw-nested-2', 'JBSWY3DPEHPK3PXP', 'tok-nested-3', 'sec-4', '123456', 'abcd-efgh-ijkm', 'tok-5', 'sid-6']) {
      expect(logs).not.toContain(value);
    }
  });

  it('stores API tokens, session ids and recovery codes only hashed, and the TOTP secret only encrypted', async () => {
    const agent = request.agent(t.app);
    const login = await agent.post('/api/auth/login').send({ email: ADMIN.email, password: ADMIN.password });
    const sid = decodeURIComponent(String(login.headers['set-cookie']).split(';')[0].split('=')[1]).slice(2).split('.')[0];
    const csrf = (await agent.get('/api/auth/csrf')).body.token as string;
    const token = (await agent.post('/api/auth/tokens').set('X-CSRF-Token', csrf).send({ name: 'ci', currentPassword: ADMIN.password })).body.token as string;
    const { secret } = (await agent.post('/api/auth/mfa/setup').set('X-CSRF-Token', csrf)).body;
    const { recoveryCodes } = (await agent.post('/api/auth/mfa/enable').set('X-CSRF-Token', csrf).send({ otp: totpCode(secret), currentPassword: ADMIN.password })).body;
    const dump = JSON.stringify(await Promise.all(['users', 'sessions', 'apiTokens', 'mfaRecoveryCodes', 'auditEvents'].map((table) => t.db(table).select())));
    for (const value of [ADMIN.password, sid, token, secret, ...recoveryCodes]) expect(dump).not.toContain(value);
  });
});
