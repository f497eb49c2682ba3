import type { StaffMember } from '../../api.js';

const STAFF_ROLE_LABELS: Record<StaffMember['role'], string> = { manager: 'Manager', counsel: 'Counsel', expert: 'Expert' };

/** The room's managers, counsel and experts; managers of an open room may add a colleague. */
export function DealTeam({ staff, onAdd }: { staff: StaffMember[]; onAdd: (() => void) | null }) {
  return (
    <section className="panel section" aria-labelledby="staff-title">
      <div className="section-head">
        <div>
          <h2 id="staff-title" className="section-title">Deal team, counsel and experts</h2>
          <p className="section-help">Managers set up the room; counsel confirm NDAs. An NDA is confirmed by a counsel other than the one who registered it. Experts answer the Q&amp;A questions assigned to them and see nothing else of the room.</p>
        </div>
        {onAdd && <button type="button" className="button button-secondary" onClick={onAdd}>Add team member</button>}
      </div>
      <ul className="member-list">
        {staff.map((s) => (
          <li key={s.userId} className="member">
            <span className="member-name">{s.name}</span>
            <span className="member-meta">{s.email}</span>
            {/* Another person's capacity in the room, shown as a label: no decision of this client rests on it. */}
            <span className={s.role === 'manager' ? 'badge badge-info' : 'badge badge-neutral'}>{STAFF_ROLE_LABELS[s.role]}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
