import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { TINY_PNG } from '../support/fixtures.js';
import { buildDeal, PASSWORD } from '../support/world.js';
import { startCluster, type Cluster } from './support/cluster.js';

/**
 * SIGTERM (a deploy, a scale-in) stops new connections at once but lets a download in flight run to
 * its last byte, then closes the pools and exits 0.
 */
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

it('on SIGTERM refuses new connections, finishes the download in flight byte for byte, and exits 0', async () => {
  const server = await cluster.start();
  const deal = await buildDeal({ app: server.base });
  // 40 MB: far more than the socket buffers hold, so the download is still streaming when SIGTERM lands.
  const data = Buffer.concat([TINY_PNG, randomBytes(40 * 1024 * 1024)]);
  const uploaded = await deal.manager.upload(`${deal.roomPath}/documents`, { data, name: 'site-plan.png' }, {
    folderId: deal.folders.finance.id,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  });
  expect(uploaded.status).toBe(201);
  const { token } = (await deal.manager.post('/api/auth/tokens', { name: 'shutdown', currentPassword: PASSWORD })).body as { token: string };

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${server.base}/api/documents/${uploaded.body.id}/original`, { headers: { authorization: `Bearer ${token}` } }, resolve).on('error', reject);
  });
  expect(response.statusCode).toBe(200);
  const hash = createHash('sha256');
  let received = 0;
  const first = await new Promise<Buffer>((resolve) => response.once('data', resolve));
  response.pause();
  hash.update(first);
  received += first.length;

  server.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(server.child.exitCode).toBeNull(); // still serving the download
  await expect(fetch(`${server.base}/api/health`)).rejects.toThrow(); // but accepting nothing new

  response.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
  });
  await new Promise((resolve, reject) => {
    response.on('end', resolve);
    response.on('error', reject);
    response.resume();
  });
  expect(received).toBe(data.length);
  expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  expect(await server.exited).toBe(0);
}, 120_000);
