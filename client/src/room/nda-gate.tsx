import { api } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { formatDate } from '../display-format.js';
import { StatusBadge } from '../components/status-badge.js';
import type { RoomContext } from './room-context.js';

/**
 * What an external user sees before a confirmed NDA covers them: the room's name and where their
 * agreement stands — nothing of the room's content (the server refuses it anyway: 403 nda_required).
 */
export function NdaGate({ ctx }: { ctx: RoomContext }) {
  const [ndas] = useLoad((signal) => api.ndas(ctx.room.id, signal).then((p) => p.items), [ctx.room.id]);
  const list = ndas.state === 'ready' ? ndas.data : [];
  return (
    <div className="panel gate" role="region" aria-labelledby="gate-title">
      <svg className="gate-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <rect x="5" y="10.5" width="14" height="10" rx="2" />
        <path d="M8 10.5V8a4 4 0 0 1 8 0v2.5" />
      </svg>
      <h2 id="gate-title" className="gate-title">Your organisation's confidentiality agreement has not been confirmed yet</h2>
      <p className="gate-text">
        The documents of this room open as soon as the seller's counsel has confirmed a signed confidentiality agreement (NDA) that covers your organisation.
        There is nothing you need to do here; if you believe your agreement was signed some time ago, contact the deal team.
      </p>
      {list.length > 0 && (
        <ul className="gate-ndas" aria-label="Your organisation's agreements in this room">
          {list.map((n) => (
            <li key={n.id}>
              <span>{n.kind === 'nda' ? 'Confidentiality agreement' : n.kind === 'joinder' ? 'Joinder' : 'Clean-team agreement'}, signed {formatDate(n.signedAt)}</span>
              <StatusBadge status={n.expired && n.status === 'confirmed' ? 'expired' : n.status} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
