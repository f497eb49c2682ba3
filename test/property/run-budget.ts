import fc from 'fast-check';

/**
 * How much each property runs. By default a time budget (PROPERTY_SECONDS per suite file and
 * database, split between its properties and seeds), so a fast machine checks more worlds, with a
 * floor (runProperty) so a slow or busy one never checks fewer than the suite promises; PROPERTY_RUNS
 * asks for an exact number of worlds instead (the mutation run uses it, to be deterministic). The
 * worlds checked are counted and printed.
 */
export const FIXED_SEED = 20261124;

/** The fixed seed plus a fresh one each run (printed for replay), or only PROPERTY_SEED when given. */
export const seeds = process.env.PROPERTY_SEED ? [Number(process.env.PROPERTY_SEED)] : [FIXED_SEED, Math.floor(Math.random() * 2 ** 31)];

export const database = process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite';

/**
 * fast-check parameters for one property: `share` of the file's budget (split over the seeds), or
 * PROPERTY_RUNS × 2 × `runsShare` worlds when PROPERTY_RUNS is set (the main property has 0.5).
 */
export function runParameters(seed: number, share: number, defaultSeconds: number, runsShare = share) {
  if (process.env.PROPERTY_RUNS) return { seed, numRuns: Math.max(1, Math.ceil(Number(process.env.PROPERTY_RUNS) * runsShare * 2)), endOnFailure: true };
  const budgetMs = Number(process.env.PROPERTY_SECONDS ?? defaultSeconds) * 1000 * share / seeds.length;
  return { seed, numRuns: 1_000_000, interruptAfterTimeLimit: budgetMs, endOnFailure: true };
}

/**
 * The least number of worlds a property must check on each database, whatever the load of the
 * machine: a time budget alone may check a single world on a busy one and pass. PROPERTY_RUNS asks
 * for an exact number instead (no floor then); PROPERTY_MIN_WORLDS lowers it while iterating.
 */
export function floorOf(defaultFloor: number): number {
  if (process.env.PROPERTY_RUNS) return 0;
  return Number(process.env.PROPERTY_MIN_WORLDS ?? defaultFloor);
}

/** Worlds per fast-check round: between rounds the budget and the floor are looked at. */
const ROUND = 5;

/**
 * Runs `property` for `share` of the file's time budget (split over the seeds), and on until
 * `checked()` reaches `floor`: a slow or busy machine takes longer instead of checking less. The
 * budget is looked at between rounds of a few worlds, never in the middle of one, so no world is
 * abandoned half-checked (its failure unseen). Each round has its own seed, derived from `seed`
 * and printed by fast-check with any counterexample; PROPERTY_SEED replays it. PROPERTY_RUNS asks
 * for exactly that many worlds (× 2 × `runsShare`) instead.
 */
export async function runProperty<Ts extends [unknown]>(
  property: fc.IAsyncProperty<Ts>,
  { seed, share, defaultSeconds, runsShare = share, floor = 0, checked = () => 0 }: { seed: number; share: number; defaultSeconds: number; runsShare?: number; floor?: number; checked?: () => number },
): Promise<void> {
  if (process.env.PROPERTY_RUNS) {
    await fc.assert(property, { seed, numRuns: Math.max(1, Math.ceil(Number(process.env.PROPERTY_RUNS) * runsShare * 2)), endOnFailure: true });
    return;
  }
  const deadline = Date.now() + (Number(process.env.PROPERTY_SECONDS ?? defaultSeconds) * 1000 * share) / seeds.length;
  for (let round = 0; round === 0 || Date.now() < deadline || checked() < floor; round++) {
    await fc.assert(property, { seed: seed + round * 7919, numRuns: ROUND, endOnFailure: true });
  }
}

/** Jest's timeout for a property given `share` of the budget: the budget plus room for one slow world and set-up. */
export function timeoutFor(share: number, defaultSeconds: number, floorSeconds = 0) {
  const seconds = process.env.PROPERTY_RUNS ? 600 : Number(process.env.PROPERTY_SECONDS ?? defaultSeconds) * share + 180 + floorSeconds;
  return seconds * 1000;
}

/**
 * The time budget interrupts fast-check between its own steps, but a world already being checked
 * keeps querying the database. `track` remembers those runs so the suite can wait for them before it
 * closes the database (else they fail against a closed pool after the tests are done).
 */
const inFlight = new Set<Promise<unknown>>();
export function track<T>(run: Promise<T>): Promise<T> {
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
  return run;
}
export const settleInFlight = () => Promise.all([...inFlight]);
