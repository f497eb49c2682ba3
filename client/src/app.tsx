import { useCallback, useEffect, useState } from 'react';
import { Route, Switch, useLocation } from 'wouter';
import { api, ApiError, onUnauthorized, type User } from './api.js';
import { AppHeader } from './components/app-header.js';
import { SignInPage } from './pages/sign-in/sign-in-page.js';
import { RoomsPage } from './pages/rooms-page.js';
import { RoomPage } from './pages/room-page.js';
import { DocumentViewerPage } from './pages/document-viewer-page.js';
import { DatasetColumnsPage } from './room/datasets/dataset-columns-page.js';
import { AccountPage } from './pages/account-page.js';
import { AdminPage } from './pages/admin/admin-page.js';
import { InvitationPage } from './pages/invitation/invitation-page.js';
import { ForgotPasswordPage } from './pages/password/forgot-password-page.js';
import { PASSWORD_RESET_MESSAGE, ResetPasswordPage } from './pages/password/reset-password-page.js';

export const SESSION_EXPIRED_MESSAGE = 'Your session has expired. Please sign in again.';

const PUBLIC_PATHS = ['/invitation', '/reset-password', '/forgot-password'];

type Session =
  | { state: 'loading' }
  | { state: 'unavailable'; message: string }
  | { state: 'signed-out'; notice?: string; confirmation?: string }
  | { state: 'signed-in'; user: User };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'loading' });
  const [probe, setProbe] = useState(0);

  // Who is signed in? Asked once on load (and again on "Try again").
  useEffect(() => {
    const controller = new AbortController();
    api
      .me(controller.signal)
      .then((user) => setSession(user ? { state: 'signed-in', user } : { state: 'signed-out' }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setSession({
          state: 'unavailable',
          message: err instanceof ApiError ? err.message : 'Gatehouse could not start. Please try again.',
        });
      });
    return () => controller.abort();
  }, [probe]);

  // Any later 401 means the session ended on the server: back to sign-in, saying why.
  useEffect(() => {
    onUnauthorized(() => {
      setSession((current) =>
        current.state === 'signed-in' ? { state: 'signed-out', notice: SESSION_EXPIRED_MESSAGE } : current,
      );
    });
    return () => onUnauthorized(null);
  }, []);

  const handleSignedIn = useCallback((user: User) => setSession({ state: 'signed-in', user }), []);
  const handleSignedOut = useCallback(() => setSession({ state: 'signed-out' }), []);
  const [location, navigate] = useLocation();
  const handlePasswordReset = useCallback(() => {
    navigate('/', { replace: true });
    setSession({ state: 'signed-out', confirmation: PASSWORD_RESET_MESSAGE });
  }, [navigate]);

  // The pages reached from a mail or from sign-in work whoever is signed in, or no one; they name themselves.
  const publicPage = PUBLIC_PATHS.includes(location);
  useEffect(() => {
    if (session.state === 'signed-out' && !publicPage) document.title = 'Sign in · Gatehouse';
  }, [session.state, publicPage]);

  if (location === '/invitation') return <InvitationPage onSignedIn={handleSignedIn} />;
  if (location === '/reset-password') return <ResetPasswordPage onReset={handlePasswordReset} />;
  if (location === '/forgot-password') return <ForgotPasswordPage />;

  switch (session.state) {
    case 'loading':
      return (
        <div className="splash" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          <span>Loading Gatehouse…</span>
        </div>
      );
    case 'unavailable':
      return (
        <main className="splash" id="main">
          <div className="panel splash-panel">
            <h1 className="splash-title">Gatehouse is unavailable</h1>
            <p role="alert" className="alert alert-error">
              {session.message}
            </p>
            <button type="button" className="button button-primary" onClick={() => { setSession({ state: 'loading' }); setProbe((n) => n + 1); }}>
              Try again
            </button>
          </div>
        </main>
      );
    case 'signed-out':
      return <SignInPage notice={session.notice} confirmation={session.confirmation} onSignedIn={handleSignedIn} />;
    case 'signed-in': {
      const user = session.user;
      return (
        <div className="app-shell">
          <a className="skip-link" href="#main">
            Skip to main content
          </a>
          <AppHeader user={user} onSignedOut={handleSignedOut} />
          <main id="main" className="app-main" tabIndex={-1}>
            <Switch>
              <Route path="/">{() => <RoomsPage user={user} />}</Route>
              <Route path="/account">{() => <AccountPage user={user} />}</Route>
              <Route path="/admin/:section?">{(p) => <AdminPage user={user} section={p.section} />}</Route>
              <Route path="/rooms/:roomId/documents/:documentId/columns">{(p) => <DatasetColumnsPage roomId={p.roomId} documentId={p.documentId} />}</Route>
              <Route path="/rooms/:roomId/documents/:documentId">{(p) => <DocumentViewerPage roomId={p.roomId} documentId={p.documentId} />}</Route>
              <Route path="/rooms/:roomId/:tab?">{(p) => <RoomPage user={user} roomId={p.roomId} tab={p.tab ?? 'documents'} />}</Route>
              <Route>
                <section className="page">
                  <h1 className="page-title">Page not found</h1>
                  <p className="page-meta">
                    <a href="/">Back to your data rooms</a>
                  </p>
                </section>
              </Route>
            </Switch>
          </main>
        </div>
      );
    }
  }
}
