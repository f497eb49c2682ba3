/**
 * The differential proof of the access rule (docs/quality.md security 3): on thousands of random worlds
 * the production CASL ability, its SQL filter and the plain reference of docs/access-rule.md agree on every
 * user × document × level, on every folder a user may see (issue 15: only where something below is
 * theirs to view, or a grant names it) and on every organisation and person of the directory; the
 * index numbers each user reads are the reference's (a party's count only what it sees); revoking
 * anything never widens access; time passing an expiry never widens access. Worlds hold datasets
 * (issue 18): a dataset is seen where its own entity or an entity its map names is covered, whatever
 * the grant's personal-data limit, and never as the original by an outsider; the rows and columns each
 * user receives of it (the ability, datasetScopeFor and planDelivery) are those of the plain
 * reference (dataset-reference.ts), after revocations (an entity map losing a value among them) and
 * expiries too. Search (issue 21) finds, by words on every page, exactly the documents each user may
 * view. Runs on SQLite, and on PostgreSQL under TEST_DATABASE_URL (npm run test:postgres).
 *
 * Replay a failure with PROPERTY_SEED=<seed printed below>; PROPERTY_SECONDS (default 50 per database)
 * or PROPERTY_RUNS size the run (test/property/run-budget.ts); whatever the budget, at least
 * FLOOR worlds are compared (PROPERTY_MIN_WORLDS lowers it while iterating).
 */
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { applyRevocation, drawCidr, drawWorld, nextExpiryStep, revocationsOf } from './world-arbitrary.js';
import { insertWorld, requestContext, revokeInDb } from './world-store.js';
import { missingFrom, productionDecisions, referenceDecisions } from './production-decisions.js';
import { referenceIndexes } from './access-reference.js';
import { database, floorOf, runProperty, seeds, settleInFlight, timeoutFor, track } from './run-budget.js';
import { datasetCoverage, datasetDeliveryDifferences } from './dataset-deliveries.js';
import type { World } from './world-model.js';
import type { Db } from '../../server/db.js';
import { loadAccess } from '../../server/policy/load-access.js';
import { asSubject } from '../../server/policy/ability.js';
import { folderIndexesFor } from '../../server/folders/caller-indexes.js';
import { documentIndexesFor } from '../../server/documents/caller-indexes.js';

const AT = '2030-06-15T12:00:00.000Z';
const SECONDS = 50;
/** Worlds each property checks on each database, at the least, however loaded the machine. */
const FLOOR = { worlds: floorOf(300), revocations: floorOf(50), expirySteps: floorOf(50), datasetWorlds: floorOf(100) };
/** The floor `total` reached by the end of `seed`'s turn (the seeds run one after the other). */
const floorAfter = (seed: number, total: number) => Math.ceil((total * (seeds.indexOf(seed) + 1)) / seeds.length);
const checked = { worlds: 0, revocations: 0, expirySteps: 0, datasetWorlds: 0 };

/**
 * The index of every folder and document each user of the world reads in each room, through the
 * same code the services number them with (their own facts, ability and SQL filter).
 */
async function productionIndexes(db: Db, world: World): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const user of world.users) {
    const { actor, client } = requestContext(world, user);
    const reader = { db, ...(await loadAccess(db, actor, world.at, client)) };
    for (const room of world.rooms) {
      const folders = world.folders.filter((f) => f.roomId === room.id);
      const docs = world.documents.filter((d) => d.roomId === room.id);
      // Numbered as the lists number them: the documents the user may view.
      const rows: Array<{ id: string; folderId: string; position: number }> = (await db('documents').whereIn('id', docs.map((d) => d.id)).select()).filter((row: object) =>
        reader.ability.can('view', asSubject('Document', row)),
      );
      const folderIndexes = await folderIndexesFor(reader, room.id, []);
      const documentIndexes = await documentIndexesFor(reader, room.id, rows);
      const expected = referenceIndexes(world, user, room.id);
      // Only what the user sees is numbered for them (a folder's or document's index is printed only beside it).
      const got = Object.fromEntries(
        [...folders.map((f) => [f.id, folderIndexes.get(f.id)] as const), ...docs.map((d) => [d.id, documentIndexes.get(d.id)] as const)].filter(([id]) => expected.has(id)),
      );
      out[`${user.id} in ${room.id}`] = got as Record<string, string>;
    }
  }
  return out;
}

const referenceIndexesOf = (world: World) =>
  Object.fromEntries(world.users.flatMap((user) => world.rooms.map((room) => [`${user.id} in ${room.id}`, Object.fromEntries(referenceIndexes(world, user, room.id))])));

let t: TestApp;
let worldNo = 0;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  process.stdout.write(`access-rule property suite on ${database}: ${checked.worlds} worlds compared, ${checked.revocations} revocations, ${checked.expirySteps} expiry steps, ${checked.datasetWorlds} worlds focused on datasets\n`);
  const c = datasetCoverage;
  process.stdout.write(
    `access-rule property suite on ${database}: ${c.deliveries} dataset deliveries compared (${c.outsiders} to outsiders, in the forms ${[...c.forms].sort().join(', ')}; ${c.rows} rows; ${c.throughMapOnly} through the entity map alone; ${c.pseudonymsChecked} pseudonyms, ${c.valuesAcrossParties} values pseudonymised for several parties)\n`,
  );
  await settleInFlight();
  await t?.close();
});

