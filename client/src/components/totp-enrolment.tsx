import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.js';
import { alertOf, fieldErrorsOf, type FieldErrors } from '../field-errors.js';

interface TotpEnrolmentProps {
  /**
   * The password, when the person has just typed it (accepting an invitation): turning the second
   * factor on asks for it again, and asking twice within a minute would only annoy.
   */
  knownPassword?: string;
  onEnabled: (recoveryCodes: string[]) => void;
}

const LABELS = { otp: 'One-time code', currentPassword: 'Current password' };

/** Two-step verification (TOTP), set up in an authenticator app and proved with its first code. */
export function TotpEnrolment({ knownPassword, onEnabled }: TotpEnrolmentProps) {
  const id = useId();
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [otp, setOtp] = useState('');
  const [currentPassword, setCurrentPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});

  async function start() {
    setError(null);
    setBusy(true);
    try {
      setSetup(await api.mfaSetup());
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? 'Two-step verification is not available on this server yet.' : messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function enable(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const password = knownPassword ?? currentPassword;
    const missing: FieldErrors = {};
    if (!/^\d{6}$/.test(otp)) missing.otp = 'enter the 6 digits your app shows';
    if (!password) missing.currentPassword = 'enter it to confirm it is you';
    if (Object.keys(missing).length) {
      setFields(missing);
      return setError(alertOf(null, missing, LABELS));
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const { recoveryCodes } = await api.mfaEnable(otp, password);
      onEnabled(recoveryCodes ?? []);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      const found = fieldErrorsOf(err);
      setFields(found);
      setError(alertOf(err, found, LABELS));
      setOtp('');
      setBusy(false);
    }
  }

  const invalid = (field: string) => (fields[field] ? { 'aria-invalid': true, 'aria-describedby': `${id}-alert` } : {});
  if (!setup) {
    return (
      <div className="form">
        {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
        <button type="button" className="button button-primary" onClick={() => void start()} aria-disabled={busy || undefined}>
          {busy ? 'Preparing…' : 'Set up two-step verification'}
        </button>
      </div>
    );
  }
  return (
    <form className="form" onSubmit={enable} noValidate aria-busy={busy || undefined}>
      {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
      <p>Add this key to your authenticator app (choose “enter a setup key”), then type the code it shows.</p>
      <p className="secret mono" aria-label="Setup key">{setup.secret.replace(/(.{4})/g, '$1 ').trim()}</p>
      <p className="field-help"><a href={setup.otpauthUrl}>Open in an authenticator app on this device</a></p>
      <div className="field">
        <label htmlFor={`${id}-otp`}>One-time code</label>
        <input id={`${id}-otp`} name="otp" inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={otp} onChange={(e) => setOtp(e.target.value.replace(/\D/g, ''))} {...invalid('otp')} />
      </div>
      {knownPassword === undefined && (
        <div className="field">
          <label htmlFor={`${id}-password`}>Current password</label>
          <input id={`${id}-password`} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} {...invalid('currentPassword')} />
        </div>
      )}
      <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Turning on…' : 'Turn on'}</button>
    </form>
  );
}

/** Shown once, right after the second factor is turned on: each code stands in for one app code. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  if (codes.length === 0) return null;
  return (
    <div className="recovery-codes">
      <p>
        <strong>Keep these recovery codes somewhere safe.</strong> If you lose your phone, each one signs you in once in place of a code. They are shown only now.
      </p>
      <ul className="recovery-code-list mono" aria-label="Recovery codes">
        {codes.map((code) => <li key={code}>{code}</li>)}
      </ul>
    </div>
  );
}
