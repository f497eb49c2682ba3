import { useId, useState } from 'react';
import { serverHasRoute } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView, NotAvailable } from '../components/load-view.js';
import { RecoveryCodes, TotpEnrolment } from '../components/totp-enrolment.js';

/** Two-step verification (TOTP): set up a secret in an authenticator app, then prove it with a code. */
export function TwoStepVerification() {
  const id = useId();
  const [available] = useLoad(() => serverHasRoute('POST /api/auth/mfa/setup'), []);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  return (
    <LoadView load={available} label="security settings">
      {(present) =>
        !present ? (
          <NotAvailable what="Two-step verification" />
        ) : (
          <section className="panel section" aria-labelledby={`${id}-mfa`}>
            <h2 id={`${id}-mfa`} className="section-title">Two-step verification</h2>
            <p className="section-help">After your password, Gatehouse asks for a 6-digit code from an authenticator app on your phone.</p>
            {recoveryCodes ? (
              <div className="form">
                <p className="alert alert-success" role="status">Two-step verification is on. From your next sign-in, Gatehouse asks for a code.</p>
                <RecoveryCodes codes={recoveryCodes} />
              </div>
            ) : (
              <TotpEnrolment onEnabled={setRecoveryCodes} />
            )}
          </section>
        )
      }
    </LoadView>
  );
}
