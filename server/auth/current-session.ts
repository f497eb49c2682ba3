import type { Request } from 'express';
import { isoNow } from '../clock.js';
import type { Actor } from './actor.js';
import { csrfTokenOf } from './csrf.js';

/** The session the request came in, if it came in one: kept when the user changes their own credentials. */
export const currentSessionOf = (req: Request): { sessionId?: string } => (req.actor?.via === 'session' && req.sessionID ? { sessionId: req.sessionID } : {});

/**
 * Stores the session before answering. express-session saves a changed session only as the response
 * ends — after the body went out — so a fast client (or its next request on another process) could
 * read the session without what this request put in it (createdAt, the CSRF token) and be refused.
 */
export const saveSession = (req: Request) => new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));

/**
 * Signs the browser in as `user`: passport regenerates the session id (a session fixed before is
 * worthless after), the session records when it began and whether a second factor was shown, and is
 * stored before the answer. Returns the session's CSRF token for the client.
 */
export async function beginSession(req: Request, user: Actor, mfa: boolean): Promise<string> {
  await new Promise<void>((resolve, reject) => req.logIn(user, (err) => (err ? reject(err) : resolve())));
  const sess = req.session as { createdAt?: string; mfa?: boolean };
  sess.createdAt = isoNow();
  sess.mfa = mfa;
  const csrfToken = csrfTokenOf(req.session as { csrfToken?: string });
  await saveSession(req);
  return csrfToken;
}
