import type { Request } from 'express';
import type { Db } from '../db.js';
import type { Config } from '../config.js';
import type { Deps, ServiceContext } from '../service-context.js';
import { unauthenticated } from '../errors.js';
import { isoNow } from '../clock.js';

/**
 * What a service about the caller's own account (password, second factor, API tokens) receives:
 * enough of a service context to act and to record it. Lighter than contextOf: no room access is
 * involved, so no ability is loaded.
 */
export type AccountContext = Pick<ServiceContext, 'actor' | 'client' | 'at'> & {
  db: Db;
  config: Config;
  /** When the caller's session signed in (a password or SSO sign-in starts a new session); null for a token. */
  signedInAt: string | null;
};

export function accountContextOf(req: Request, deps: Deps): AccountContext {
  if (!req.actor) throw unauthenticated();
  return {
    db: deps.db,
    config: deps.config,
    actor: req.actor,
    at: isoNow(),
    client: { ip: req.ip ?? null, userAgent: req.get('user-agent')?.slice(0, 500) ?? null },
    signedInAt: req.actor.via === 'session' ? ((req.session as { createdAt?: string } | undefined)?.createdAt ?? null) : null,
  };
}
