import type { RefObject } from 'react';

interface OneTimeCodeFieldProps {
  id: string;
  email: string;
  value: string;
  onChange: (code: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}

/** The second step of signing in: the 6-digit code of the authenticator app. */
export function OneTimeCodeField({ id, email, value, onChange, inputRef }: OneTimeCodeFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>One-time code</label>
      <p className="field-help" id={`${id}-help`}>Two-step verification is on for {email.trim()}. Enter the 6-digit code from your authenticator app.</p>
      <input
        ref={inputRef}
        id={id}
        name="otp"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        maxLength={6}
        required
        value={value}
        onChange={(e) => onChange(e.target.value.replace(/\D/g, ''))}
        aria-describedby={`${id}-help`}
      />
    </div>
  );
}
