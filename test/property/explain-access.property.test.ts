/**
 * The access explanation (GET /api/rooms/:roomId/access) on random worlds: its level is the
 * ability's and the reference's, and its reasons are a faithful account of the rule — the level is
 * non-null exactly when every condition holds and some grant applies; the NDA reason names exactly
 * the NDAs that cover (for a dataset, its own entity or one its entity map names).
 */
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { loadAccess } from '../../server/policy/load-access.js';
import { explainAccess } from '../../server/policy/explain-access.js';
import { addressAllowed, coveringNdas, entitiesOpening, referenceLevel, requestOf } from './access-reference.js';
import { drawWorld } from './world-arbitrary.js';
import { insertWorld, requestContext } from './world-store.js';

import { runParameters, seeds, settleInFlight, timeoutFor, track } from './run-budget.js';

const AT = '2030-06-15T12:00:00.000Z';
const SECONDS = 10;

let t: TestApp;
let worldNo = 0;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await settleInFlight();
  await t?.close();
});

describe.each(seeds)('the access explanation on random worlds (seed %i)', (seed) => {
  beforeAll(() => {
    process.stdout.write(`access explanation property suite: seed ${seed} (replay: PROPERTY_SEED=${seed})\n`);
  });

  it('gives the level of the ability and the reference, with one reason per condition that accounts for it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, `x${(worldNo++).toString(36)}-`, AT);
        await insertWorld(t.db, world);
        for (let i = 0; i < 6; i++) {
          const user = world.users[g(fc.integer, { min: 0, max: world.users.length - 1 })];
          const doc = world.documents[g(fc.integer, { min: 0, max: world.documents.length - 1 })];
          const row = await t.db('documents').where({ id: doc.id }).first();
          const { actor, client } = requestContext(world, user);
          const { facts, ability } = await loadAccess(t.db, actor, AT, client);
          const { level, reasons } = await explainAccess(t.db, facts, ability, row);
          const context = { user: user.id, doc: doc.id, reasons };
          expect({ ...context, level }).toEqual({ ...context, level: referenceLevel(world, user, doc) });

          if (user.role !== 'external') {
            expect(reasons.map((r) => r.rule)).toEqual(['room_staff']);
            expect(reasons[0].ok).toBe(level !== null);
            continue;
          }
          const conditions = reasons.filter((r) => r.rule !== 'grant');
          const grants = reasons.filter((r) => r.rule === 'grant');
          const holds = conditions.every((r) => r.ok) && grants.some((r) => r.ok);
          expect({ ...context, holds }).toEqual({ ...context, holds: level !== null });

          const membership = world.members.find((m) => m.roomId === doc.roomId && m.userId === user.id);
          expect(reasons[0]).toMatchObject({ rule: 'room_open', ok: world.rooms.find((r) => r.id === doc.roomId)!.status === 'open' });
          expect(reasons[1]).toMatchObject({ rule: 'membership', ok: Boolean(membership) });
          if (!membership) {
            expect(reasons).toHaveLength(2);
            continue;
          }
          expect(reasons.map((r) => r.rule)).toEqual(['room_open', 'membership', 'ip_allowlist', 'mfa', 'nda_coverage', ...grants.map(() => 'grant'), 'clean_team', 'published']);
          expect({ ...context, publishedOk: reasons.at(-1)!.ok }).toEqual({ ...context, publishedOk: (doc.status ?? 'published') === 'published' });
          const req = requestOf(world, user);
          expect({ ...context, ipOk: reasons[2].ok }).toEqual({ ...context, ipOk: addressAllowed(world, membership.partyId, req.ip) });
          expect({ ...context, mfaOk: reasons[3].ok }).toEqual({ ...context, mfaOk: !world.rooms.find((r) => r.id === doc.roomId)!.requireMfa || req.mfa });
          // A dataset is opened by its own entity or any its entity map names: the NDAs covering either.
          const covering = [...new Set(entitiesOpening(world, doc).flatMap((e) => coveringNdas(world, user, membership.partyId, doc.roomId, e, AT)))];
          const nda = reasons[4];
          expect({ ...context, ndaOk: nda.ok }).toEqual({ ...context, ndaOk: covering.length > 0 });
          for (const ndaId of covering) expect(nda.detail).toContain(ndaId);
          expect(grants.length).toBe(Math.max(1, world.grants.filter((gr) => gr.partyId === membership.partyId).length));
        }
      })())),
      runParameters(seed, 1, SECONDS, 0.15),
    );
  }, timeoutFor(1, SECONDS));
});
