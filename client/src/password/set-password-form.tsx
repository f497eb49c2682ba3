import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api.js';
import { alertOf, fieldErrorsOf } from '../field-errors.js';
import { useLoad } from '../hooks/use-load.js';
import { NewPasswordField } from './new-password-field.js';
import { loadCommonPasswords, passwordRules } from './password-policy.js';

interface SetPasswordFormProps {
  submitLabel: string;
  busyLabel: string;
  /**
   * Spends the link's token with the password. Refusals it does not handle itself (the policy,
   * throttling, the network) are thrown back and shown on the field or above the form.
   */
  onSubmit: (password: string) => Promise<void>;
}

const LABELS = { password: 'New password' };

/** Choosing a new password under the policy, as the invitation and the reset links ask. */
export function SetPasswordForm({ submitLabel, busyLabel, onSubmit }: SetPasswordFormProps) {
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [common] = useLoad(() => loadCommonPasswords(), []);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const rules = passwordRules(password, common.state === 'ready' ? common.data : null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  function refuse(alertText: string, field: string | null) {
    setAlert(alertText);
    setFieldError(field);
    inputRef.current?.focus();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    // The same rules the server applies, so the common case needs no round trip.
    const unmet = rules.find((r) => r.met === false);
    if (unmet) {
      const why = unmet.id === 'length' ? unmet.label.toLowerCase() : 'a commonly used password; choose another';
      return refuse(alertOf(null, { password: why }, LABELS), why);
    }
    setBusy(true);
    setAlert(null);
    setFieldError(null);
    try {
      await onSubmit(password);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      const message = err instanceof ApiError && err.code === 'rate_limited' ? 'Too many attempts from here. Wait a few minutes, then try again.' : alertOf(err, fields, LABELS);
      refuse(message, fields.password ?? null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      {alert && <p id={`${id}-alert`} role="alert" className="alert alert-error">{alert}</p>}
      <NewPasswordField id={`${id}-password`} value={password} onChange={setPassword} rules={rules} error={fieldError} inputRef={inputRef} />
      <button type="submit" className="button button-primary button-block" aria-disabled={busy || undefined}>
        {busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}
