import { api, type Nda } from '../../api.js';
import { StatusBadge } from '../../components/status-badge.js';
import { daysUntil, formatDate, formatTime } from '../../display-format.js';
import { entityName, type RoomContext } from '../room-context.js';
import { displayStatus, EXPIRY_WARNING_DAYS, KIND_LABEL, type Register } from './nda-register.js';
import { NdaActions } from './nda-actions.js';

interface NdaRowProps {
  ctx: RoomContext;
  reg: Register;
  nda: Nda;
  onConfirm: (nda: Nda) => void;
  onDecide: (nda: Nda, action: 'reject' | 'terminate') => void;
}

/**
 * One NDA: to those who read the whole register, with its counterparty, signed PDF, who registered
 * and decided it, and what they may do with it; to a member, of their own organisation only.
 */
export function NdaRow({ ctx, reg, nda: n, onConfirm, onDecide }: NdaRowProps) {
  const staff = ctx.can.readNdaRegister;
  const days = daysUntil(n.expiresAt);
  const who = (id: string | null | undefined) => (id ? reg.staff.find((s) => s.userId === id)?.name ?? (id === ctx.user.id ? ctx.user.name : 'Administrator') : '—');
  return (
    <tr>
      {staff && (
        <td>
          <strong>{reg.orgs.get(n.orgId)?.name ?? 'Organisation'}</strong>
          {n.fileName && (
            <div className="doc-sub">
              <a href={api.ndaFileUrl(ctx.room.id, n.id)} target="_blank" rel="noopener">Signed PDF</a>
            </div>
          )}
        </td>
      )}
      <td>{KIND_LABEL[n.kind]}</td>
      <td>
        <StatusBadge status={displayStatus(n)} />
        {n.reason && <div className="doc-sub">{n.reason}</div>}
      </td>
      <td>
        {staff ? n.entityIds.map((e) => entityName(ctx, e)).join(', ') : `${n.entityIds.length} ${n.entityIds.length === 1 ? 'entity' : 'entities'}`}
        {n.coversRepresentatives && <div className="doc-sub">and the acquirer's advisors</div>}
      </td>
      <td>{formatDate(n.effectiveAt)}</td>
      <td>
        {formatDate(n.expiresAt)}
        {n.status === 'confirmed' && !n.expired && days <= EXPIRY_WARNING_DAYS && <div className="badge badge-warning">in {days} {days === 1 ? 'day' : 'days'}</div>}
      </td>
      {staff && (
        <td className="doc-sub">
          by {who(n.registeredBy)} {n.registeredAt && <>on {formatDate(n.registeredAt)}</>}
          {n.confirmedBy && <div>confirmed by {who(n.confirmedBy)}, {formatTime(n.confirmedAt)}</div>}
          {!n.confirmedBy && n.decidedBy && <div>{n.status} by {who(n.decidedBy)}</div>}
        </td>
      )}
      {staff && (
        <NdaActions
          nda={n}
          orgName={reg.orgs.get(n.orgId)?.name}
          mayDecide={ctx.can.decideNdas}
          ownRegistration={n.registeredBy === ctx.user.id}
          onConfirm={() => onConfirm(n)}
          onDecide={(action) => onDecide(n, action)}
        />
      )}
    </tr>
  );
}
