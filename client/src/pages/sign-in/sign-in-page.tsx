import { useId } from 'react';
import { Link } from 'wouter';
import type { User } from '../../api.js';
import { Logo } from '../../components/logo.js';
import { useSignIn } from './use-sign-in.js';
import { OneTimeCodeField } from './one-time-code-field.js';
import { CredentialFields } from './credential-fields.js';

interface SignInPageProps {
  /** Why the user is here, e.g. the session expired. Shown until they try again. */
  notice?: string;
  /** Good news from the step before, e.g. the password was reset. Shown until they try again. */
  confirmation?: string;
  onSignedIn: (user: User) => void;
}

export function SignInPage({ notice, confirmation, onSignedIn }: SignInPageProps) {
  const id = useId();
  const alertId = `${id}-alert`;
  const s = useSignIn(onSignedIn);
  const message = s.error ?? notice ?? null;

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card panel">
        <div className="sign-in-brand">
          <Logo className="brand-mark brand-mark-large" />
          <span className="brand-name brand-name-large">Gatehouse</span>
        </div>
        <h1 className="sign-in-title">Sign in</h1>
        <p className="sign-in-lede">Secure access to your data rooms.</p>

        {confirmation && !s.error && (
          <p role="status" className="alert alert-success">
            {confirmation}
          </p>
        )}
        {message && (
          <div id={alertId} role="alert" className={s.error ? 'alert alert-error' : 'alert alert-warning'}>
            {message}
          </div>
        )}

        <form className="form" onSubmit={s.handleSubmit} noValidate aria-busy={s.busy || undefined}>
          {s.otpStep && <OneTimeCodeField id={`${id}-otp`} email={s.email} value={s.otp} onChange={s.setOtp} inputRef={s.refs.otpRef} />}
          <CredentialFields
            id={id}
            hidden={s.otpStep}
            email={s.email}
            onEmail={s.setEmail}
            password={s.password}
            onPassword={s.setPassword}
            invalid={s.invalid}
            alertId={message ? alertId : undefined}
            emailRef={s.refs.emailRef}
            passwordRef={s.refs.passwordRef}
          />
          <button type="submit" className="button button-primary button-block" aria-disabled={s.busy || undefined}>
            {s.busy ? 'Signing in…' : s.otpStep ? 'Verify' : 'Sign in'}
          </button>
          {s.otpStep && (
            <button type="button" className="button button-link" onClick={s.restart}>
              Use a different account
            </button>
          )}
        </form>
        {!s.otpStep && (
          <p className="public-card-links">
            <Link href="/forgot-password">Forgot your password?</Link>
          </p>
        )}
      </div>
      <p className="sign-in-footer">Access is monitored. Use only the account issued to you.</p>
    </main>
  );
}
