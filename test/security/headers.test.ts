import fs from 'node:fs';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';

let t: TestApp;
let deal: Deal;
beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
});
afterAll(() => t.close());

const csp = (res: request.Response) =>
  Object.fromEntries(
    String(res.headers['content-security-policy'])
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name, values]),
  );

describe('Headers', () => {
  it("serves the web client under a Content-Security-Policy without inline scripts, framing or plugins", async () => {
    const res = await request(t.app).get('/');
    const policy = csp(res);
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(policy['default-src']).toEqual(["'self'"]);
    expect(policy['object-src']).toEqual(["'none'"]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(String(res.headers['content-security-policy'])).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('ships a client whose page has no inline script or inline event handler (the CSP would block them)', () => {
    const html = fs.readFileSync(new URL('../../client/index.html', import.meta.url), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('sends nosniff, frame-ancestors none and X-Frame-Options DENY, and never X-Powered-By, on API answers, errors and the client', async () => {
    const responses = [
      await request(t.app).get('/api/health'),
      await request(t.app).get('/api/rooms'), // 401
      await deal.manager.get('/api/nothing-here'), // 404
      await deal.manager.get('/api/rooms'),
      await request(t.app).get('/'),
    ];
    for (const res of responses) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(csp(res)['frame-ancestors']).toEqual(["'none'"]);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('sends Cache-Control: no-store on every API answer, error and file', async () => {
    const buyer = await deal.login('buyerA');
    const ndaId = (await deal.manager.get(`${deal.roomPath}/ndas`)).body.items[0].id;
    const responses = [
      await request(t.app).get('/api/health'),
      await request(t.app).get('/api/rooms'),
      await request(t.app).post('/api/auth/login').send({ email: 'x@y.example', password: 'wrong password here' }),
      await deal.manager.get(`${deal.roomPath}/documents`),
      await deal.manager.get('/api/documents/no-such-document'),
      await buyer.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary),
      await buyer.get(`/api/documents/${deal.docs.finance.id}/content?disposition=inline`).buffer(true).parse(binary),
      await deal.manager.get(`/api/documents/${deal.docs.finance.id}/original`).buffer(true).parse(binary),
      await deal.manager.get(`${deal.roomPath}/ndas/${ndaId}/file`).buffer(true).parse(binary),
    ];
    for (const res of responses) {
      expect(res.status).toBeLessThan(500);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(responses.slice(5).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });
});
