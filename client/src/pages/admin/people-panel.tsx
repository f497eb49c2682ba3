import { useId, useState } from 'react';
import { adminApi, fetchAll, messageOf, type DirectoryUser, type Org, type UserStatus } from '../../api.js';
import { LoadView } from '../../components/load-view.js';
import { StatusBadge, statusLabel } from '../../components/status-badge.js';
import { useLoad } from '../../hooks/use-load.js';
import { useCursorList } from './use-cursor-list.js';
import { useDebouncedValue } from './use-debounced-value.js';
import { LoadMore } from './load-more.js';
import { SearchFilter } from './search-filter.js';
import { Notice } from './notice.js';
import { InvitePersonDialog } from './invite-person-dialog.js';
import { EditPersonDialog } from './edit-person-dialog.js';
import { DisablePersonDialog } from './disable-person-dialog.js';
import { ROLE_LABEL, USER_STATUSES } from './directory-labels.js';

/** The organisations every person belongs to, read whole: the list names them and the forms offer them. */
export function PeoplePanel() {
  const [orgs, reload] = useLoad((signal) => fetchAll((cursor, s) => adminApi.orgs({ cursor, limit: 1000 }, s), signal), []);
  return <LoadView load={orgs} retry={reload} label="organisations">{(list) => <PeopleList orgs={list} />}</LoadView>;
}

type Dialog = { kind: 'invite' } | { kind: 'edit'; person: DirectoryUser } | { kind: 'disable'; person: DirectoryUser };

function PeopleList({ orgs }: { orgs: Org[] }) {
  const id = useId();
  const orgById = new Map(orgs.map((o) => [o.id, o]));
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<UserStatus | ''>('');
  const [orgId, setOrgId] = useState('');
  const q = useDebouncedValue(search.trim());
  const list = useCursorList((cursor, signal) => adminApi.users({ q, status, orgId, cursor }, signal), [q, status, orgId]);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function reinvite(person: DirectoryUser) {
    setError(null);
    setNotice(null);
    try {
      await adminApi.reinviteUser(person.id);
      setNotice(`A new invitation went to ${person.email}; the link of the previous one no longer works.`);
    } catch (err) {
      setError(messageOf(err));
    }
  }
  const done = (text: string, changed: DirectoryUser | null) => {
    setDialog(null);
    setError(null);
    setNotice(text);
    if (changed) list.replace(changed);
    else list.reload();
  };

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`} className="section-title">People</h2>
          <p className="section-help">People are invited by mail and set their own password. Disabling someone ends every session and token of theirs at once.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'invite' })}>Invite person</button>
      </div>
      <div className="filters" role="group" aria-label="Filter people">
        <SearchFilter label="Search people" placeholder="Name or email" value={search} onChange={setSearch} />
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as UserStatus | '')}>
            <option value="">All statuses</option>
            {USER_STATUSES.map((s) => <option key={s} value={s}>{statusLabel(s)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-org`}>Organisation</label>
          <select id={`${id}-org`} value={orgId} onChange={(e) => setOrgId(e.target.value)}>
            <option value="">All organisations</option>
            {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </div>
      </div>
      <Notice text={notice} />
      {error && <p role="alert" className="alert alert-error">{error}</p>}
      <LoadView load={list.load} retry={list.reload} label="people">
        {(people) =>
          people.length === 0 ? (
            <p className="empty-inline">{q || status || orgId ? 'No one matches.' : 'No people yet.'}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-labelledby={`${id}-title`}>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Organisation</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {people.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <span className="doc-title">{p.name}</span>
                        <span className="doc-sub admin-cell-line">{p.email}{p.mfaEnabled ? ' · two-step sign-in' : ''}</span>
                      </td>
                      <td>{orgById.get(p.orgId)?.name ?? '—'}</td>
                      <td>{ROLE_LABEL[p.role]}</td>
                      <td><StatusBadge status={p.status} /></td>
                      <td className="row-actions admin-actions">
                        <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'edit', person: p })} aria-label={`Edit ${p.name}`}>Edit</button>
                        {p.status === 'invited' && (
                          <button type="button" className="button button-ghost button-small" onClick={() => void reinvite(p)} aria-label={`Re-invite ${p.name}`}>Re-invite</button>
                        )}
                        {p.status !== 'disabled' && (
                          <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'disable', person: p })} aria-label={`Disable ${p.name}`}>Disable</button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadView>
      <LoadMore list={list} what="people" />
      {dialog?.kind === 'invite' && <InvitePersonDialog orgs={orgs} onClose={() => setDialog(null)} onInvited={(p) => done(`Invitation sent to ${p.email}.`, null)} />}
      {dialog?.kind === 'edit' && <EditPersonDialog person={dialog.person} orgs={orgs} onClose={() => setDialog(null)} onSaved={(p) => done(`${p.name} saved.`, p)} />}
      {dialog?.kind === 'disable' && (
        <DisablePersonDialog person={dialog.person} onClose={() => setDialog(null)} onDisabled={() => done(`${dialog.person.name} is disabled.`, { ...dialog.person, status: 'disabled' })} />
      )}
    </section>
  );
}
