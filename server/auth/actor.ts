import type { UserRow } from '../users/repository.js';

/** The authenticated caller, as every service sees it. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: 'admin' | 'staff' | 'external';
  /** How this request authenticated: cookie-authenticated writes need a CSRF token, bearer ones do not. */
  via: 'session' | 'token';
  /**
   * Whether a second factor stands behind this request: the session was signed in with a TOTP or
   * recovery code, or the token's user has MFA on. Rooms that require MFA of external users check it.
   */
  mfa?: boolean;
}

/**
 * The caller as the policy sees it. `mfa` is the second factor behind this credential: a session's
 * is what its sign-in showed (app.ts reads it from the session), a token's what the sign-in that
 * minted it showed — and only while its user is still enrolled.
 */
export const toActor = (u: UserRow, via: Actor['via'], tokenMfa = false): Actor => ({
  id: u.id,
  email: u.email,
  name: u.name,
  orgId: u.orgId,
  role: u.role,
  via,
  mfa: via === 'token' ? tokenMfa && Boolean(u.mfaEnabled) : false,
});
