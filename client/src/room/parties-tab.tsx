import { useId, useState, type FormEvent } from 'react';
import { api, messageOf, type Org, type Party, type StaffMember, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { Modal } from '../components/modal.js';
import type { RoomContext } from './room-context.js';

interface Directory {
  parties: Party[];
  staff: StaffMember[];
  orgs: Map<string, Org>;
  users: User[];
}

async function loadDirectory(roomId: string): Promise<Directory> {
  const [parties, staff, orgs, users] = await Promise.all([api.parties(roomId), api.staff(roomId), api.orgs(), api.users()]);
  return { parties: parties.items, staff: staff.items, orgs: new Map(orgs.items.map((o) => [o.id, o])), users: users.items };
}

export function PartiesTab({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad(() => loadDirectory(ctx.room.id), [ctx.room.id]);
  const [dialog, setDialog] = useState<{ kind: 'party' } | { kind: 'member'; party: Party } | { kind: 'staff' } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = ctx.room.status === 'open';
  const canEdit = ctx.can.manageParties && open;
  const canAddStaff = ctx.can.manageRoom && open;

  async function remove(party: Party, userId: string) {
    setError(null);
    try {
      await api.removeMember(ctx.room.id, party.id, userId);
      reload();
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <LoadView load={load} retry={reload} label="parties">
      {(dir) => {
        const userName = (id: string) => dir.users.find((u) => u.id === id);
        return (
          <div className="stack">
            {error && <p role="alert" className="alert alert-error">{error}</p>}
            <section className="panel section" aria-labelledby="parties-title">
              <div className="section-head">
                <div>
                  <h2 id="parties-title" className="section-title">Bidder parties</h2>
                  <p className="section-help">Each party is one acquirer with its advisors. Parties never learn of each other.</p>
                </div>
                {canEdit && <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'party' })}>Invite party</button>}
              </div>
              {dir.parties.length === 0 ? (
                <p className="empty-inline">No parties yet.</p>
              ) : (
                <div className="party-grid">
                  {dir.parties.map((p) => (
                    <article key={p.id} className="party-card" aria-labelledby={`party-${p.id}`}>
                      <h3 id={`party-${p.id}`} className="party-name">{p.name}</h3>
                      <p className="party-orgs">
                        <span className="party-org"><span className="badge badge-info">Acquirer</span> {dir.orgs.get(p.acquirerOrgId)?.name}</span>
                        {p.advisorOrgIds.map((o) => (
                          <span key={o} className="party-org"><span className="badge badge-neutral">Advisor</span> {dir.orgs.get(o)?.name}</span>
                        ))}
                      </p>
                      <ul className="member-list" aria-label={`Members of ${p.name}`}>
                        {(p.members ?? []).map((m) => {
                          const u = userName(m.userId);
                          return (
                            <li key={m.userId} className="member">
                              <span className="member-name">{u?.name ?? 'User'}</span>
                              <span className="member-meta">{u?.email} · {dir.orgs.get(u?.orgId ?? '')?.name}</span>
                              {m.cleanTeam && <span className="badge badge-danger">Clean team</span>}
                              {canEdit && (
                                <button type="button" className="button button-ghost button-small" onClick={() => void remove(p, m.userId)} aria-label={`Remove ${u?.name ?? 'member'} from ${p.name}`}>
                                  Remove
                                </button>
                              )}
                            </li>
                          );
                        })}
                        {(p.members ?? []).length === 0 && <li className="empty-inline">No members yet.</li>}
                      </ul>
                      {canEdit && (
                        <button type="button" className="button button-secondary button-small" onClick={() => setDialog({ kind: 'member', party: p })}>
                          Add member to {p.name}
                        </button>
                      )}
                    </article>
                  ))}
                </div>
              )}
            </section>

            <section className="panel section" aria-labelledby="staff-title">
              <div className="section-head">
                <div>
                  <h2 id="staff-title" className="section-title">Deal team and counsel</h2>
                  <p className="section-help">Managers set up the room; counsel confirm NDAs. An NDA is confirmed by a counsel other than the one who registered it.</p>
                </div>
                {canAddStaff && <button type="button" className="button button-secondary" onClick={() => setDialog({ kind: 'staff' })}>Add team member</button>}
              </div>
              <ul className="member-list">
                {dir.staff.map((s) => (
                  <li key={s.userId} className="member">
                    <span className="member-name">{s.name}</span>
                    <span className="member-meta">{s.email}</span>
                    <span className={s.role === 'manager' ? 'badge badge-info' : 'badge badge-neutral'}>{s.role === 'manager' ? 'Manager' : 'Counsel'}</span>
                  </li>
                ))}
              </ul>
            </section>

            {dialog?.kind === 'party' && <PartyDialog roomId={ctx.room.id} orgs={[...dir.orgs.values()]} onClose={() => setDialog(null)} onDone={() => { setDialog(null); reload(); }} />}
            {dialog?.kind === 'member' && (
              <MemberDialog roomId={ctx.room.id} party={dialog.party} dir={dir} onClose={() => setDialog(null)} onDone={() => { setDialog(null); reload(); }} />
            )}
            {dialog?.kind === 'staff' && <StaffDialog roomId={ctx.room.id} dir={dir} onClose={() => setDialog(null)} onDone={() => { setDialog(null); reload(); }} />}
          </div>
        );
      }}
    </LoadView>
  );
}

