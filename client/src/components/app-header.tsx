import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ApiError, type User } from '../api.js';
import { Logo } from './logo.js';

interface AppHeaderProps {
  user: User;
  onSignedOut: () => void;
}

export function AppHeader({ user, onSignedOut }: AppHeaderProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The administration area spans several paths (/admin/people, …): its link is active on all of them.
  const [location] = useLocation();

  async function signOut() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await api.logout();
      onSignedOut();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        onSignedOut(); // already signed out on the server
        return;
      }
      setError(err instanceof ApiError ? err.message : 'Sign out failed. Please try again.');
      setBusy(false);
    }
  }

  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Link href="/" className="brand brand-link" aria-label="Gatehouse — your data rooms">
          <Logo />
          <span className="brand-name">Gatehouse</span>
        </Link>
        <nav className="header-nav" aria-label="Main">
          <Link href="/" className={(active) => (active ? 'header-link header-link-active' : 'header-link')}>
            Data rooms
          </Link>
          <Link href="/account" className={(active) => (active ? 'header-link header-link-active' : 'header-link')}>
            Account
          </Link>
          {/* Only administrators keep the directory; the server refuses its every call to anyone else. */}
          {user.role === 'admin' && (
            <Link href="/admin" className={location.startsWith('/admin') ? 'header-link header-link-active' : 'header-link'}>
              Administration
            </Link>
          )}
        </nav>
        <div className="user-menu">
          <div className="user-identity">
            <span className="user-name" title={user.name}>{user.name}</span>
            <span className="user-email">{user.email}</span>
          </div>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={signOut}
            aria-disabled={busy || undefined}
          >
            {busy ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </div>
      {error && (
        <div className="app-header-error" role="alert">
          {error}
        </div>
      )}
    </header>
  );
}
