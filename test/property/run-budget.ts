/**
 * How much each property runs. By default a time budget (PROPERTY_SECONDS per suite file and
 * database, split between its properties and seeds), so CI stays bounded on a slow or busy machine
 * and a fast one checks more worlds; PROPERTY_RUNS asks for an exact number of worlds instead (the
 * mutation run uses it, to be deterministic). The worlds checked are counted and printed.
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

/** Jest's timeout for a property given `share` of the budget: the budget plus room for one slow world and set-up. */
export function timeoutFor(share: number, defaultSeconds: number) {
  const seconds = process.env.PROPERTY_RUNS ? 600 : Number(process.env.PROPERTY_SECONDS ?? defaultSeconds) * share + 180;
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
