import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, serverHasRoute, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView, NotAvailable } from '../components/load-view.js';

/** Two-step verification (TOTP): set up a secret in an authenticator app, then prove it with a code. */
export function AccountPage({ user }: { user: User }) {
  const id = useId();
  const [available] = useLoad(() => serverHasRoute('POST /api/auth/mfa/setup'), []);
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [otp, setOtp] = useState('');
  const [currentPassword, setCurrentPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [enabled, setEnabled] = useState(false);

  useEffect(() => {
    document.title = 'Security · Gatehouse';
  }, []);

  async function start() {
    setError(null);
    try {
      setSetup(await api.mfaSetup());
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? 'Two-step verification is not available on this server yet.' : messageOf(err));
    }
  }
  async function enable(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{6}$/.test(otp)) return setError('Enter the 6-digit code your app shows.');
    if (!currentPassword) return setError('Enter your current password to confirm it is you.');
    setError(null);
    try {
      await api.mfaEnable(otp, currentPassword);
      setEnabled(true);
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <section className="page narrow" aria-labelledby="account-title">
      <div className="page-header">
        <h1 id="account-title" className="page-title">Security</h1>
      </div>
      <div className="panel section">
        <h2 className="section-title">Signed in as</h2>
        <p>{user.name} — {user.email}</p>
      </div>
      <LoadView load={available} label="security settings">
        {(present) =>
          !present ? (
            <NotAvailable what="Two-step verification" />
          ) : (
            <section className="panel section" aria-labelledby={`${id}-mfa`}>
              <h2 id={`${id}-mfa`} className="section-title">Two-step verification</h2>
              <p className="section-help">After your password, Gatehouse asks for a 6-digit code from an authenticator app on your phone.</p>
              {error && <p role="alert" className="alert alert-error">{error}</p>}
              {enabled ? (
                <p className="alert alert-success" role="status">Two-step verification is on. From your next sign-in, Gatehouse asks for a code.</p>
              ) : !setup ? (
                <button type="button" className="button button-primary" onClick={() => void start()}>Set up two-step verification</button>
              ) : (
                <form className="form" onSubmit={enable} noValidate>
                  <p>Add this key to your authenticator app (choose “enter a setup key”), then type the code it shows.</p>
                  <p className="secret mono" aria-label="Setup key">{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</p>
                  <p className="field-help"><a href={setup.otpauthUrl}>Open in an authenticator app on this device</a></p>
                  <div className="field">
                    <label htmlFor={`${id}-otp`}>One-time code</label>
                    <input id={`${id}-otp`} inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={otp} onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))} />
                  </div>
                  <div className="field">
                    <label htmlFor={`${id}-password`}>Current password</label>
                    <input id={`${id}-password`} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} />
                  </div>
                  <button type="submit" className="button button-primary">Turn on</button>
                </form>
              )}
            </section>
          )
        }
      </LoadView>
    </section>
  );
}
