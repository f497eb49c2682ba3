import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { forbidden } from '../errors.js';
import { newSecret } from './secret-hash.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_STARTERS = new Set(['/api/auth/login', '/api/auth/invitation/accept', '/api/auth/password/forgot', '/api/auth/password/reset']);

/** The synchroniser token of this session, made on first use. */
export function csrfTokenOf(session: { csrfToken?: string }): string {
  session.csrfToken ??= newSecret(24);
  return session.csrfToken;
}

/**
 * A state change authenticated by the session cookie must carry the session's token in X-CSRF-Token:
 * another site can make the browser send the cookie, never the header. Bearer requests carry no
 * ambient credential and need none.
 */
export const requireCsrfToken: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.actor?.via !== 'session') return next();
  // Logging in (and its kin: accepting an invitation, a reset link) authenticates by what the body
  // carries, not by the session, and replaces whatever session the browser had.
  if (req.method === 'POST' && SESSION_STARTERS.has(req.path)) return next();
  const expected = (req.session as { csrfToken?: string } | undefined)?.csrfToken;
  const given = req.get('x-csrf-token');
  if (!expected || !given || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return next(forbidden('csrf', 'A valid X-CSRF-Token header is required (GET /api/auth/csrf).'));
  }
  next();
};
