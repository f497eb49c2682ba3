import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { RecoveryCodes, TotpEnrolment } from '../components/totp-enrolment.js';
import { alertOf, fieldErrorsOf, type FieldErrors } from '../field-errors.js';

/**
 * Two-step verification (TOTP): set up a secret in an authenticator app, then prove it with a code;
 * once it is on, the page says so (with the recovery codes left) and offers to turn it off.
 */
export function TwoStepVerification() {
  const id = useId();
  const [status, reload] = useLoad((signal) => api.mfaStatus(signal), []);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return (
    <section className="panel section" aria-labelledby={`${id}-mfa`}>
      <h2 id={`${id}-mfa`} className="section-title">Two-step verification</h2>
      <p className="section-help">After your password, Gatehouse asks for a 6-digit code from an authenticator app on your phone.</p>
      {recoveryCodes ? (
        <div className="form">
          <p className="alert alert-success" role="status">Two-step verification is on. From your next sign-in, Gatehouse asks for a code.</p>
          <RecoveryCodes codes={recoveryCodes} />
          <button type="button" className="button" onClick={() => { setRecoveryCodes(null); reload(); }}>I have kept them</button>
        </div>
      ) : (
        <LoadView load={status} label="two-step verification">
          {(s) =>
            s.enabled ? (
              <TurnOff recoveryCodesLeft={s.recoveryCodesLeft} onOff={reload} />
            ) : (
              <TotpEnrolment onEnabled={setRecoveryCodes} />
            )
          }
        </LoadView>
      )}
    </section>
  );
}

const LABELS = { currentPassword: 'Current password' };

/** Turning the second factor off asks for the password: a session left open must not be enough. */
function TurnOff({ recoveryCodesLeft, onOff }: { recoveryCodesLeft: number; onOff: () => void }) {
  const id = useId();
  const [currentPassword, setCurrentPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});

  async function turnOff(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!currentPassword) {
      const missing = { currentPassword: 'enter it to confirm it is you' };
      setFields(missing);
      return setError(alertOf(null, missing, LABELS));
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await api.mfaDisable(currentPassword);
      onOff();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      // A wrong password is 403 reauthentication_required naming currentPassword.
      const found = fieldErrorsOf(err);
      setFields(found);
      setError(alertOf(err, found, LABELS));
      setCurrentPassword('');
      setBusy(false);
    }
  }

  const invalid = fields.currentPassword ? { 'aria-invalid': true, 'aria-describedby': `${id}-alert` } : {};
  return (
    <form className="form" onSubmit={turnOff} noValidate aria-busy={busy || undefined}>
      <p role="status">
        <strong>On.</strong> {recoveryCodesLeft === 1 ? '1 recovery code is' : `${recoveryCodesLeft} recovery codes are`} left.
        {recoveryCodesLeft <= 2 && ' Turn two-step verification off and on again for a fresh set.'}
      </p>
      {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
      <div className="field">
        <label htmlFor={`${id}-password`}>Current password</label>
        <input id={`${id}-password`} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} {...invalid} />
        <p className="field-help">Turning it off ends your other sessions and API tokens, and rooms that require a second factor close to you.</p>
      </div>
      <button type="submit" className="button button-danger" aria-disabled={busy || undefined}>{busy ? 'Turning off…' : 'Turn off'}</button>
    </form>
  );
}
