import { useEffect } from 'react';
import type { User } from '../api.js';
import { NotificationPreference } from '../account/notification-preference.js';
import { TwoStepVerification } from '../account/two-step-verification.js';

/** The signed-in person's own settings: how they hear of new documents, and their second factor. */
export function AccountPage({ user }: { user: User }) {
  useEffect(() => {
    document.title = 'Account · Gatehouse';
  }, []);

  return (
    <section className="page narrow" aria-labelledby="account-title">
      <div className="page-header">
        <h1 id="account-title" className="page-title">Account</h1>
      </div>
      <div className="panel section">
        <h2 className="section-title">Signed in as</h2>
        <p>{user.name} — {user.email}</p>
      </div>
      <NotificationPreference />
      <TwoStepVerification />
    </section>
  );
}
