import request from 'supertest';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';

let t: TestApp;
let token: string;
beforeAll(async () => {
  t = await startTestApp();
  const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  token = (await admin.post('/api/auth/tokens', { name: 'corpus', currentPassword: ADMIN.password })).body.token;
});
afterAll(() => t.close());

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Hostile JSON bodies, raw, as an attacker would type them: each must get a clear 4xx, never a crash. */
const CORPUS: Array<[string, string, number]> = [
  ['malformed JSON', '{"name": "Acme",', 400],
  ['a lone value instead of an object', '"Acme"', 400],
  ['an array instead of an object', '[{"name":"Acme","kind":"acquirer"}]', 400],
  ['null', 'null', 400],
  ['a NUL character in a value', '{"name":"Ac\\u0000me","kind":"acquirer"}', 400],
  ['a NUL character in a key', '{"na\\u0000me":"Acme","kind":"acquirer"}', 400],
  ['__proto__ pollution', '{"name":"Acme","kind":"acquirer","__proto__":{"role":"admin"}}', 400],
  ['constructor.prototype pollution', '{"name":"Acme","kind":"acquirer","constructor":{"prototype":{"role":"admin"}}}', 400],
  ['10,000 nested arrays', deep(10_000), 400],
  ['5,000 nested objects', deepObject(5_000), 400],
  ['a number where a string belongs', '{"name":1e309,"kind":"acquirer"}', 400],
  ['a huge string field', JSON.stringify({ name: 'x'.repeat(100_000), kind: 'acquirer' }), 400],
  ['a lone surrogate', '{"name":"\\ud800","kind":"nonsense"}', 400],
  ['an unknown enum value', '{"name":"Acme","kind":"seller\\u202e"}', 400],
  ['a body over 1 MB', JSON.stringify({ name: 'Acme', kind: 'acquirer', pad: 'x'.repeat(1_100_000) }), 413],
  ['UTF-8 bytes declared as UTF-16', '{"name":"Acme","kind":"acquirer"}', 400],
];

describe('A bad-input corpus: hostile JSON (docs/quality.md security 9)', () => {
  it.each(CORPUS.map(([label, body, status]) => [label, status, body] as const))('answers %s with a clear %d and writes nothing', async (label, status, body) => {
    const before = await t.db('orgs').count({ n: '*' }).first();
    const res = await request(t.app)
      .post('/api/orgs')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', label === 'UTF-8 bytes declared as UTF-16' ? 'application/json; charset=utf-16' : 'application/json')
      .send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toMatch(/^[a-z_]+$/);
    if (status === 400) expect(Object.keys(res.body.error.details ?? {}).length).toBeGreaterThan(0);
    if (/pollution/.test(label)) expect(Object.keys(res.body.error.details)).toEqual([label.startsWith('__proto__') ? '__proto__' : 'constructor']);
    expect(await t.db('orgs').count({ n: '*' }).first()).toEqual(before);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    expect((await request(t.app).get('/api/health')).status).toBe(200);
  });

  it('names the field holding a NUL character, in a body or a query', async () => {
    const body = await request(t.app).post('/api/entities').set('Authorization', `Bearer ${token}`).send({ name: 'Falcon\u0000 GmbH' });
    expect(body.body.error.details).toEqual({ name: 'contains a NUL character' });
    const query = await request(t.app).get('/api/rooms').query({ q: 'a\u0000b' }).set('Authorization', `Bearer ${token}`);
    expect(query.status).toBe(400);
    expect(query.body.error.details).toEqual({ q: 'contains a NUL character' });
  });

  it('answers ids that cannot exist — NUL, broken percent-encoding, 10,000 characters — with the same 404 as a missing id', async () => {
    const missing = await request(t.app).get('/api/rooms/no-such-room').set('Authorization', `Bearer ${token}`);
    for (const id of ['%00', 'a%00b', '%E0%A4%A', '%ED%A0%80', 'x'.repeat(10_000), '..%2F..%2Fetc%2Fpasswd']) {
      const res = await request(t.app).get(`/api/rooms/${id}`).set('Authorization', `Bearer ${token}`);
      expect([id.slice(0, 20), res.status, res.body]).toEqual([id.slice(0, 20), 404, missing.body]);
    }
  });
});
