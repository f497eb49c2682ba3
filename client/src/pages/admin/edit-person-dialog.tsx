import { useRef, useState, type FormEvent } from 'react';
import { adminApi, type DirectoryUser, type Org } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { FailureAlert, FormField, useFocusFirstInvalid } from './form-field.js';
import { fieldFailure, formFailure, type FormFailure } from './form-failure.js';
import { OrgSelect } from './org-select.js';

/** The form's fields by their API names, as its alert names them. */
const LABELS = { name: 'Name', orgId: 'Organisation' };

/**
 * A person's name and organisation. Their role stays, so only organisations it fits are offered:
 * the seller group's for staff and administrators, acquirers and advisors for external people.
 */
export function EditPersonDialog({ person, orgs, onClose, onSaved }: { person: DirectoryUser; orgs: Org[]; onClose: () => void; onSaved: (person: DirectoryUser) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(person.name);
  const [orgId, setOrgId] = useState(person.orgId);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusFirstInvalid(form, failure);
  const kinds = person.role === 'external' ? (['acquirer', 'advisor'] as const) : (['seller'] as const);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!name.trim()) return setFailure(fieldFailure('name', 'Enter the person’s name.'));
    if (!orgId) return setFailure(fieldFailure('orgId', 'Choose an organisation.'));
    const changes = { ...(name.trim() !== person.name ? { name: name.trim() } : {}), ...(orgId !== person.orgId ? { orgId } : {}) };
    if (Object.keys(changes).length === 0) return onClose();
    setBusy(true);
    setFailure(null);
    try {
      onSaved(await adminApi.updateUser(person.id, changes));
    } catch (err) {
      setFailure(formFailure(err, LABELS));
      setBusy(false);
    }
  }

  return (
    <Modal title={`Edit ${person.name}`} onClose={onClose}>
      <form ref={form} className="form" onSubmit={submit} noValidate>
        <FailureAlert failure={failure} />
        <p className="field-help">{person.email}</p>
        <FormField label="Name" error={failure?.fields.name}>
          {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} autoFocus autoComplete="off" />}
        </FormField>
        <FormField label="Organisation" help="A move to another bidder’s organisation does not move their party memberships: check the rooms they are in." error={failure?.fields.orgId}>
          {(control) => <OrgSelect control={control} orgs={orgs} kinds={[...kinds]} value={orgId} onChange={setOrgId} />}
        </FormField>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : 'Save'}</button>
        </div>
      </form>
    </Modal>
  );
}
