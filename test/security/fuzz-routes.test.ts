import fc from 'fast-check';
import request from 'supertest';
import { ADMIN, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';

let t: TestApp;
let deal: Deal;
let adminToken: string;
let knownIds: string[];
beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  const nda = await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
  const grant = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id });
  adminToken = (await deal.admin.post('/api/auth/tokens', { name: 'fuzz', currentPassword: ADMIN.password })).body.token;
  knownIds = [
    deal.room.id, nda.id, grant.id, deal.parties.A.id, deal.parties.B.id,
    ...Object.values(deal.docs).map((d) => d.id),
    ...Object.values(deal.folders).map((f) => f.id),
    ...Object.values(deal.users).map((u) => u.id),
    ...Object.values(deal.entities).map((e) => e.id),
  ];
}, 60_000);
afterAll(() => t.close());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every API route the app serves, walked from its router (as test/api/openapi.test.ts does). */
function servedRoutes(stack: Layer[]): Array<{ method: string; path: string }> {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((method) => ({ method, path: layer.route!.path }));
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))), maxLength: 60 });
const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('', '..', '../..', '%00', '\u0000', '\u202e', 'null', 'undefined', '__proto__', 'constructor', ' ', 'x'.repeat(5000), '1e309', '-1', '0'),
);
const id = fc.oneof(fc.constantFrom(...[0].map(() => 'placeholder')), hostileString).chain((v) => (v === 'placeholder' ? fc.constantFrom(...knownIds) : fc.constant(v)));
const fieldNames = fc.constantFrom('name', 'kind', 'email', 'password', 'otp', 'role', 'orgId', 'entityIds', 'userId', 'partyId', 'folderId', 'level', 'cidrs', 'requireMfa', 'reason', 'maxClassification', 'expiresAt', 'cleanTeam', 'acquirerOrgId', 'advisorOrgIds', 'parentId', 'codeName', '__proto__', 'status');
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.constantFrom(...[0].map(() => 'placeholder')).chain(() => fc.constantFrom(...knownIds)));
const body = fc.oneof(
  fc.dictionary(fieldNames, value, { maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constant(undefined),
);
const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'q', 'folderId', 'disposition', 'format', 'before', 'userId', 'documentId', 'x'), hostileString, { maxKeys: 3 });
const headers = fc.record(
  {
    'Content-Type': fc.constantFrom('application/json', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/json; charset=nope'),
    'X-CSRF-Token': printable,
    'X-Forwarded-For': printable,
    Accept: printable,
    Range: fc.constantFrom('bytes=0-10', 'bytes=-5', 'bytes=999999999-', 'bytes=x'),
  },
  { requiredKeys: [] },
);
const auth = fc.constantFrom('admin-token', 'manager-session', 'buyer-session', 'junk-token', 'none');

describe('A fuzz test over every route', () => {
  it('answers random bodies, headers, queries and ids on every route without a 5xx and without crashing', async () => {
    const routes = servedRoutes((t.app as unknown as { router: { stack: Layer[] } }).router.stack).filter((r) => r.path.startsWith('/api/'));
    expect(routes.length).toBeGreaterThan(40);
    const buyer = await deal.login('buyerA');
    const seen = new Set<string>();

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(id, { minLength: 4, maxLength: 4 }), body, query, headers, auth, fc.boolean(), async (route, ids, b, q, h, who, rawBody) => {
        let i = 0;
        const path = route.path.replace(/:(\w+)/g, () => encodeURIComponent(ids[i++] ?? 'x'));
        const client = who === 'manager-session' ? deal.manager.agent : who === 'buyer-session' ? buyer.agent : request(t.app);
        let req = (client as unknown as Record<string, (url: string) => request.Test>)[route.method](path).query(q);
        if (who === 'admin-token') req = req.set('Authorization', `Bearer ${adminToken}`);
        if (who === 'junk-token') req = req.set('Authorization', 'Bearer gh_junk');
        for (const [k, v] of Object.entries(h)) req = req.set(k, v as string);
        // Sent as a string, whatever the declared Content-Type: the server must cope with the mismatch.
        if (b !== undefined && route.method !== 'get') req = req.send(rawBody ? JSON.stringify(b).slice(0, -1) : JSON.stringify(b));
        const res = await req;
        seen.add(`${route.method} ${route.path}`);
        if (res.status >= 500) throw new Error(`${route.method.toUpperCase()} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }),
      { numRuns: 1500 },
    );
    // Still serving, and most routes were reached.
    expect((await request(t.app).get('/api/health')).status).toBe(200);
    expect(seen.size).toBeGreaterThan(routes.length * 0.8);
  }, 300_000);
});
