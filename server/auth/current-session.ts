import type { Request } from 'express';

/** The session the request came in, if it came in one: kept when the user changes their own credentials. */
export const currentSessionOf = (req: Request): { sessionId?: string } => (req.actor?.via === 'session' && req.sessionID ? { sessionId: req.sessionID } : {});

/**
 * Stores the session before answering. express-session saves a changed session only as the response
 * ends — after the body went out — so a fast client (or its next request on another process) could
 * read the session without what this request put in it (createdAt, the CSRF token) and be refused.
 */
export const saveSession = (req: Request) => new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
