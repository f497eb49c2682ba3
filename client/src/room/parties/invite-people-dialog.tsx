import { useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Party } from '../../api.js';
import { Modal } from '../../components/modal.js';
import { alertOf, fieldErrorsOf, type FieldErrors } from '../../field-errors.js';
import type { Directory } from './party-directory.js';

const LABELS: Record<string, string> = { email: 'Email', name: 'Name', orgId: 'Organisation', cleanTeam: 'Clean team' };

/** Refusals that are about one field by nature, with what to say there. */
const KNOWN_CONFLICTS: Record<string, [string, string]> = {
  email_taken: ['email', 'this address belongs to a user of another organisation'],
  party_conflict: ['email', 'this person is already in another party of this room'],
};

interface InvitePeopleDialogProps {
  roomId: string;
  party: Party;
  dir: Directory;
  onClose: () => void;
  /** A person was invited (or, already known in that organisation, added): the party's list is out of date. */
  onInvited: () => void;
}

/**
 * Inviting the bidder's people straight into a party: the server creates the account (or takes the
 * one that person already has in that organisation), mails the invitation and makes them a member.
 * The dialog stays open for the next person.
 */
export function InvitePeopleDialog({ roomId, party, dir, onClose, onInvited }: InvitePeopleDialogProps) {
  const id = useId();
  const emailRef = useRef<HTMLInputElement>(null);
  const orgs = [party.acquirerOrgId, ...party.advisorOrgIds].map((orgId) => dir.orgs.get(orgId)).filter((o) => o !== undefined);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState(party.acquirerOrgId);
  const [cleanTeam, setCleanTeam] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [done, setDone] = useState<string | null>(null);

  function refuse(err: unknown, found: FieldErrors) {
    setFields(found);
    setError(alertOf(err, found, LABELS));
    setDone(null);
    if (found.email || !found.name) emailRef.current?.focus();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const missing: FieldErrors = {};
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) missing.email = email.trim() ? 'enter the whole address, like name@example.com' : 'enter their email address';
    if (!name.trim()) missing.name = 'enter their name as it should appear on stamped documents';
    if (Object.keys(missing).length) return refuse(null, missing);
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const answer = await api.inviteToParty(roomId, party.id, { email: email.trim(), name: name.trim(), orgId, cleanTeam });
      const who = `${name.trim()} (${email.trim()})`;
      setDone(answer.status === 'invited' ? `Invitation mailed to ${who}, now a member of ${party.name}.` : `${who} already has an account and is now a member of ${party.name}.`);
      setEmail('');
      setName('');
      setCleanTeam(false);
      onInvited();
      emailRef.current?.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      refuse(err, fieldErrorsOf(err, KNOWN_CONFLICTS));
    } finally {
      setBusy(false);
    }
  }

  const invalid = (field: string) => (fields[field] ? { 'aria-invalid': true, 'aria-describedby': `${id}-alert` } : {});
  return (
    <Modal title={`Invite people to ${party.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate aria-busy={busy || undefined}>
        {error && <p id={`${id}-alert`} role="alert" className="alert alert-error">{error}</p>}
        {done && <p role="status" className="alert alert-success">{done}</p>}
        <p className="field-help">Each person gets a mail with a link to set their password. They see the room once a confirmed NDA covers their organisation.</p>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input ref={emailRef} id={`${id}-email`} type="email" inputMode="email" autoComplete="off" autoCapitalize="none" spellCheck={false} value={email} onChange={(e) => setEmail(e.target.value)} autoFocus {...invalid('email')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} {...invalid('name')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-org`}>Organisation</label>
          <select id={`${id}-org`} value={orgId} onChange={(e) => setOrgId(e.target.value)} {...invalid('orgId')}>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>{o.name} ({o.id === party.acquirerOrgId ? 'acquirer' : 'advisor'})</option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={cleanTeam} onChange={(e) => setCleanTeam(e.target.checked)} />
          Clean team (may see clean-team documents the party's grants allow)
        </label>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>{done ? 'Done' : 'Cancel'}</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Inviting…' : 'Send invitation'}</button>
        </div>
      </form>
    </Modal>
  );
}
