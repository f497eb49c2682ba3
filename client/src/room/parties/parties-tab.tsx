import { useState } from 'react';
import { api, messageOf, type Party } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import type { RoomContext } from '../room-context.js';
import { loadDirectory } from './party-directory.js';
import { PartyCard } from './party-card.js';
import { DealTeam } from './deal-team.js';
import { PartyDialog } from './party-dialog.js';
import { MemberDialog } from './member-dialog.js';
import { StaffDialog } from './staff-dialog.js';
import { InvitePeopleDialog } from './invite-people-dialog.js';

/** The room's bidder parties with their members, and its deal team. */
export function PartiesTab({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad(() => loadDirectory(ctx.room.id), [ctx.room.id]);
  const [dialog, setDialog] = useState<{ kind: 'party' } | { kind: 'member'; party: Party } | { kind: 'invite'; party: Party } | { kind: 'staff' } | null>(null);
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

  const done = () => { setDialog(null); reload(); };
  return (
    <LoadView load={load} retry={reload} label="parties">
      {(dir) => (
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
                  <PartyCard key={p.id} party={p} dir={dir} edit={canEdit ? { onRemove: (userId) => void remove(p, userId), onAddMember: () => setDialog({ kind: 'member', party: p }), onInvite: () => setDialog({ kind: 'invite', party: p }) } : null} />
                ))}
              </div>
            )}
          </section>

          <DealTeam staff={dir.staff} onAdd={canAddStaff ? () => setDialog({ kind: 'staff' }) : null} />

          {dialog?.kind === 'party' && <PartyDialog roomId={ctx.room.id} orgs={[...dir.orgs.values()]} onClose={() => setDialog(null)} onDone={done} />}
          {dialog?.kind === 'member' && <MemberDialog roomId={ctx.room.id} party={dialog.party} dir={dir} onClose={() => setDialog(null)} onDone={done} />}
          {dialog?.kind === 'invite' && <InvitePeopleDialog roomId={ctx.room.id} party={dialog.party} dir={dir} onClose={() => setDialog(null)} onInvited={reload} />}
          {dialog?.kind === 'staff' && <StaffDialog roomId={ctx.room.id} dir={dir} onClose={() => setDialog(null)} onDone={done} />}
        </div>
      )}
    </LoadView>
  );
}
