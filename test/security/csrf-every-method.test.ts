import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';

/*
 * docs/quality.md security 6, docs/http-api.md (Authentication): a state change authenticated by the session cookie
 * must carry X-CSRF-Token, else 403 csrf. A forged cross-site form can send any method a page can
 * (POST with multipart/form-data, text/plain or urlencoded bodies need no preflight) and fetch()
 * can try the rest: every state-changing route of the app, in every content type, is tried here
 * with the manager's real session cookie and real ids, so a route that skipped the check would act.
 * Bearer requests carry no ambient credential and need no token.
 */

let t: TestApp;
let deal: Deal;
let ids: Record<string, string>;

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}
/** Every route the express app serves, walked from its router. */
function servedRoutes(stack: Layer[]): Array<{ method: string; path: string }> {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => ({ method: m.toUpperCase(), path: layer.route!.path }));
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Signing in authenticates nobody yet (docs/http-api.md): the one state-changing route without a token. */
// Session starters: the caller has no session yet, so there is no token to hold; each proves itself by
// a password or a one-time link secret instead (server/auth/csrf.ts SESSION_STARTERS).
const EXEMPT = new Set([
  'POST /api/auth/login',
  'POST /api/auth/invitation/accept',
  'POST /api/auth/password/forgot',
  'POST /api/auth/password/reset',
]);

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  const grant = await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'view' });
  const nda = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], confirm: false });
  const token = await deal.manager.post('/api/auth/tokens', { name: 'ci', currentPassword: PASSWORD });
  expect(token.status).toBe(201);
  ids = {
    roomId: deal.room.id,
    partyId: deal.parties.B.id,
    userId: deal.users.buyerB.id,
    grantId: grant.id,
    ndaId: nda.id,
    documentId: deal.docs.finance.id,
    folderId: deal.folders.finance.id,
    tokenId: token.body.id,
    orgId: deal.orgs.beta.id,
    entityId: deal.entities.outside.id,
    bearer: token.body.token,
  };
}, 60_000);
afterAll(() => t?.close());

const stateChangingRoutes = () => {
  const router = (t.app as unknown as { router: { stack: Layer[] } }).router;
  const seen = new Set<string>();
  return servedRoutes(router.stack)
    .filter((r) => r.path.startsWith('/api/') && !SAFE.has(r.method) && !EXEMPT.has(`${r.method} ${r.path}`))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && Boolean(seen.add(`${r.method} ${r.path}`)));
};
const fill = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? `unknown-${name}`);

