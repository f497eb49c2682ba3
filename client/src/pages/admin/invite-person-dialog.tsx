import { useRef, useState, type FormEvent } from 'react';
import { adminApi, type DirectoryUser, type Org, type Role } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { FailureAlert, FormField, useFocusFirstInvalid } from './form-field.js';
import { fieldFailure, formFailure, type FormFailure } from './form-failure.js';
import { OrgSelect } from './org-select.js';
import { ROLE_LABEL, rolesFor } from './directory-labels.js';

/** The form's fields by their API names, as its alert names them. */
const LABELS = { email: 'Email', name: 'Name', orgId: 'Organisation', role: 'Role' };

const ROLE_HELP: Record<Role, string> = {
  staff: 'Staff — may open rooms and be made manager or counsel of one',
  admin: 'Administrator — keeps the directory and acts as manager in every room',
  external: 'External — sees what the access rule lets their party see',
};

/** Inviting a person: no password here; they get a mail with a link and choose their own. */
export function InvitePersonDialog({ orgs, onClose, onInvited }: { orgs: Org[]; onClose: () => void; onInvited: (person: DirectoryUser) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState('');
  const [chosenRole, setRole] = useState<Role | ''>('');
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusFirstInvalid(form, failure);
  const roles = rolesFor(orgs.find((o) => o.id === orgId)?.kind);
  // A role that does not fit the organisation chosen since gives way to the first that does.
  const role = chosenRole && roles.includes(chosenRole) ? chosenRole : roles[0];

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!email.trim()) return setFailure(fieldFailure('email', 'Enter the email address the invitation goes to.'));
    if (!name.trim()) return setFailure(fieldFailure('name', 'Enter the person’s name.'));
    if (!orgId || !role) return setFailure(fieldFailure('orgId', 'Choose the organisation the person belongs to.'));
    setBusy(true);
    setFailure(null);
    try {
      onInvited(await adminApi.inviteUser({ email: email.trim(), name: name.trim(), orgId, role }));
    } catch (err) {
      setFailure(formFailure(err, LABELS));
      setBusy(false);
    }
  }

  return (
    <Modal title="Invite a person" onClose={onClose}>
      <form ref={form} className="form" onSubmit={submit} noValidate>
        <FailureAlert failure={failure} />
        <FormField label="Email" error={failure?.fields.email}>
          {(control) => <input {...control} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus autoComplete="off" />}
        </FormField>
        <FormField label="Name" error={failure?.fields.name}>
          {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
        </FormField>
        <FormField label="Organisation" error={failure?.fields.orgId}>
          {(control) => <OrgSelect control={control} orgs={orgs} value={orgId} onChange={setOrgId} />}
        </FormField>
        <FormField label="Role" help="What a person may be follows from their organisation: the seller group’s people are staff or administrators, everyone else is external." error={failure?.fields.role}>
          {(control) => (
            <select {...control} value={role ?? ''} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.length === 0 && <option value="">Choose an organisation first</option>}
              {roles.map((r) => <option key={r} value={r} title={ROLE_HELP[r]}>{ROLE_LABEL[r]}</option>)}
            </select>
          )}
        </FormField>
        {role && <p className="field-help">{ROLE_HELP[role]}. An invitation mail goes to the address above.</p>}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Sending…' : 'Send invitation'}</button>
        </div>
      </form>
    </Modal>
  );
}
