import type { Party } from '../../api.js';
import type { Directory } from './party-directory.js';

interface PartyCardProps {
  party: Party;
  dir: Directory;
  /** For managers of an open room: remove a member, add one, invite new people. */
  edit: { onRemove: (userId: string) => void; onAddMember: () => void; onInvite: () => void } | null;
}

/** One bidder party: its acquirer and advisors, and its members. */
export function PartyCard({ party: p, dir, edit }: PartyCardProps) {
  const userName = (id: string) => dir.users.find((u) => u.id === id);
  return (
    <article className="party-card" aria-labelledby={`party-${p.id}`}>
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
              {u?.status === 'invited' && <span className="badge badge-warning">Invited</span>}
              {m.cleanTeam && <span className="badge badge-danger">Clean team</span>}
              {edit && (
                <button type="button" className="button button-ghost button-small" onClick={() => edit.onRemove(m.userId)} aria-label={`Remove ${u?.name ?? 'member'} from ${p.name}`}>
                  Remove
                </button>
              )}
            </li>
          );
        })}
        {(p.members ?? []).length === 0 && <li className="empty-inline">No members yet.</li>}
      </ul>
      {edit && (
        <div className="party-actions">
          <button type="button" className="button button-primary button-small" onClick={edit.onInvite}>
            Invite people<span className="visually-hidden"> to {p.name}</span>
          </button>
          <button type="button" className="button button-secondary button-small" onClick={edit.onAddMember}>
            Add member to {p.name}
          </button>
        </div>
      )}
    </article>
  );
}
