import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, ApiError } from '../../api.js';
import { PublicCard } from '../../components/public-card.js';
import { useFragmentToken } from '../../hooks/use-fragment-token.js';
import { SetPasswordForm } from '../../password/set-password-form.js';

export const INVALID_RESET_MESSAGE = 'This link to reset your password is no longer valid (used, replaced or expired). Ask for a new one below.';
export const PASSWORD_RESET_MESSAGE = 'Your password was changed and every other session of your account was signed out. Sign in with your new password.';

/**
 * Where a reset mail's link lands (`/reset-password#token=…`): a new password under the policy.
 * The server then ends every session and token of the account, so the person signs in afresh.
 */
export function ResetPasswordPage({ onReset }: { onReset: () => void }) {
  const token = useFragmentToken();
  const [invalid, setInvalid] = useState(!token);

  useEffect(() => {
    document.title = 'Set a new password · Gatehouse';
  }, []);

  async function reset(password: string) {
    try {
      await api.resetPassword(token ?? '', password);
      onReset();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_token') return setInvalid(true);
      throw err;
    }
  }

  return (
    <PublicCard title="Set a new password" lede={invalid ? undefined : 'Choose a new password for your Gatehouse account.'}>
      {invalid ? (
        <>
          <p role="alert" className="alert alert-error">{INVALID_RESET_MESSAGE}</p>
          <p className="public-card-links">
            <Link href="/forgot-password">Ask for a new link</Link> · <Link href="/">Back to sign in</Link>
          </p>
        </>
      ) : (
        <SetPasswordForm submitLabel="Set new password" busyLabel="Saving…" onSubmit={reset} />
      )}
    </PublicCard>
  );
}
