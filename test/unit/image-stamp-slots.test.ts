import fc from 'fast-check';
import { HttpError } from '../../server/errors.js';
import { ImageStampSlots } from '../../server/downloads/image-stamp-slots.js';

/** A promise settled from outside: a stamp that takes exactly as long as the test says. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every promise continuation already queued run (a macrotask comes after all microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Long enough never to fire during a test that is not about waiting. */
const NEVER_MS = 60 * 60 * 1000;

/** A stamp for `user` that records when it starts and ends, and finishes when the test says. */
function stamp(slots: ImageStampSlots, user: string, log: string[], label: string) {
  const gate = deferred();
  const result = slots.run(user, async () => {
    log.push(`${label} start`);
    await gate.promise;
    log.push(`${label} end`);
    return label;
  });
  // A test that expects a refusal awaits `result` itself; this only keeps an unawaited one quiet.
  result.catch(() => undefined);
  return { result, finish: gate.resolve, fail: gate.reject };
}

const isRateLimited = (err: unknown) => err instanceof HttpError && err.status === 429 && err.code === 'rate_limited';

describe('image stamp slots', () => {
  it("makes a user's second stamp wait until the first has finished", async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 4, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const first = stamp(slots, 'alice', log, 'a1');
    const second = stamp(slots, 'alice', log, 'a2');
    await settle();
    expect(log).toEqual(['a1 start']);

    first.finish();
    await expect(first.result).resolves.toBe('a1');
    await settle();
    expect(log).toEqual(['a1 start', 'a1 end', 'a2 start']);
    second.finish();
    await expect(second.result).resolves.toBe('a2');
  });

  it("starts a user's waiting stamps in the order they arrived", async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 4, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const stamps = ['a1', 'a2', 'a3', 'a4'].map((label) => stamp(slots, 'alice', log, label));
    for (const s of stamps) {
      await settle();
      s.finish();
      await s.result;
    }
    expect(log.filter((e) => e.endsWith('start'))).toEqual(['a1 start', 'a2 start', 'a3 start', 'a4 start']);
  });

  it("does not hold another user up behind the first user's queue while the total allows", async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 2, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const alice1 = stamp(slots, 'alice', log, 'a1');
    const alice2 = stamp(slots, 'alice', log, 'a2');
    const bob = stamp(slots, 'bob', log, 'b1');
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start']);

    for (const s of [alice1, bob, alice2]) s.finish();
    await Promise.all([alice1.result, alice2.result, bob.result]);
  });

  it('gives a freed slot to the earliest waiter that may use it, skipping users at their own cap', async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 2, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const alice1 = stamp(slots, 'alice', log, 'a1');
    const carol = stamp(slots, 'carol', log, 'c1');
    const alice2 = stamp(slots, 'alice', log, 'a2'); // waits for alice's own slot
    const bob = stamp(slots, 'bob', log, 'b1'); // waits for the total
    await settle();
    expect(log).toEqual(['a1 start', 'c1 start']);

    carol.finish();
    await carol.result;
    await settle();
    // Carol's slot goes to bob: alice, first in the queue, is still at her own cap.
    expect(log).toEqual(['a1 start', 'c1 start', 'c1 end', 'b1 start']);

    alice1.finish();
    await alice1.result;
    await settle();
    expect(log.at(-1)).toBe('a2 start');
    bob.finish();
    alice2.finish();
    await Promise.all([bob.result, alice2.result]);
  });

  it('holds the total across users', async () => {
    const slots = new ImageStampSlots({ perUser: 2, total: 2, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const alice = stamp(slots, 'alice', log, 'a1');
    const bob = stamp(slots, 'bob', log, 'b1');
    const carol = stamp(slots, 'carol', log, 'c1');
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start']);

    bob.finish();
    await bob.result;
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start', 'b1 end', 'c1 start']);
    alice.finish();
    carol.finish();
    await Promise.all([alice.result, carol.result]);
  });

  it('frees the slot of a stamp that rejects, and passes its error on', async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 1, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const failing = stamp(slots, 'alice', log, 'a1');
    const next = stamp(slots, 'alice', log, 'a2');
    const broken = new Error('corrupt image');
    failing.fail(broken);
    await expect(failing.result).rejects.toBe(broken);
    await settle();
    expect(log).toEqual(['a1 start', 'a2 start']);
    next.finish();
    await expect(next.result).resolves.toBe('a2');
  });

  it('frees the slot of a stamp that throws before returning a promise', async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 1, maxQueuedPerUser: 4, maxWaitMs: NEVER_MS });
    const broken = new Error('thrown synchronously');
    const throwing = (): Promise<never> => {
      throw broken;
    };
    await expect(slots.run('alice', throwing)).rejects.toBe(broken);
    await expect(slots.run('alice', async () => 'ran')).resolves.toBe('ran');
  });

  it('refuses with 429 rate_limited a request beyond maxQueuedPerUser waiting, without running it', async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 4, maxQueuedPerUser: 2, maxWaitMs: NEVER_MS });
    const log: string[] = [];
    const running = stamp(slots, 'alice', log, 'a1');
    const waiting = [stamp(slots, 'alice', log, 'a2'), stamp(slots, 'alice', log, 'a3')];
    const refused = stamp(slots, 'alice', log, 'a4');
    const err = await refused.result.then(() => undefined, (e: unknown) => e);
    expect(isRateLimited(err)).toBe(true);

    // Another user's allowance is their own.
    const bob = stamp(slots, 'bob', log, 'b1');
    await settle();
    expect(log).toEqual(['a1 start', 'b1 start']);

    for (const s of [running, ...waiting, bob]) s.finish();
    await Promise.all([running.result, ...waiting.map((s) => s.result), bob.result]);
    expect(log).not.toContain('a4 start');
  });

  it('refuses with 429 rate_limited a request that waited past maxWaitMs, and forgets it', async () => {
    const slots = new ImageStampSlots({ perUser: 1, total: 4, maxQueuedPerUser: 1, maxWaitMs: 20 });
    const log: string[] = [];
    const running = stamp(slots, 'alice', log, 'a1');
    const expired = stamp(slots, 'alice', log, 'a2');
    const err = await expired.result.then(() => undefined, (e: unknown) => e);
    expect(isRateLimited(err)).toBe(true);

    // Its place in the queue is free again (maxQueuedPerUser is 1), and the freed slot goes to the
    // live waiter, not to the expired one.
    const later = stamp(slots, 'alice', log, 'a3');
    await settle();
    running.finish();
    await running.result;
    await settle();
    expect(log).toEqual(['a1 start', 'a1 end', 'a3 start']);
    later.finish();
    await expect(later.result).resolves.toBe('a3');
  });

  it('refuses limits that would make no sense', () => {
    expect(() => new ImageStampSlots({ perUser: 0 })).toThrow(RangeError);
    expect(() => new ImageStampSlots({ perUser: 1, total: 1.5 })).toThrow(RangeError);
    expect(() => new ImageStampSlots({ perUser: 1, maxQueuedPerUser: -1 })).toThrow(RangeError);
    expect(() => new ImageStampSlots({ perUser: 1, maxWaitMs: 2 ** 31 })).toThrow(RangeError);
    expect(new ImageStampSlots({ perUser: 1 }).total).toBeGreaterThanOrEqual(1);
  });

  it('never exceeds its caps, keeps each user first-come first-served, and runs every accepted stamp, whatever the interleaving', async () => {
    const users = ['alice', 'bob', 'carol'];
    const step = fc.oneof(
      fc.record({ kind: fc.constant('arrive' as const), user: fc.constantFrom(...users) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), fails: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          perUser: fc.integer({ min: 1, max: 3 }),
          total: fc.integer({ min: 1, max: 4 }),
          maxQueuedPerUser: fc.integer({ min: 0, max: 3 }),
        }),
        fc.array(step, { maxLength: 40 }),
        async (limits, steps) => {
          const slots = new ImageStampSlots({ ...limits, maxWaitMs: NEVER_MS });
          interface Task {
            user: string;
            gate: ReturnType<typeof deferred>;
            state: 'waiting' | 'running' | 'done' | 'refused';
          }
          const tasks: Task[] = [];
          const runningOf = (user?: string) => tasks.filter((t) => t.state === 'running' && (user === undefined || t.user === user)).length;
          const waitingOf = (user: string) => tasks.filter((t) => t.state === 'waiting' && t.user === user).length;
          const violations: string[] = [];

          const arrive = (user: string) => {
            const task: Task = { user, gate: deferred(), state: 'waiting' };
            const waitingBefore = waitingOf(user);
            const fullBefore = runningOf() >= limits.total || runningOf(user) >= limits.perUser;
            // Refused exactly when it would have to wait behind maxQueuedPerUser of the user's own.
            const mustRefuse = fullBefore && waitingBefore >= limits.maxQueuedPerUser;
            const earlierWaiting = tasks.filter((t) => t.user === user && t.state === 'waiting');
            tasks.push(task);
            slots
              .run(user, async () => {
                if (mustRefuse) violations.push(`${user} accepted with ${waitingBefore} already waiting`);
                if (earlierWaiting.some((t) => t.state === 'waiting')) violations.push(`${user} overtook an earlier request`);
                task.state = 'running';
                if (runningOf(user) > limits.perUser) violations.push(`${user} has ${runningOf(user)} in flight`);
                if (runningOf() > limits.total) violations.push(`${runningOf()} in flight in all`);
                try {
                  await task.gate.promise;
                } finally {
                  task.state = 'done';
                }
              })
              .then(
                () => undefined,
                (err: unknown) => {
                  if (task.state === 'done') return; // the stamp itself failed
                  if (isRateLimited(err) && mustRefuse) task.state = 'refused';
                  else violations.push(`${user} refused with ${waitingBefore} waiting: ${String(err)}`);
                },
              );
          };
          const finish = (task: Task, fails: boolean) => (fails ? task.gate.reject(new Error('stamp failed')) : task.gate.resolve());

          /** No slot stays idle while a request that could use it waits. */
          const assertNoIdleSlot = () => {
            for (const t of tasks) {
              if (t.state === 'waiting' && runningOf() < limits.total && runningOf(t.user) < limits.perUser) {
                violations.push(`${t.user} waits while a slot is free`);
              }
            }
          };

          for (const s of steps) {
            if (s.kind === 'arrive') arrive(s.user);
            else {
              const running = tasks.filter((t) => t.state === 'running');
              if (running.length > 0) finish(running[s.pick % running.length]!, s.fails);
            }
            await settle();
            assertNoIdleSlot();
          }
          // Finish whatever runs until nothing is left: every accepted stamp must get its turn.
          for (let running = tasks.filter((t) => t.state === 'running'); running.length > 0; running = tasks.filter((t) => t.state === 'running')) {
            for (const t of running) finish(t, false);
            await settle();
            assertNoIdleSlot();
          }
          expect(violations).toEqual([]);
          expect(tasks.filter((t) => t.state !== 'done' && t.state !== 'refused')).toEqual([]);

          // Nothing leaked: a user may again start as many stamps as the caps allow, at once.
          const log: string[] = [];
          const fresh = Array.from({ length: Math.min(limits.perUser, limits.total) }, (_, i) => stamp(slots, 'alice', log, `f${i}`));
          await settle();
          expect(log).toHaveLength(fresh.length);
          for (const f of fresh) f.finish();
          await Promise.all(fresh.map((f) => f.result));
        },
      ),
      { numRuns: 300 },
    );
  });
});
