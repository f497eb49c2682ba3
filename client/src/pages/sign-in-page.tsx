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
  const otpId = `${id}-otp`;
  const alertId = `${id}-alert`;

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [invalid, setInvalid] = useState<'email' | 'password' | 'both' | null>(null);
  const [busy, setBusy] = useState(false);
  // The second step: the server asked for a one-time code (the account has two-step verification).
  const [otpStep, setOtpStep] = useState(false);
  const [otp, setOtp] = useState('');
  const otpRef = useRef<HTMLInputElement>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);
  useEffect(() => {
    if (otpStep) otpRef.current?.focus();
  }, [otpStep]);

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
    if (otpStep && !/^\d{6}$/.test(otp.trim())) {
      setError('Enter the 6-digit code from your authenticator app.');
      otpRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    setInvalid(null);
    try {
      const user = await api.login(trimmed, password, otpStep ? otp.trim() : undefined);
      onSignedIn(user);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.code === 'otp_required') {
        // Password accepted so far; keep it for the second request with the code.
        if (otpStep) {
          setError('That code was not accepted. Codes change every 30 seconds; enter the current one.');
          setOtp('');
          otpRef.current?.focus();
        }
        setOtpStep(true);
        return;
      }
      setPassword('');
      setOtp('');
      setOtpStep(false);
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
          {otpStep && (
            <div className="field">
              <label htmlFor={otpId}>One-time code</label>
              <p className="field-help" id={`${otpId}-help`}>Two-step verification is on for {email.trim()}. Enter the 6-digit code from your authenticator app.</p>
              <input
                ref={otpRef}
                id={otpId}
                name="otp"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="[0-9]{6}"
                maxLength={6}
                required
                value={otp}
                onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))}
                aria-describedby={`${otpId}-help`}
              />
            </div>
          )}
          <div className="field" hidden={otpStep}>
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
          <div className="field" hidden={otpStep}>
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
            {busy ? 'Signing in…' : otpStep ? 'Verify' : 'Sign in'}
          </button>
          {otpStep && (
            <button type="button" className="button button-link" onClick={() => { setOtpStep(false); setOtp(''); setPassword(''); setError(null); }}>
              Use a different account
            </button>
          )}
        </form>
      </div>
      <p className="sign-in-footer">Access is monitored. Use only the account issued to you.</p>
    </main>
  );
}