function PartyDialog({ roomId, orgs, onClose, onDone }: { roomId: string; orgs: Org[]; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const acquirers = orgs.filter((o) => o.kind === 'acquirer');
  const advisors = orgs.filter((o) => o.kind === 'advisor');
  const [name, setName] = useState('');
  const [acquirerOrgId, setAcquirer] = useState('');
  const [advisorOrgIds, setAdvisors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Give the party a name, e.g. “Bidder A”.');
    if (!acquirerOrgId) return setError('Choose the acquirer organisation.');
    try {
      await api.createParty(roomId, { name: name.trim(), acquirerOrgId, advisorOrgIds });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title="Invite a bidder party" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-name`}>Party name</label>
          <p className="field-help" id={`${id}-name-help`}>The name the deal team uses; bidders never see other parties.</p>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} aria-describedby={`${id}-name-help`} autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-acq`}>Acquirer</label>
          <select id={`${id}-acq`} value={acquirerOrgId} onChange={(e) => setAcquirer(e.target.value)}>
            <option value="">Choose an organisation…</option>
            {acquirers.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </div>
        <fieldset className="fieldset">
          <legend>Advisors</legend>
          {advisors.length === 0 && <p className="field-help">No advisor organisations are registered.</p>}
          <div className="checkbox-list">
            {advisors.map((o) => (
              <label key={o.id} className="checkbox">
                <input type="checkbox" checked={advisorOrgIds.includes(o.id)} onChange={(e) => setAdvisors((ids) => (e.target.checked ? [...ids, o.id] : ids.filter((x) => x !== o.id)))} />
                {o.name}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Invite party</button>
        </div>
      </form>
    </Modal>
  );
}

function MemberDialog({ roomId, party, dir, onClose, onDone }: { roomId: string; party: Party; dir: Directory; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const orgIds = [party.acquirerOrgId, ...party.advisorOrgIds];
  const taken = new Set(dir.parties.flatMap((p) => (p.members ?? []).map((m) => m.userId)));
  const candidates = dir.users.filter((u) => u.role === 'external' && orgIds.includes(u.orgId) && !taken.has(u.id));
  const [userId, setUserId] = useState('');
  const [cleanTeam, setCleanTeam] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return setError('Choose a person.');
    try {
      await api.addMember(roomId, party.id, { userId, cleanTeam });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title={`Add a member to ${party.name}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-user`}>Person</label>
          <p className="field-help" id={`${id}-help`}>People of the party's acquirer and advisors who are not yet in a party of this room.</p>
          <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)} aria-describedby={`${id}-help`}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.name} — {u.email} ({dir.orgs.get(u.orgId)?.name})</option>)}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={cleanTeam} onChange={(e) => setCleanTeam(e.target.checked)} />
          Clean-team member (may see clean-team documents the party's grants allow)
        </label>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Add member</button>
        </div>
      </form>
    </Modal>
  );
}

function StaffDialog({ roomId, dir, onClose, onDone }: { roomId: string; dir: Directory; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const inRoom = new Set(dir.staff.map((s) => s.userId));
  const candidates = dir.users.filter((u) => u.role !== 'external' && !inRoom.has(u.id));
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<'manager' | 'counsel'>('counsel');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) return setError('Choose a person.');
    try {
      await api.addStaff(roomId, { userId, role });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title="Add a team member" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-user`}>Colleague</label>
          <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Choose a person…</option>
            {candidates.map((u) => <option key={u.id} value={u.id}>{u.name} — {u.email}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-role`}>Role in this room</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as 'manager' | 'counsel')}>
            <option value="manager">Manager — sets up the room</option>
            <option value="counsel">Counsel — registers and confirms NDAs</option>
          </select>
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Add to room</button>
        </div>
      </form>
    </Modal>
  );
}
