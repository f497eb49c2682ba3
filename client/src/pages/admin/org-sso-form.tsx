import { useId, useRef, useState, type FormEvent } from 'react';
import { adminApi, type Org, type OrgSso, type OrgSsoChange } from '../../api.js';
import { alertOf, fieldErrorsOf } from '../../field-errors.js';
import { FailureAlert, FormField, useFocusFirstInvalid } from './form-field.js';
import { fieldFailure, type FormFailure } from './form-failure.js';
import { foldDomainErrors, parseDomains } from './sso-domains.js';
import './org-sso.css';

/** The form's fields by their API names, as its alert names them. */
const LABELS = { issuer: 'Issuer URL', clientId: 'Client ID', clientSecret: 'Client secret', domains: 'Email domains', jit: 'Create accounts at first sign-in' };

/** Where the provider sends the browser back: registered there as the client's redirect URI. */
export const ssoRedirectUri = () => `${window.location.origin}/api/auth/sso/callback`;

interface OrgSsoFormProps {
  org: Org;
  /** What the server holds now; null when the organisation has no single sign-on yet. */
  current: OrgSso | null;
  onCancel: () => void;
  onSaved: (sso: OrgSso) => void;
  onTurnOff: () => void;
}

/**
 * An organisation's OpenID provider: its issuer, the client Gatehouse is registered as there, and
 * the email domains whose people it signs in. The client secret is write-only: the server says
 * whether one is set, never what it is, so the form only ever sends a new one.
 */
export function OrgSsoForm({ org, current, onCancel, onSaved, onTurnOff }: OrgSsoFormProps) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const secretRef = useRef<HTMLInputElement>(null);
  const [issuer, setIssuer] = useState(current?.issuer ?? '');
  const [clientId, setClientId] = useState(current?.clientId ?? '');
  const [clientSecret, setClientSecret] = useState('');
  const [replacingSecret, setReplacingSecret] = useState(!current?.secretSet);
  const [domains, setDomains] = useState(current?.domains.join('\n') ?? '');
  const [jit, setJit] = useState(current?.jit ?? false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusFirstInvalid(form, failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const domainList = parseDomains(domains);
    if (!issuer.trim()) return setFailure(fieldFailure('issuer', 'Enter the provider’s issuer URL.'));
    if (!clientId.trim()) return setFailure(fieldFailure('clientId', 'Enter the client ID the provider gave Gatehouse.'));
    if (replacingSecret && !clientSecret) return setFailure(fieldFailure('clientSecret', current?.secretSet ? 'Enter the new secret, or keep the current one.' : 'Enter the client secret the provider gave Gatehouse.'));
    if (domainList.length === 0) return setFailure(fieldFailure('domains', 'Enter at least one email domain, like example.com.'));
    const change: OrgSsoChange = { issuer: issuer.trim(), clientId: clientId.trim(), domains: domainList, jit, ...(replacingSecret ? { clientSecret } : {}) };
    setBusy(true);
    setFailure(null);
    try {
      onSaved(await adminApi.saveOrgSso(org.id, change));
    } catch (err) {
      const fields = foldDomainErrors(fieldErrorsOf(err), domainList);
      setFailure({ message: alertOf(err, fields, LABELS), fields });
      setBusy(false);
    }
  }

  function replaceSecret() {
    setReplacingSecret(true);
    // The field appears with this render; the keyboard goes on to it.
    requestAnimationFrame(() => secretRef.current?.focus());
  }

  const newUsers = org.kind === 'seller' ? 'staff of the seller group' : 'external users of this organisation';
  return (
    <form ref={form} className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      <FailureAlert failure={failure} />
      <FormField label="Redirect URI" help="Register this address with the provider as the application’s redirect (callback) URI.">
        {(control) => <input {...control} className="mono" readOnly value={ssoRedirectUri()} onFocus={(e) => e.target.select()} />}
      </FormField>
      <FormField label="Issuer URL" help="The provider’s issuer: Gatehouse reads its settings from /.well-known/openid-configuration under it." error={failure?.fields.issuer}>
        {(control) => <input {...control} type="url" inputMode="url" value={issuer} onChange={(e) => setIssuer(e.target.value)} autoFocus autoComplete="off" spellCheck={false} placeholder="https://login.example.com/realms/example" />}
      </FormField>
      <FormField label="Client ID" error={failure?.fields.clientId}>
        {(control) => <input {...control} value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" spellCheck={false} />}
      </FormField>
      {replacingSecret ? (
        <FormField label="Client secret" help={current?.secretSet ? 'The new secret replaces the current one when you save.' : 'Kept sealed; no one can read it back, here or through the API.'} error={failure?.fields.clientSecret}>
          {(control) => (
            <div className="sso-secret-row">
              <input {...control} ref={secretRef} type="password" value={clientSecret} onChange={(e) => setClientSecret(e.target.value)} autoComplete="new-password" spellCheck={false} />
              {current?.secretSet && (
                <button type="button" className="button button-ghost button-small" onClick={() => { setReplacingSecret(false); setClientSecret(''); }}>
                  Keep the current secret
                </button>
              )}
            </div>
          )}
        </FormField>
      ) : (
        <div className="field" role="group" aria-labelledby={`${id}-secret`}>
          <span className="sso-field-label" id={`${id}-secret`}>Client secret</span>
          <div className="sso-secret-row">
            <span className="badge badge-info">Set</span>
            <span className="field-help">Sealed; it is never shown.</span>
            <button type="button" className="button button-ghost button-small" onClick={replaceSecret}>
              Replace secret
            </button>
          </div>
        </div>
      )}
      <FormField label="Email domains" help="One a line. People whose email is at one of them are offered single sign-on." error={failure?.fields.domains}>
        {(control) => <textarea {...control} rows={3} value={domains} onChange={(e) => setDomains(e.target.value)} autoComplete="off" spellCheck={false} placeholder="example.com" />}
      </FormField>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={jit} onChange={(e) => setJit(e.target.checked)} aria-describedby={`${id}-jit-help`} aria-invalid={failure?.fields.jit ? true : undefined} />
          {LABELS.jit}
        </label>
        <p className="field-help" id={`${id}-jit-help`}>
          Someone the provider signs in who has no account here gets one, as {newUsers}. They see only what rooms grant them. Off: only people already in the directory can sign in.
        </p>
        {failure?.fields.jit && <p className="field-error">{failure.fields.jit}</p>}
      </div>
      <div className="form-actions">
        {current && (
          <button type="button" className="button button-danger-outline sso-turn-off" onClick={onTurnOff}>
            Turn off…
          </button>
        )}
        <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
        <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : current ? 'Save' : 'Turn on single sign-on'}</button>
      </div>
    </form>
  );
}
