import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Liveness asks nothing of the dependencies; readiness answers 503 as soon as one of them is gone. */
let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

it('is ready, without signing in, while the database and the object store answer', async () => {
  const res = await request(t.app).get('/api/health/ready');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ready', checks: { database: 'ok', storage: 'ok', process: 'ok' }, qpdf: expect.stringMatching(/^(native|wasm)$/) });
});

it('answers readiness 503 naming the database when it is gone, while liveness stays 200', async () => {
  await t.db.destroy();
  const ready = await request(t.app).get('/api/health/ready');
  expect(ready.status).toBe(503);
  expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'unavailable', storage: 'ok', process: 'ok' }, qpdf: expect.stringMatching(/^(native|wasm)$/) });
  const live = await request(t.app).get('/api/health');
  expect(live.status).toBe(200);
  expect(live.body).toEqual({ status: 'ok' });
});

it('echoes a well-formed X-Request-Id from the load balancer and makes its own otherwise', async () => {
  const given = await request(t.app).get('/api/health').set('X-Request-Id', 'lb-7f3a9c21-0001');
  expect(given.headers['x-request-id']).toBe('lb-7f3a9c21-0001');
  const hostile = await request(t.app).get('/api/health').set('X-Request-Id', '<script>alert(1)</script>');
  expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});
