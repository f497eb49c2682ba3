/**
 * The differential proof of the access rule (QUALITY.md security 3): on thousands of random worlds
 * the production CASL ability, its SQL filter and the plain reference of PRODUCT.md agree on every
 * user × document × level; revoking anything never widens access; time passing an expiry never
 * widens access. Runs on SQLite, and on PostgreSQL under TEST_DATABASE_URL (npm run test:postgres).
 *
 * Replay a failure with PROPERTY_SEED=<seed printed below>; PROPERTY_SECONDS (default 50 per database)
 * or PROPERTY_RUNS size the run (test/property/run-budget.ts).
 */
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { applyRevocation, drawWorld, nextExpiryStep, revocationsOf } from './world-arbitrary.js';
import { insertWorld, revokeInDb } from './world-store.js';
import { missingFrom, productionDecisions, referenceDecisions } from './production-decisions.js';
import { database, runParameters, seeds, settleInFlight, timeoutFor, track } from './run-budget.js';

const AT = '2030-06-15T12:00:00.000Z';
const SECONDS = 50;
const checked = { worlds: 0, revocations: 0, expirySteps: 0 };

let t: TestApp;
let worldNo = 0;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  process.stdout.write(`access-rule property suite on ${database}: ${checked.worlds} worlds compared, ${checked.revocations} revocations, ${checked.expirySteps} expiry steps\n`);
  await settleInFlight();
  await t?.close();
});

const nextPrefix = () => `w${(worldNo++).toString(36)}-`;

describe.each(seeds)(`the access rule on random worlds (${database}, seed %i)`, (seed) => {
  beforeAll(() => {
    process.stdout.write(`access-rule property suite on ${database}: seed ${seed} (replay: PROPERTY_SEED=${seed})\n`);
  });

  it('ability.can, the SQL-filtered list and the reference agree on every user, document and level', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT);
        await insertWorld(t.db, world);
        const expected = referenceDecisions(world);
        const { can, sql } = await productionDecisions(t.db, world);
        expect({ allowedByAbilityOnly: missingFrom(can, expected), allowedByReferenceOnly: missingFrom(expected, can) }).toEqual({ allowedByAbilityOnly: [], allowedByReferenceOnly: [] });
        expect({ listedButNotAllowed: missingFrom(sql, can), allowedButNotListed: missingFrom(can, sql) }).toEqual({ listedButNotAllowed: [], allowedButNotListed: [] });
        checked.worlds++;
      })())),
      runParameters(seed, 0.5, SECONDS),
    );
  }, timeoutFor(0.5, SECONDS));

  it('revoking anything (member, clean team, NDA, NDA scope, grant, room, staff) never widens access', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT);
        const revocations = revocationsOf(world);
        fc.pre(revocations.length > 0);
        const revocation = revocations[g(fc.integer, { min: 0, max: revocations.length - 1 })];
        await insertWorld(t.db, world);
        const before = await productionDecisions(t.db, world);
        await revokeInDb(t.db, revocation);
        const revoked = applyRevocation(world, revocation);
        const after = await productionDecisions(t.db, revoked);
        expect({ revocation, widened: missingFrom(after.can, before.can) }).toEqual({ revocation, widened: [] });
        expect({ revocation, widenedInSql: missingFrom(after.sql, before.sql) }).toEqual({ revocation, widenedInSql: [] });
        // ...and what remains is still exactly the rule.
        expect(missingFrom(after.can, referenceDecisions(revoked))).toEqual([]);
        expect(missingFrom(referenceDecisions(revoked), after.can)).toEqual([]);
        checked.revocations++;
      })())),
      runParameters(seed + 1, 0.25, SECONDS),
    );
  }, timeoutFor(0.25, SECONDS));

  it('time passing an NDA or grant expiry never widens access, and what remains is the rule at that instant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT);
        const later = nextExpiryStep(world);
        fc.pre(later !== null);
        await insertWorld(t.db, world);
        const before = await productionDecisions(t.db, world);
        const after = await productionDecisions(t.db, world, later!);
        expect({ later, widened: missingFrom(after.can, before.can) }).toEqual({ later, widened: [] });
        const expected = referenceDecisions(world, later!);
        expect({ allowedByAbilityOnly: missingFrom(after.can, expected), allowedByReferenceOnly: missingFrom(expected, after.can) }).toEqual({ allowedByAbilityOnly: [], allowedByReferenceOnly: [] });
        expect(missingFrom(after.sql, after.can)).toEqual([]);
        expect(missingFrom(after.can, after.sql)).toEqual([]);
        checked.expirySteps++;
      })())),
      runParameters(seed + 2, 0.25, SECONDS),
    );
  }, timeoutFor(0.25, SECONDS));
});
