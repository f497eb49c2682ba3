import { useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api, ApiError, type User } from '../../api.js';
import { PublicCard } from '../../components/public-card.js';
import { useFragmentToken } from '../../hooks/use-fragment-token.js';
import { SetPasswordForm } from '../../password/set-password-form.js';
import { SecondFactorSetup } from './second-factor-setup.js';

export const INVALID_INVITATION_MESSAGE = 'This invitation link is no longer valid (used, replaced or expired); ask whoever invited you for a new one.';

type Step =
  | { kind: 'password' }
  | { kind: 'invalid' }
  /** Signed in, but a room of theirs asks for a second factor: enrolled before they enter. */
  | { kind: 'second-factor'; user: User; password: string };

/**
 * Where an invitation mail's link lands (`/invitation#token=…`), signed out: the person chooses a
 * password, which signs them in. The token comes from the fragment and goes only into the accept
 * call's body.
 */
export function InvitationPage({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const token = useFragmentToken();
  const [, navigate] = useLocation();
  const [step, setStep] = useState<Step>(token ? { kind: 'password' } : { kind: 'invalid' });

  useEffect(() => {
    document.title = 'Accept your invitation · Gatehouse';
  }, []);

  function enter(user: User) {
    navigate('/', { replace: true });
    onSignedIn(user);
  }

  async function accept(password: string) {
    try {
      const { user, mfaEnrolmentRequired } = await api.acceptInvitation(token ?? '', password);
      if (mfaEnrolmentRequired) setStep({ kind: 'second-factor', user, password });
      else enter(user);
    } catch (err) {
      // One answer for unknown, used, replaced and expired links: the server tells them apart to no one.
      if (err instanceof ApiError && err.code === 'invalid_token') return setStep({ kind: 'invalid' });
      throw err;
    }
  }

  switch (step.kind) {
    case 'invalid':
      return (
        <PublicCard title="Accept your invitation">
          <p role="alert" className="alert alert-error">{INVALID_INVITATION_MESSAGE}</p>
          <p className="public-card-links">
            Already have a password? <Link href="/">Sign in</Link>
          </p>
        </PublicCard>
      );
    case 'password':
      return (
        <PublicCard title="Accept your invitation" lede="Choose the password you will sign in with. Your email address is your user name.">
          <SetPasswordForm submitLabel="Set password and sign in" busyLabel="Signing in…" onSubmit={accept} />
        </PublicCard>
      );
    case 'second-factor':
      return (
        <PublicCard title="Set up two-step verification" wide lede="A data room you were invited to requires a second factor: a 6-digit code from an authenticator app on your phone.">
          <SecondFactorSetup user={step.user} password={step.password} onDone={enter} />
        </PublicCard>
      );
  }
}