/** A fresh session cookie of the manager, as a forged cross-site request would carry it (SameSite aside). */
async function managerCookie(): Promise<string> {
  const res = await request(t.app).post('/api/auth/login').send({ email: deal.users.manager.email, password: PASSWORD });
  expect(res.status).toBe(200);
  return (res.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
}

type Body = 'none' | 'json' | 'multipart' | 'text/plain' | 'urlencoded';
const BODIES: Body[] = ['none', 'json', 'multipart', 'text/plain', 'urlencoded'];

async function forged(method: string, path: string, body: Body, headers: Record<string, string>) {
  const m = method.toLowerCase() as 'post' | 'put' | 'patch' | 'delete';
  let req = request(t.app)[m](path);
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  switch (body) {
    case 'none':
      return req;
    case 'json':
      return req.send({ name: 'Forged', reason: 'forged', userId: ids.userId, cidrs: ['0.0.0.0/0'] });
    case 'multipart':
      return req.field('folderId', ids.folderId).field('entityId', deal.entities.gmbh.id).field('classification', 'standard').field('personalData', 'none').attach('file', await makePdf('Forged upload'), 'forged.pdf');
    case 'text/plain':
      return req.set('Content-Type', 'text/plain').send('{"name":"Forged","kind":"acquirer"}');
    case 'urlencoded':
      return req.type('form').send('name=Forged&kind=acquirer&reason=forged');
  }
}

describe('CSRF on every state-changing route', () => {
  it('finds the state-changing routes it is about (PUT, PATCH, DELETE and multipart POSTs among them)', () => {
    const routes = stateChangingRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThan(20);
    for (const expected of ['PUT /api/rooms/:roomId/parties/:partyId/ip-allowlist', 'PATCH /api/rooms/:roomId/settings', 'DELETE /api/rooms/:roomId/grants/:grantId', 'POST /api/rooms/:roomId/documents', 'POST /api/documents/:documentId/versions', 'POST /api/rooms/:roomId/ndas']) {
      expect(routes).toContain(expected);
    }
  });

  it.each(BODIES)('refuses every cookie-authenticated state change without the token, body %s: 403 csrf', async (body) => {
    const cookie = await managerCookie();
    expect(cookie).toMatch(/gatehouse\.sid=/);
    const answers: string[] = [];
    for (const { method, path } of stateChangingRoutes()) {
      const res = await forged(method, fill(path), body, { Cookie: cookie, Origin: 'https://evil.example' });
      answers.push(`${method} ${path} → ${res.status} ${res.body?.error?.code ?? ''}`.trim());
    }
    expect(answers.filter((a) => !a.endsWith('→ 403 csrf'))).toEqual([]);
    // The cookie was live all along: with its token, the same session does change state.
    const token = (await request(t.app).get('/api/auth/csrf').set('Cookie', cookie)).body.token as string;
    const made = await request(t.app).post(`${deal.roomPath}/folders`).set('Cookie', cookie).set('X-CSRF-Token', token).send({ name: `Made with the token (${body})` });
    expect(made.status).toBe(201);
  }, 120_000);

  it('refuses a wrong, empty or other session’s token just the same', async () => {
    const cookie = await managerCookie();
    const otherToken = (await deal.counsel.get('/api/auth/csrf')).body.token as string;
    const ownToken = (await request(t.app).get('/api/auth/csrf').set('Cookie', cookie)).body.token as string;
    for (const token of [otherToken, '', 'x', ownToken.slice(0, -1), `${ownToken}x`, ownToken.toUpperCase() === ownToken ? ownToken.toLowerCase() : ownToken.toUpperCase()]) {
      for (const { method, path } of [
        { method: 'DELETE', path: `${deal.roomPath}/grants/${ids.grantId}` },
        { method: 'PUT', path: `${deal.roomPath}/parties/${ids.partyId}/ip-allowlist` },
        { method: 'PATCH', path: `${deal.roomPath}/settings` },
        { method: 'POST', path: `${deal.roomPath}/documents` },
      ]) {
        const res = await forged(method, path, path.endsWith('/documents') ? 'multipart' : 'json', { Cookie: cookie, 'X-CSRF-Token': token });
        expect({ token, method, path, status: res.status, code: res.body?.error?.code }).toEqual({ token, method, path, status: 403, code: 'csrf' });
      }
    }
  });

  it('changed nothing while refusing: the grant, the member, the NDA and the documents are as they were', async () => {
    expect(await t.db('grants').where({ id: ids.grantId }).first()).toBeTruthy();
    expect(await t.db('partyMembers').where({ partyId: ids.partyId, userId: ids.userId }).first()).toBeTruthy();
    expect((await t.db('ndas').where({ id: ids.ndaId }).first('status')).status).toBe('pending');
    expect(await t.db('partyIpAllowlist').where({ partyId: ids.partyId })).toEqual([]);
    expect(Number((await t.db('documents').where({ roomId: deal.room.id }).count({ n: '*' }).first())!.n)).toBe(3);
    expect(await t.db('orgs').where({ name: 'Forged' }).first()).toBeUndefined();
  });

  it('does not let a method override header turn a safe request into a state change', async () => {
    const cookie = await managerCookie();
    for (const header of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
      await request(t.app).get(`${deal.roomPath}/grants/${ids.grantId}`).set('Cookie', cookie).set(header, 'DELETE');
      await request(t.app).get(`${deal.roomPath}/grants/${ids.grantId}?_method=DELETE`).set('Cookie', cookie);
    }
    expect(await t.db('grants').where({ id: ids.grantId }).first()).toBeTruthy();
  });

  it('lets a bearer-token request change state without a token, in JSON and multipart alike', async () => {
    const bearer = { Authorization: `Bearer ${ids.bearer}` };
    const json = await request(t.app).put(`${deal.roomPath}/parties/${ids.partyId}/ip-allowlist`).set(bearer).send({ cidrs: ['10.0.0.0/8'] });
    expect([json.status, json.body?.error?.code]).not.toEqual([403, 'csrf']);
    expect(json.status).toBe(200);
    const upload = await forged('POST', `${deal.roomPath}/documents`, 'multipart', bearer);
    expect(upload.status).toBe(201);
    const folder = await request(t.app).post(`${deal.roomPath}/folders`).set(bearer).send({ name: 'Made with a token' });
    expect(folder.status).toBe(201);
    const removed = await request(t.app).delete(`${deal.roomPath}/grants/${ids.grantId}`).set(bearer);
    expect(removed.status).toBe(204);
  });
});
