import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type User } from '../../api.js';
import { RecoveryCodes, TotpEnrolment } from '../../components/totp-enrolment.js';

interface SecondFactorSetupProps {
  user: User;
  /** The password just chosen: it confirms the enrolment and the sign-in with the first code. */
  password: string;
  onDone: (user: User) => void;
}

/**
 * TOTP enrolment right after the invitation is accepted, then a sign-in with a fresh code: the
 * session that accepted the invitation stood on the password alone, and a room that requires a
 * second factor asks for a session that has one.
 */
export function SecondFactorSetup({ user, password, onDone }: SecondFactorSetupProps) {
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  if (!recoveryCodes) return <TotpEnrolment knownPassword={password} onEnabled={setRecoveryCodes} />;
  return (
    <div className="form">
      <p className="alert alert-success" role="status">Two-step verification is on.</p>
      <RecoveryCodes codes={recoveryCodes} />
      <SignInWithCode user={user} password={password} onDone={onDone} />
    </div>
  );
}

function SignInWithCode({ user, password, onDone }: SecondFactorSetupProps) {
  const id = useId();
  const [otp, setOtp] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!/^\d{6}$/.test(otp)) return setError('One-time code: enter the 6 digits your app shows.');
    setBusy(true);
    setError(null);
    try {
      onDone(await api.login(user.email, password, otp));
    } catch (err) {
      // A code counts once: the one that turned verification on cannot sign in too.
      setError(err instanceof ApiError && err.code === 'otp_required' ? 'One-time code: not accepted. Each code works once; wait for the next one your app shows and enter it.' : messageOf(err));
      setOtp('');
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      <h2 className="section-title">Finish signing in</h2>
      {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
      <div className="field">
        <label htmlFor={`${id}-otp`}>One-time code</label>
        <p className="field-help" id={`${id}-help`}>Enter the next code your app shows (codes change every 30 seconds).</p>
        <input
          id={`${id}-otp`}
          name="otp"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={otp}
          onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-help ${id}-alert` : `${id}-help`}
        />
      </div>
      <button type="submit" className="button button-primary button-block" aria-disabled={busy || undefined}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}
