import type { RefObject } from 'react';

interface CredentialFieldsProps {
  id: string;
  /** Hidden during the code step, which signs in with the same email and password. */
  hidden: boolean;
  email: string;
  onEmail: (email: string) => void;
  password: string;
  onPassword: (password: string) => void;
  invalid: 'email' | 'password' | 'both' | null;
  /** The id of the alert that explains an invalid field, when one is shown. */
  alertId: string | undefined;
  emailRef: RefObject<HTMLInputElement | null>;
  passwordRef: RefObject<HTMLInputElement | null>;
}

/** Email and password, each marked invalid (and pointed at the alert) when the sign-in failed on it. */
export function CredentialFields({ id, hidden, email, onEmail, password, onPassword, invalid, alertId, emailRef, passwordRef }: CredentialFieldsProps) {
  const emailInvalid = invalid === 'email' || invalid === 'both';
  const passwordInvalid = invalid === 'password' || invalid === 'both';
  return (
    <>
      <div className="field" hidden={hidden}>
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
          required
          value={email}
          onChange={(e) => onEmail(e.target.value)}
          aria-invalid={emailInvalid || undefined}
          aria-describedby={emailInvalid ? alertId : undefined}
        />
      </div>
      <div className="field" hidden={hidden}>
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          ref={passwordRef}
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => onPassword(e.target.value)}
          aria-invalid={passwordInvalid || undefined}
          aria-describedby={passwordInvalid ? alertId : undefined}
        />
      </div>
    </>
  );
}
