import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { api, ApiError } from '../../api.js';
import { PublicCard } from '../../components/public-card.js';

export const RESET_LINK_SENT_MESSAGE = 'If an account exists for that address, a link to set a new password is on its way. It works for one hour.';

/**
 * Asking for a password reset link. The answer is the same whether or not the address has an
 * account, so this page cannot be used to find out who has one.
 */
export function ForgotPasswordPage() {
  const id = useId();
  const emailRef = useRef<HTMLInputElement>(null);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [emailInvalid, setEmailInvalid] = useState(false);

  useEffect(() => {
    document.title = 'Forgot your password · Gatehouse';
    emailRef.current?.focus();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      setError(email.trim() ? 'Email: enter the whole address, like name@example.com.' : 'Email: enter the address you sign in with.');
      setEmailInvalid(true);
      return emailRef.current?.focus();
    }
    setBusy(true);
    setError(null);
    setEmailInvalid(false);
    try {
      await api.forgotPassword(email.trim());
      setSent(true);
    } catch (err) {
      // Only what says nothing about the account is told apart: throttling and an unreachable server.
      if (err instanceof ApiError && err.code === 'rate_limited') setError('Too many requests from here. Wait a few minutes, then try again.');
      else if (err instanceof ApiError && err.code === 'network') setError(err.message);
      else setSent(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicCard title="Forgot your password?" lede={sent ? undefined : 'Enter the email address you sign in with. We will mail you a link to set a new password.'}>
      {sent ? (
        <div className="form">
          <p role="status" className="alert alert-success">{RESET_LINK_SENT_MESSAGE}</p>
          <p className="field-help">Nothing after a few minutes? Check your spam folder, or ask whoever invited you to Gatehouse.</p>
        </div>
      ) : (
        <form className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
          {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
          <div className="field">
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              ref={emailRef}
              id={`${id}-email`}
              name="email"
              type="email"
              inputMode="email"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={emailInvalid || undefined}
              aria-describedby={emailInvalid ? `${id}-alert` : undefined}
            />
          </div>
          <button type="submit" className="button button-primary button-block" aria-disabled={busy || undefined}>{busy ? 'Sending…' : 'Send reset link'}</button>
        </form>
      )}
      <p className="public-card-links">
        <Link href="/">Back to sign in</Link>
      </p>
    </PublicCard>
  );
}
