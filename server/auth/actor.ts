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
