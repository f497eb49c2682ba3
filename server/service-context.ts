import type { ImageStampSlots } from './downloads/image-stamp-slots.js';
import type { Request } from 'express';
import type { Db } from './db.js';
import type { Config } from './config.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Actor } from './auth/actor.js';
import type { AppAbility } from './policy/ability.js';
import type { AccessFacts } from './policy/access-facts.js';
import { loadAccess } from './policy/load-access.js';
import { HttpError, unauthenticated } from './errors.js';
import { appendAuditEvent } from './ledger/ledger.js';
import { isoNow } from './clock.js';

export interface Deps {
  db: Db;
  store: ObjectStore;
  config: Config;
  /** Image stamps in flight, per user and in all: one per app (createApp makes it from config unless given one). */
  imageStampSlots: ImageStampSlots;
}

/** What every service receives: its database handle, the caller and the caller's ability, at one instant. */
export interface ServiceContext extends Deps {
  actor: Actor;
  ability: AppAbility;
  facts: AccessFacts;
  /** The instant the request is judged at: NDA and grant expiry are compared with it. */
  at: string;
  /** policy_version as read before any fact of this request: what was true then is at least this new. */
  policyVersion: string;
  client: { ip: string | null; userAgent: string | null };
  /**
   * Runs `task` once the response has been sent (or the client went away): work whose duration must
   * not show in the answer's timing, such as explaining a refusal. Failures are logged, never answered.
   */
  afterResponse(task: () => Promise<unknown>): void;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport puts the authenticated caller on req.user (declaration merging needs the empty body)
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Actor {}
    interface Request {
      actor?: Actor;
      serviceContext?: Promise<ServiceContext>;
    }
  }
}

/**
 * The caller's context, built once per request: the ability comes from facts loaded now, never from
 * a cache that could outlive a revocation.
 */
export function contextOf(req: Request, deps: Deps): Promise<ServiceContext> {
  const actor = req.actor;
  if (!actor) throw unauthenticated();
  req.serviceContext ??= (async () => {
    const at = isoNow();
    const ip = req.ip ?? null;
    const { facts, ability, policyVersion } = await loadAccess(deps.db, actor, at, { ip }).catch((err: unknown) => refuseUncheckedAccess(req, deps, actor, err));
    return {
      ...deps,
      actor,
      ability,
      facts,
      at,
      policyVersion,
      client: { ip, userAgent: req.get('user-agent')?.slice(0, 500) ?? null },
      afterResponse: (task: () => Promise<unknown>) => afterResponseOf(req, deps.db)(task),
    };
  })();
  return req.serviceContext;
}

/** Per request: the tasks waiting for its response to close (null once it has). */
const deferredTasks = new WeakMap<Request, Array<() => Promise<unknown>> | null>();
/** Per database: the after-response runs not yet finished, so a shutdown can wait for them. */
const runningTasks = new WeakMap<Db, Set<Promise<void>>>();

/** Resolves once every after-response task begun so far on `db` has finished: call it before closing the pool. */
export async function afterResponseTasksSettled(db: Db): Promise<void> {
  while (runningTasks.get(db)?.size) await Promise.all([...runningTasks.get(db)!]);
}

/** The request's after-response tasks, run one by one once its response has closed. */
function afterResponseOf(req: Request, db: Db) {
  const run = (tasks: Array<() => Promise<unknown>>) => {
    let running = runningTasks.get(db);
    if (!running) runningTasks.set(db, (running = new Set()));
    const done: Promise<void> = (async () => {
      for (const task of tasks) await task().catch((err: unknown) => req.log?.warn({ err }, 'after-response task failed'));
    })().finally(() => running.delete(done));
    running.add(done);
  };
  return (task: () => Promise<unknown>) => {
    const queue = deferredTasks.get(req);
    if (queue) return void queue.push(task);
    const res = req.res;
    if (queue === null || !res || (res.writableEnded && res.closed)) return void run([task]);
    const waiting = [task];
    deferredTasks.set(req, waiting);
    // 'close' follows 'finish', and also comes when the client hangs up first.
    res.once('close', () => {
      deferredTasks.set(req, null);
      run(waiting);
    });
  };
}

/**
 * Fail closed: when the facts of the access rule cannot be read (the database or the policy code
 * errs), nothing is allowed. The failure is logged with the request id, and the refusal goes to the
 * ledger if the database still takes it; the caller gets a 503 that reveals nothing.
 */
async function refuseUncheckedAccess(req: Request, deps: Deps, actor: Actor, err: unknown): Promise<never> {
  req.log?.error({ err, actorId: actor.id }, 'access check failed: request refused');
  await appendAuditEvent(deps.db, {
    actorId: actor.id,
    action: 'access.check',
    decision: 'deny',
    details: { reason: 'access check failed', method: req.method, path: req.path.slice(0, 300), ip: req.ip ?? null },
  }).catch(() => undefined);
  throw new HttpError(503, 'access_check_failed', 'Access could not be checked, so the request was refused; try again shortly.');
}
