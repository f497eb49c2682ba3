import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { documentedRoutes } from '../../server/openapi/openapi-document.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every API route the express app really serves, walked from its router. */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

describe('the OpenAPI document', () => {
  it('is served at /api/openapi.json without signing in', async () => {
    const res = await request(t.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/api/rooms/{roomId}/documents'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['roomId', 'folderId', 'q']),
    );
  });

  it('describes every API route the app serves, and no route it does not', () => {
    const router = (t.app as unknown as { router: { stack: Layer[] } }).router;
    const served = servedRoutes(router.stack).filter((r) => r.split(' ')[1].startsWith('/api/'));
    expect([...new Set(served)].sort()).toEqual([...documentedRoutes()].sort());
  });
});
