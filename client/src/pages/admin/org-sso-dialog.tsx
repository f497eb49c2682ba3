import { useState } from 'react';
import { adminApi, messageOf, type Org, type OrgSso } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { LoadView } from '../../components/load-view.js';
import { useLoad } from '../../hooks/use-load.js';
import { OrgSsoForm } from './org-sso-form.js';

interface OrgSsoDialogProps {
  org: Org;
  onClose: () => void;
  /** `sso` is what the server now holds; null once single sign-on was turned off. */
  onChanged: (sso: OrgSso | null) => void;
}

/** An organisation's single sign-on: set it up, change it, or turn it off (asked twice). */
export function OrgSsoDialog({ org, onClose, onChanged }: OrgSsoDialogProps) {
  const [load, reload] = useLoad((signal) => adminApi.orgSso(org.id, signal), [org.id]);
  const [confirmingOff, setConfirmingOff] = useState(false);
  return (
    <Modal title={`Single sign-on for ${org.name}`} onClose={onClose} wide>
      <LoadView load={load} retry={reload} label="single sign-on settings">
        {(current) =>
          confirmingOff && current ? (
            <TurnOffConfirmation org={org} sso={current} onKeep={() => setConfirmingOff(false)} onTurnedOff={() => onChanged(null)} />
          ) : (
            <OrgSsoForm org={org} current={current} onCancel={onClose} onSaved={onChanged} onTurnOff={() => setConfirmingOff(true)} />
          )
        }
      </LoadView>
    </Modal>
  );
}

/** Turning off is asked twice: the organisation's people lose the way they sign in, from their next sign-in on. */
function TurnOffConfirmation({ org, sso, onKeep, onTurnedOff }: { org: Org; sso: OrgSso; onKeep: () => void; onTurnedOff: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function turnOff() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await adminApi.turnOffOrgSso(org.id);
      onTurnedOff();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <div className="form">
      {error && <p role="alert" className="alert alert-error">{error}</p>}
      <p className="sso-summary">
        <strong>Turn off single sign-on for {org.name}?</strong>
      </p>
      <p>
        People at {sso.domains.join(', ')} are no longer offered “Continue with SSO”, and the provider can no longer sign anyone in to Gatehouse. Those who have a Gatehouse password sign in with it; the
        others can set one with “Forgot your password?” on the sign-in page.
      </p>
      <div className="form-actions">
        <button type="button" className="button button-secondary" onClick={onKeep} autoFocus>Keep it on</button>
        <button type="button" className="button button-danger" onClick={() => void turnOff()} aria-disabled={busy || undefined}>{busy ? 'Turning off…' : 'Turn off'}</button>
      </div>
    </div>
  );
}
