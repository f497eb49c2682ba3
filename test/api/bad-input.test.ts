import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';

let t: TestApp;
let admin: Client;
let token: string;
beforeEach(async () => {
  t = await startTestApp();
  admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  token = (await admin.post('/api/auth/tokens', { name: 'tests', currentPassword: ADMIN.password })).body.token;
});
afterEach(() => t.close());

const asAdmin = (method: 'post' | 'get', url: string) => request(t.app)[method](url).set('Authorization', `Bearer ${token}`);

describe('bad input gets a clear 4xx naming the field', () => {
  it('answers malformed JSON with 400 invalid_request', async () => {
    const res = await asAdmin('post', '/api/orgs').set('Content-Type', 'application/json').send('{"name": "Acme",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });

  it('names a field of the wrong type', async () => {
    const res = await asAdmin('post', '/api/orgs').send({ name: 42, kind: 'acquirer' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details)).toEqual(['name']);
  });

  it('names a missing field', async () => {
    const res = await asAdmin('post', '/api/entities').send({});
    expect(res.body.error.details).toHaveProperty('name');
  });

  it('rejects unknown fields, so nothing can be mass-assigned', async () => {
    const res = await asAdmin('post', '/api/rooms').send({ name: 'X', entityIds: ['e'], status: 'closed', createdBy: 'someone' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toMatchObject({ status: 'unknown field', createdBy: 'unknown field' });
  });

  it('refuses a JSON body over 1 MB with 413', async () => {
    const res = await asAdmin('post', '/api/orgs').send({ name: 'x'.repeat(1_100_000), kind: 'acquirer' });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_large');
  });

  it('caps the length of strings', async () => {
    const res = await asAdmin('post', '/api/orgs').send({ name: 'x'.repeat(5000), kind: 'acquirer' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('name');
  });

  it('answers an unknown id with 404 and an unknown API path with 404', async () => {
    expect((await asAdmin('get', `/api/rooms/${randomUUID()}`)).status).toBe(404);
    expect((await asAdmin('get', `/api/rooms/${'x'.repeat(500)}`)).status).toBe(404);
    expect((await asAdmin('get', '/api/nothing-here')).status).toBe(404);
  });

  it('refuses a user whose role does not fit the organisation', async () => {
    const orgs = (await asAdmin('get', '/api/orgs')).body.items;
    const res = await asAdmin('post', '/api/users').send({ email: 'x@y.example', name: 'X', password: 'long enough password', orgId: orgs[0].id, role: 'external' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toHaveProperty('role');
  });

  it('answers a taken email with 409 email_taken', async () => {
    const orgs = (await asAdmin('get', '/api/orgs')).body.items;
    const res = await asAdmin('post', '/api/users').send({ email: ADMIN.email.toUpperCase(), name: 'X', password: 'long enough password', orgId: orgs[0].id, role: 'staff' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('email_taken');
  });

  it('answers a non-multipart upload with 415', async () => {
    const room = await asAdmin('post', '/api/entities').send({ name: 'E' });
    const r = await asAdmin('post', '/api/rooms').send({ name: 'R', entityIds: [room.body.id] });
    const res = await asAdmin('post', `/api/rooms/${r.body.id}/documents`).send({ folderId: 'x' });
    expect(res.status).toBe(415);
  });

  it('answers a truncated multipart body with 400, not a crash', async () => {
    const e = await asAdmin('post', '/api/entities').send({ name: 'E' });
    const r = await asAdmin('post', '/api/rooms').send({ name: 'R', entityIds: [e.body.id] });
    const res = await asAdmin('post', `/api/rooms/${r.body.id}/documents`)
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send('--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.4 trunc');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await asAdmin('get', '/api/health')).status).toBe(200);
  });
});
