/**
 * A sample of the random worlds read through the HTTP API, as the users themselves would: the room's
 * document list, each document's metadata, and content. What the reference allows is served with the
 * reference's level; everything else answers the very bytes of the 404 for an id that never existed.
 * Replay with PROPERTY_SEED; PROPERTY_SECONDS or PROPERTY_RUNS size the sample (run-budget.ts).
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { makePdf } from '../support/fixtures.js';
import { sha256Hex } from '../../server/auth/secret-hash.js';
import { coveringNdas, referenceAllows, referenceLevel } from './access-reference.js';
import { drawWorld } from './world-arbitrary.js';
import { insertWorld } from './world-store.js';
import type { World, WorldUser } from './world-model.js';

import { runParameters, seeds, settleInFlight, timeoutFor, track } from './run-budget.js';

const SECONDS = 15;

let t: TestApp;
let worldNo = 0;
let pdfKey: string;
beforeAll(async () => {
  t = await startTestApp();
  // Every document of every world shares one stored PDF: the rule, not the stamping, is under test.
  pdfKey = `versions/property-${randomUUID()}`;
  await t.store.put(pdfKey, Readable.from(await makePdf('property world document')));
});
afterAll(async () => {
  await settleInFlight();
  await t?.close();
});

/** Bearer tokens for every user of the world, stored as the token service stores them (hashed). */
async function tokensFor(world: World): Promise<Map<string, string>> {
  const tokens = new Map(world.users.map((u) => [u.id, `tok-${randomUUID()}`]));
  await t.db('apiTokens').insert(
    world.users.map((u) => ({ id: randomUUID(), userId: u.id, name: 'property', tokenHash: sha256Hex(tokens.get(u.id)!), createdAt: world.at })),
  );
  return tokens;
}

/** What the documents list of `roomId` must answer `user` (statuses from API.md's conventions). */
function expectedListStatus(world: World, user: WorldUser, roomId: string): number {
  if (user.role !== 'external') return user.role === 'admin' || world.staff.some((s) => s.roomId === roomId && s.userId === user.id) ? 200 : 404;
  const membership = world.members.find((m) => m.roomId === roomId && m.userId === user.id);
  if (!membership) return 404;
  if (world.rooms.find((r) => r.id === roomId)!.status === 'closed') return 403;
  const covered = world.rooms.find((r) => r.id === roomId)!.entityIds.some((e) => coveringNdas(world, user, membership.partyId, roomId, e, world.at).length > 0);
  return covered ? 200 : 403;
}

describe.each(seeds)('random worlds through the HTTP API (seed %i)', (seed) => {
  beforeAll(() => {
    process.stdout.write(`access-rule HTTP sample: seed ${seed} (replay: PROPERTY_SEED=${seed})\n`);
  });

  it('lists, reads and delivers exactly what the reference allows; hidden is the byte-identical 404', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        // A minute ago, so every instant the world was drawn with keeps its side of "now" while requests run.
        const at = new Date(Date.now() - 60_000).toISOString();
        // Through HTTP every request comes from the loopback address with a token: worlds without allow-lists or MFA rooms.
        const world = drawWorld(g, `h${(worldNo++).toString(36)}-`, at, { requestConditions: false });
        await insertWorld(t.db, world, () => pdfKey);
        const tokens = await tokensFor(world);
        for (const user of world.users) {
          const get = (url: string) => request(t.app).get(url).set('Authorization', `Bearer ${tokens.get(user.id)}`);
          const missingRead = await get(`/api/documents/${randomUUID()}`);
          const missingContent = await get(`/api/documents/${randomUUID()}/content`);
          expect(missingRead.status).toBe(404);

          for (const room of world.rooms) {
            const list = await get(`/api/rooms/${room.id}/documents?limit=1000`);
            const status = expectedListStatus(world, user, room.id);
            expect({ user: user.id, room: room.id, status: list.status }).toEqual({ user: user.id, room: room.id, status });
            if (status !== 200) continue;
            const expectedItems = world.documents
              .filter((d) => d.roomId === room.id && referenceLevel(world, user, d) !== null)
              .map((d) => ({ id: d.id, access: referenceLevel(world, user, d) }))
              .sort((a, b) => a.id.localeCompare(b.id));
            const listed = (list.body.items as Array<{ id: string; access: string }>).map((d) => ({ id: d.id, access: d.access })).sort((a, b) => a.id.localeCompare(b.id));
            expect({ user: user.id, room: room.id, listed }).toEqual({ user: user.id, room: room.id, listed: expectedItems });
          }

          for (const doc of world.documents) {
            const read = await get(`/api/documents/${doc.id}`);
            if (referenceAllows(world, user, doc, 'view')) {
              expect({ doc: doc.id, user: user.id, status: read.status, access: read.body.access }).toEqual({ doc: doc.id, user: user.id, status: 200, access: referenceLevel(world, user, doc) });
            } else {
              expect({ doc: doc.id, user: user.id, status: read.status, body: read.text }).toEqual({ doc: doc.id, user: user.id, status: 404, body: missingRead.text });
            }
          }

          // Content for one document per user (stamping is real work): 200, 403 for a level not held,
          // 403 nda_required for an uncovered member of an open room, else the missing id's 404.
          const doc = world.documents[g(fc.integer, { min: 0, max: world.documents.length - 1 })];
          const content = await get(`/api/documents/${doc.id}/content?disposition=attachment`);
          const listStatus = expectedListStatus(world, user, doc.roomId);
          const membership = world.members.find((m) => m.roomId === doc.roomId && m.userId === user.id);
          const uncoveredMember = user.role === 'external' && membership && listStatus === 403 && world.rooms.find((r) => r.id === doc.roomId)!.status === 'open';
          if (referenceAllows(world, user, doc, 'download')) expect(content.status).toBe(200);
          else if (referenceAllows(world, user, doc, 'view')) expect(content.status).toBe(403);
          else if (uncoveredMember) expect({ status: content.status, code: content.body.error?.code }).toEqual({ status: 403, code: 'nda_required' });
          else expect({ doc: doc.id, user: user.id, status: content.status, body: content.text }).toEqual({ doc: doc.id, user: user.id, status: 404, body: missingContent.text });
        }
      })())),
      runParameters(seed, 1, SECONDS, 0.05),
    );
  }, timeoutFor(1, SECONDS));
});
