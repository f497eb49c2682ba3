import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type User } from '../api.js';
import { Logo } from '../components/logo.js';

interface SignInPageProps {
  /** Why the user is here, e.g. the session expired. Shown until they try again. */
  notice?: string;
  onSignedIn: (user: User) => void;
}

export function SignInPage({ notice, onSignedIn }: SignInPageProps) {
  const id = useId();
  const emailId = `${id}-email`;
  const passwordId = `${id}-password`;
  const alertId = `${id}-alert`;

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<'email' | 'password' | 'both' | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const trimmed = email.trim();
    if (!trimmed) {
      setError('Enter your email address.');
      setInvalid('email');
      emailRef.current?.focus();
      return;
    }
    if (!password) {
      setError('Enter your password.');
      setInvalid('password');
      passwordRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setInvalid(null);
    try {
      const user = await api.login(trimmed, password);
      onSignedIn(user);
    } catch (err) {
      setBusy(false);
      setPassword('');
      if (err instanceof ApiError) {
        setError(err.message);
        if (err.code === 'invalid_credentials') setInvalid('both');
      } else {
        setError('Sign in failed. Please try again.');
      }
      passwordRef.current?.focus();
    }
  }

  const message = error ?? notice ?? null;
  const emailInvalid = invalid === 'email' || invalid === 'both';
  const passwordInvalid = invalid === 'password' || invalid === 'both';

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card panel">
        <div className="sign-in-brand">
          <Logo className="brand-mark brand-mark-large" />
          <span className="brand-name brand-name-large">Gatehouse</span>
        </div>
        <h1 className="sign-in-title">Sign in</h1>
        <p className="sign-in-lede">Secure access to your data rooms.</p>

        {message && (
          <div id={alertId} role="alert" className={error ? 'alert alert-error' : 'alert alert-warning'}>
            {message}
          </div>
        )}

        <form className="form" onSubmit={handleSubmit} noValidate aria-busy={busy || undefined}>
          <div className="field">
            <label htmlFor={emailId}>Email</label>
            <input
              ref={emailRef}
              id={emailId}
              name="email"
              type="email"
              inputMode="email"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={emailInvalid || undefined}
              aria-describedby={emailInvalid && message ? alertId : undefined}
            />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>Password</label>
            <input
              ref={passwordRef}
              id={passwordId}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={passwordInvalid || undefined}
              aria-describedby={passwordInvalid && message ? alertId : undefined}
            />
          </div>
          <button type="submit" className="button button-primary button-block" aria-disabled={busy || undefined}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
      <p className="sign-in-footer">Access is monitored. Use only the account issued to you.</p>
    </main>
  );
}
