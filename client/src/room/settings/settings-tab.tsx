import { api } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import type { RoomContext } from '../room-context.js';
import { RequireMfaSetting } from './require-mfa-setting.js';
import { IpAllowlistEditor } from './ip-allowlist-editor.js';
import { UploadsStartAsSetting } from './uploads-start-as.js';
import { RetentionAndPurge } from './retention-and-purge.js';

/**
 * The room's settings a manager keeps: where uploads start, a second factor for bidders, and where
 * each party may connect from; for administrators, how long its files are kept and their purge.
 */
export function SettingsTab({ ctx }: { ctx: RoomContext }) {
  const roomId = ctx.room.id;
  const [settings, reloadSettings] = useLoad((signal) => api.roomSettings(roomId, signal), [roomId]);
  const [parties, reloadParties] = useLoad(() => api.parties(roomId).then((p) => p.items), [roomId]);
  return (
    <div className="stack">
      <UploadsStartAsSetting roomId={roomId} initial={ctx.room.uploadsStartAs ?? 'draft'} onSaved={ctx.reloadRoom} />
      <LoadView load={settings} retry={reloadSettings} label="room settings">
        {(s) => <RequireMfaSetting roomId={roomId} initial={s.requireMfa} />}
      </LoadView>
      <section className="panel section" aria-labelledby="ip-allowlists-title">
        <h2 id="ip-allowlists-title" className="section-title">Where each party may connect from</h2>
        <p className="section-help">
          An allow-list limits a party's members to the network addresses of their offices or VPN. From the next request, a member connecting from any other address sees
          the room's name and nothing else. An empty list sets no limit.
        </p>
        <LoadView load={parties} retry={reloadParties} label="parties">
          {(items) =>
            items.length === 0 ? (
              <p className="empty-inline">No parties yet. Invite one on the Parties &amp; team tab.</p>
            ) : (
              <div className="allowlist-grid">
                {items.map((p) => <IpAllowlistEditor key={p.id} roomId={roomId} party={p} />)}
              </div>
            )
          }
        </LoadView>
      </section>
      {ctx.can.purgeRoom && <RetentionAndPurge ctx={ctx} />}
    </div>
  );
}
