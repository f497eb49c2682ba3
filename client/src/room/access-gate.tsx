import { Link } from 'wouter';
import { api, ApiError } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import type { RoomContext } from './room-context.js';

/**
 * What a covered bidder sees when the room still withholds its content for a reason of their own
 * session: the room requires a second factor they did not sign in with, or they connect from outside
 * their party's allow-list. The room answers only its name then; its first list says which it is.
 */
export function AccessGate({ ctx }: { ctx: RoomContext }) {
  const [probe] = useLoad((signal) => api.folders(ctx.room.id, signal).then(() => null), [ctx.room.id]);
  const code = probe.state === 'error' && probe.error instanceof ApiError ? probe.error.code : null;
  if (probe.state === 'loading' || (probe.state === 'error' && probe.error instanceof ApiError && probe.error.status === 401)) return null;
  return (
    <div className="panel gate" role="region" aria-labelledby="access-gate-title">
      <svg className="gate-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <rect x="5" y="10.5" width="14" height="10" rx="2" />
        <path d="M8 10.5V8a4 4 0 0 1 8 0v2.5" />
      </svg>
      {code === 'mfa_required' ? (
        <>
          <h2 id="access-gate-title" className="gate-title">This room requires two-step verification</h2>
          <p className="gate-text">
            Its documents open when you sign in with a code from your authenticator app. If you have not set it up yet, do so on your <Link href="/account">Account</Link> page;
            then sign out and sign in again with a code.
          </p>
        </>
      ) : code === 'ip_not_allowed' ? (
        <>
          <h2 id="access-gate-title" className="gate-title">This room is not open to your network</h2>
          <p className="gate-text">Your party may reach this room only from its registered networks (an office or a VPN). Connect from one of them, or ask the deal team.</p>
        </>
      ) : (
        <>
          <h2 id="access-gate-title" className="gate-title">This room's documents are not available to you</h2>
          <p className="gate-text">{probe.state === 'error' ? probe.error.message : 'Reload the page to try again.'}</p>
        </>
      )}
    </div>
  );
}
