import os from 'node:os';
import { rateLimited } from '../errors.js';

/**
 * Stamping an image decodes it whole: a 100-megapixel image is ~400 MB of pixels while it is being
 * stamped, and nothing about one stamp can be shared with the next (each carries its own download
 * id). So the number of stamps in flight is what bounds the memory image deliveries take, and it is
 * bounded twice: per user, so one user's parallel views queue behind each other instead of
 * crowding everyone else out, and in total, so many users together cannot exceed what the process
 * can hold either.
 *
 * Waiting requests hold nothing but a promise (the image is read once a slot is granted), and the
 * queue is bounded per user and in time, so a burst is refused with 429 rate_limited rather than
 * kept waiting past the point where its client or the load balancer has given up.
 */
export interface ImageStampLimits {
  /** Stamps one user may have in flight at once. */
  perUser: number;
  /** Stamps in flight across all users: the memory bound. Default: the cores this process may use. */
  total?: number;
  /** Requests one user may have waiting for a slot; one more is refused. */
  maxQueuedPerUser?: number;
  /** How long a request may wait for a slot before it is refused. */
  maxWaitMs?: number;
}

/** A few images opened in a row are served one after another; a script firing dozens is refused. */
export const DEFAULT_MAX_QUEUED_PER_USER = 4;
/** Well inside the usual 60 s idle timeout of a load balancer, so the refusal reaches the client. */
export const DEFAULT_MAX_WAIT_MS = 30_000;
/** setTimeout fires at once for anything longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface UserSlots {
  running: number;
  waiting: number;
}

interface Waiter {
  user: UserSlots;
  grant(): void;
}

export class ImageStampSlots {
  readonly perUser: number;
  readonly total: number;
  readonly maxQueuedPerUser: number;
  readonly maxWaitMs: number;

  private running = 0;
  /** Only users with a stamp running or waiting: an idle user leaves no entry behind. */
  private readonly users = new Map<string, UserSlots>();
  /** Every waiter in arrival order; a Set iterates in insertion order and removes a timed-out waiter in O(1). */
  private readonly queue = new Set<Waiter>();

  constructor(limits: ImageStampLimits) {
    this.perUser = integerIn('perUser', limits.perUser, 1);
    this.total = integerIn('total', limits.total ?? Math.max(1, os.availableParallelism()), 1);
    this.maxQueuedPerUser = integerIn('maxQueuedPerUser', limits.maxQueuedPerUser ?? DEFAULT_MAX_QUEUED_PER_USER, 0);
    this.maxWaitMs = integerIn('maxWaitMs', limits.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, 0, MAX_TIMER_MS);
  }

  /**
   * Runs `fn` once `userId` may start another stamp, and frees the slot when it settles, however it
   * settles. Throws 429 rate_limited, without calling `fn`, when the user already has
   * `maxQueuedPerUser` requests waiting or no slot came within `maxWaitMs`.
   */
  async run<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const user = await this.acquire(userId);
    try {
      return await fn();
    } finally {
      this.release(userId, user);
    }
  }

  private acquire(userId: string): Promise<UserSlots> {
    let user = this.users.get(userId);
    if (!user) {
      user = { running: 0, waiting: 0 };
      this.users.set(userId, user);
    }
    // No waiter is ever left eligible (release hands freed slots straight on), so a request that
    // finds room overtakes nobody: a user with room has no one waiting.
    if (this.hasRoom(user)) {
      this.take(user);
      return Promise.resolve(user);
    }
    if (user.waiting >= this.maxQueuedPerUser) {
      this.forgetIfIdle(userId, user);
      return Promise.reject(rateLimited('Too many images are being prepared for you at once; try again when one has arrived.'));
    }
    const slots = user;
    return new Promise<UserSlots>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.queue.delete(waiter)) return;
        slots.waiting--;
        this.forgetIfIdle(userId, slots);
        reject(rateLimited('The server is busy preparing images; try again shortly.'));
      }, this.maxWaitMs);
      // A waiting request keeps its own connection open; the timer alone must not keep a process alive.
      timer.unref();
      const waiter: Waiter = {
        user: slots,
        grant: () => {
          clearTimeout(timer);
          resolve(slots);
        },
      };
      slots.waiting++;
      this.queue.add(waiter);
    });
  }

  private release(userId: string, user: UserSlots): void {
    user.running--;
    this.running--;
    // Freed slots go to the earliest waiters that may use them, counted as taken before their code
    // resumes, so no request arriving meanwhile can take them first. A waiter whose user is at the
    // per-user cap is skipped, not waited for: one user's queue never holds up another user.
    for (const waiter of this.queue) {
      if (this.running >= this.total) break;
      if (waiter.user.running >= this.perUser) continue;
      this.queue.delete(waiter);
      waiter.user.waiting--;
      this.take(waiter.user);
      waiter.grant();
    }
    this.forgetIfIdle(userId, user);
  }

  private hasRoom(user: UserSlots): boolean {
    return this.running < this.total && user.running < this.perUser;
  }

  private take(user: UserSlots): void {
    user.running++;
    this.running++;
  }

  private forgetIfIdle(userId: string, user: UserSlots): void {
    if (user.running === 0 && user.waiting === 0) this.users.delete(userId);
  }
}

function integerIn(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`ImageStampSlots: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
