/** The authenticated caller, as every service sees it. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: 'admin' | 'staff' | 'external';
  /** How this request authenticated: cookie-authenticated writes need a CSRF token, bearer ones do not. */
  via: 'session' | 'token';
}
