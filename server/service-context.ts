import type { Request } from 'express';
import type { Db } from './db.js';
import type { Config } from './config.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Actor } from './auth/actor.js';
import type { AppAbility } from './policy/ability.js';
import type { AccessFacts } from './policy/access-facts.js';
import { loadAccess } from './policy/load-access.js';
import { unauthenticated } from './errors.js';
import { isoNow } from './clock.js';

export interface Deps {
  db: Db;
  store: ObjectStore;
  config: Config;
}

/** What every service receives: its database handle, the caller and the caller's ability, at one instant. */
export interface ServiceContext extends Deps {
  actor: Actor;
  ability: AppAbility;
  facts: AccessFacts;
  /** The instant the request is judged at: NDA and grant expiry are compared with it. */
  at: string;
  client: { ip: string | null; userAgent: string | null };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport puts the authenticated caller on req.user
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
    const { facts, ability } = await loadAccess(deps.db, actor, at);
    return {
      ...deps,
      actor,
      ability,
      facts,
      at,
      client: { ip: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 500) ?? null },
    };
  })();
  return req.serviceContext;
}
