import { useRef, useState, type FormEvent } from 'react';
import { adminApi, type Org, type OrgKind } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { FailureAlert, FormField, useFocusFirstInvalid } from './form-field.js';
import { fieldFailure, formFailure, type FormFailure } from './form-failure.js';
import { ORG_KIND_LABEL, ORG_KINDS } from './directory-labels.js';

/** The form's fields by their API names, as its alert names them. */
const LABELS = { name: 'Organisation name', kind: 'Kind' };

/** A new organisation (name and kind), or a new name for one: its kind never changes, its people's roles rest on it. */
export function OrgDialog({ org, onClose, onSaved }: { org: Org | null; onClose: () => void; onSaved: (org: Org, created: boolean) => void }) {
  const form = useRef<HTMLFormElement>(null);
  const [name, setName] = useState(org?.name ?? '');
  const [kind, setKind] = useState<OrgKind>('acquirer');
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  useFocusFirstInvalid(form, failure);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    if (!name.trim()) return setFailure(fieldFailure('name', 'Give the organisation a name.'));
    setBusy(true);
    setFailure(null);
    try {
      const saved = org ? await adminApi.renameOrg(org.id, name.trim()) : await adminApi.createOrg({ name: name.trim(), kind });
      onSaved(saved, !org);
    } catch (err) {
      setFailure(formFailure(err, LABELS));
      setBusy(false);
    }
  }

  return (
    <Modal title={org ? `Rename ${org.name}` : 'New organisation'} onClose={onClose}>
      <form ref={form} className="form" onSubmit={submit} noValidate>
        <FailureAlert failure={failure} />
        <FormField label="Organisation name" error={failure?.fields.name}>
          {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} autoFocus autoComplete="organization" />}
        </FormField>
        {!org && (
          <FormField label="Kind" help="Acquirers bid; advisors (lawyers, accountants, bankers) work for one; the seller group is your own." error={failure?.fields.kind}>
            {(control) => (
              <select {...control} value={kind} onChange={(e) => setKind(e.target.value as OrgKind)}>
                {ORG_KINDS.map((k) => <option key={k} value={k}>{ORG_KIND_LABEL[k]}</option>)}
              </select>
            )}
          </FormField>
        )}
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Saving…' : org ? 'Rename' : 'Add organisation'}</button>
        </div>
      </form>
    </Modal>
  );
}