const nextPrefix = () => `w${(worldNo++).toString(36)}-`;

describe.each(seeds)(`the access rule on random worlds (${database}, seed %i)`, (seed) => {
  beforeAll(() => {
    process.stdout.write(`access-rule property suite on ${database}: seed ${seed} (replay: PROPERTY_SEED=${seed})\n`);
  });

  it('ability.can, the SQL-filtered list and the reference agree on every user, document and level, folder, organisation and person; each user reads the reference numbering and receives the reference rows and columns of each dataset', async () => {
    await runProperty(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT);
        await insertWorld(t.db, world);
        const expected = referenceDecisions(world);
        const { can, sql, searched } = await productionDecisions(t.db, world);
        expect({ allowedByAbilityOnly: missingFrom(can, expected), allowedByReferenceOnly: missingFrom(expected, can) }).toEqual({ allowedByAbilityOnly: [], allowedByReferenceOnly: [] });
        expect({ listedButNotAllowed: missingFrom(sql, can), allowedButNotListed: missingFrom(can, sql) }).toEqual({ listedButNotAllowed: [], allowedButNotListed: [] });
        // Search finds exactly the documents the reference lets each user view.
        const viewable = new Set([...expected].filter((k) => k.endsWith('|view')));
        expect({ foundButNotViewable: missingFrom(searched, viewable), viewableButNotFound: missingFrom(viewable, searched) }).toEqual({ foundButNotViewable: [], viewableButNotFound: [] });
        expect(await productionIndexes(t.db, world)).toEqual(referenceIndexesOf(world));
        expect(await datasetDeliveryDifferences(t.db, world)).toEqual([]);
        checked.worlds++;
      })())),
      // 0.1 of the budget goes to the worlds focused on datasets below (the mutation run keeps its count: runsShare).
      { seed, share: 0.4, runsShare: 0.5, defaultSeconds: SECONDS, floor: floorAfter(seed, FLOOR.worlds), checked: () => checked.worlds },
    );
  }, timeoutFor(0.4, SECONDS, 300));

  it('revoking anything (member, clean team, NDA, NDA scope, grant, room, staff, a first allow-list range, MFA, a value of an entity map) never widens access', async () => {
    await runProperty(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT);
        const revocations = revocationsOf(world, () => drawCidr(g));
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
        expect({ revocation, datasets: await datasetDeliveryDifferences(t.db, revoked) }).toEqual({ revocation, datasets: [] });
        checked.revocations++;
      })())),
      { seed: seed + 1, share: 0.25, defaultSeconds: SECONDS, floor: floorAfter(seed, FLOOR.revocations), checked: () => checked.revocations },
    );
  }, timeoutFor(0.25, SECONDS, 200));

  it('time passing an NDA or grant expiry never widens access, and what remains is the rule at that instant', async () => {
    await runProperty(
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
        expect({ later, datasets: await datasetDeliveryDifferences(t.db, world, later!) }).toEqual({ later, datasets: [] });
        checked.expirySteps++;
      })())),
      { seed: seed + 2, share: 0.25, defaultSeconds: SECONDS, floor: floorAfter(seed, FLOOR.expirySteps), checked: () => checked.expirySteps },
    );
  }, timeoutFor(0.25, SECONDS, 200));

  it('each user receives the reference rows and columns of every dataset, on worlds where outsiders mostly have some', async () => {
    await runProperty(
      fc.asyncProperty(fc.gen(), (g) => track((async () => {
        const world = drawWorld(g, nextPrefix(), AT, { focus: 'datasets', requestConditions: g(fc.boolean) });
        await insertWorld(t.db, world);
        expect(await datasetDeliveryDifferences(t.db, world)).toEqual([]);
        checked.datasetWorlds++;
      })())),
      { seed: seed + 3, share: 0.1, defaultSeconds: SECONDS, floor: floorAfter(seed, FLOOR.datasetWorlds), checked: () => checked.datasetWorlds },
    );
  }, timeoutFor(0.1, SECONDS, 120));
});

it(`checked at least ${FLOOR.worlds} worlds, ${FLOOR.revocations} revocations, ${FLOOR.expirySteps} expiry steps and ${FLOOR.datasetWorlds} worlds focused on datasets on ${database}, however loaded the machine`, () => {
  expect(checked.worlds).toBeGreaterThanOrEqual(FLOOR.worlds);
  expect(checked.revocations).toBeGreaterThanOrEqual(FLOOR.revocations);
  expect(checked.expirySteps).toBeGreaterThanOrEqual(FLOOR.expirySteps);
  expect(checked.datasetWorlds).toBeGreaterThanOrEqual(FLOOR.datasetWorlds);
  // Outsiders received datasets in every form, some through the entity map alone, and one value as
  // the pseudonyms of several parties: the comparison was not vacuous.
  if (FLOOR.datasetWorlds >= 100) {
    expect([...datasetCoverage.forms].sort()).toEqual(['identified', 'none', 'pseudonymised']);
    expect(datasetCoverage.throughMapOnly).toBeGreaterThan(0);
    expect(datasetCoverage.valuesAcrossParties).toBeGreaterThan(0);
  }
});
