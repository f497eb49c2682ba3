import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, ApiError, messageOf, type Entity, type Room, type RoomRole, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { Modal } from '../components/modal.js';
import type { RoomContext } from '../room/room-context.js';
import { NdaGate } from '../room/nda-gate.js';
import { DocumentsTab } from '../room/documents-tab.js';
import { PartiesTab } from '../room/parties-tab.js';
import { PermissionsTab } from '../room/permissions-tab.js';
import { NdasTab } from '../room/ndas-tab.js';
import { ActivityTab } from '../room/activity-tab.js';
import { DisclosuresTab } from '../room/disclosures-tab.js';
import { TraceTab } from '../room/trace-tab.js';

interface RoomData {
  room: Room;
  role: RoomRole | 'external';
  entities: Entity[];
}

async function loadRoom(user: User, roomId: string, signal: AbortSignal): Promise<RoomData> {
  const room = await api.room(roomId, signal);
  if (user.role === 'external') return { room, role: 'external', entities: [] };
  const [staff, entities] = await Promise.all([api.staff(roomId).catch(() => ({ items: [] })), api.entities().catch(() => ({ items: [] }))]);
  const mine = staff.items.find((s) => s.userId === user.id);
  // Admins act as manager in every room (never as counsel).
  const role: RoomRole = mine?.role ?? 'manager';
  return { room, role, entities: entities.items };
}

const TABS: Array<{ id: string; label: string; roles: Array<RoomRole | 'external'> }> = [
  { id: 'documents', label: 'Documents', roles: ['manager', 'counsel', 'external'] },
  { id: 'parties', label: 'Parties & team', roles: ['manager', 'counsel'] },
  { id: 'permissions', label: 'Permissions', roles: ['manager', 'counsel'] },
  { id: 'ndas', label: 'NDAs', roles: ['manager', 'counsel', 'external'] },
  { id: 'activity', label: 'Audit trail', roles: ['manager', 'counsel'] },
  { id: 'disclosures', label: 'Disclosures', roles: ['manager', 'counsel'] },
  { id: 'trace', label: 'Trace a leak', roles: ['manager', 'counsel'] },
];

export function RoomPage({ user, roomId, tab }: { user: User; roomId: string; tab: string }) {
  const [load, reload] = useLoad((signal) => loadRoom(user, roomId, signal), [roomId, user.id]);
  return (
    <LoadView load={load} retry={reload} label="room">
      {(data) => <RoomView data={data} user={user} tab={tab} reload={reload} />}
    </LoadView>
  );
}

function RoomView({ data, user, tab, reload }: { data: RoomData; user: User; tab: string; reload: () => void }) {
  const { room, role } = data;
  const [closing, setClosing] = useState(false);
  const ctx: RoomContext = { room, user, role, entities: new Map(data.entities.map((e) => [e.id, e])), reloadRoom: reload };
  const tabs = TABS.filter((t) => t.roles.includes(role));
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  // An external user with no NDA coverage sees the room's name and their NDA status, nothing else.
  const gated = role === 'external' && room.status === 'open' && !room.nda?.covered;

  useEffect(() => {
    document.title = `${current.label} · ${room.codeName ?? room.name} · Gatehouse`;
  }, [current.label, room.codeName, room.name]);

  return (
    <section className="page" aria-labelledby="room-heading">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Data rooms</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{room.codeName ?? room.name}</span>
      </nav>
      <div className="room-header">
        <div className="room-header-title">
          <h1 id="room-heading" className="page-title">{room.name}</h1>
          <div className="room-header-meta">
            {room.codeName && <span className="room-code">{room.codeName}</span>}
            <StatusBadge status={room.status} />
            <span className="badge badge-role">{role === 'external' ? 'Bidder' : role === 'manager' ? 'Manager' : 'Counsel'}</span>
          </div>
        </div>
        {role === 'manager' && room.status === 'open' && (
          <button type="button" className="button button-danger-outline" onClick={() => setClosing(true)}>
            Close room
          </button>
        )}
      </div>

      {room.status === 'closed' && (
        <p className="alert alert-warning room-closed-note" role="status">
          This room is closed. {role === 'external' ? 'Its documents are no longer available.' : 'Bidders no longer have any access; the record stays for counsel.'}
        </p>
      )}

      {gated ? (
        <NdaGate ctx={ctx} />
      ) : role === 'external' && room.status === 'closed' ? null : (
        <>
          {tabs.length > 1 && (
            <nav className="tabs" aria-label="Room sections">
              {tabs.map((t) => (
                <Link key={t.id} href={`/rooms/${room.id}${t.id === 'documents' ? '' : '/' + t.id}`} className={t.id === current.id ? 'tab tab-active' : 'tab'} aria-current={t.id === current.id ? 'page' : undefined}>
                  {t.label}
                </Link>
              ))}
            </nav>
          )}
          <div className="tab-panel">
            {current.id === 'documents' && <DocumentsTab ctx={ctx} />}
            {current.id === 'parties' && <PartiesTab ctx={ctx} />}
            {current.id === 'permissions' && <PermissionsTab ctx={ctx} />}
            {current.id === 'ndas' && <NdasTab ctx={ctx} />}
            {current.id === 'activity' && <ActivityTab ctx={ctx} />}
            {current.id === 'disclosures' && <DisclosuresTab ctx={ctx} />}
            {current.id === 'trace' && <TraceTab ctx={ctx} />}
          </div>
        </>
      )}
      {closing && <CloseRoomDialog room={room} onClose={() => setClosing(false)} onClosed={() => { setClosing(false); reload(); }} />}
    </section>
  );
}

function CloseRoomDialog({ room, onClose, onClosed }: { room: Room; onClose: () => void; onClosed: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function close() {
    setBusy(true);
    try {
      await api.closeRoom(room.id);
      onClosed();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <Modal title={`Close ${room.name}?`} onClose={onClose}>
      <div className="form">
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <p>Closing ends every bidder's access at once: no one outside the deal team can list, view or download anything from the next request on. Links already handed out stop working.</p>
        <p>The audit trail, the NDA register and the disclosure register stay available to the deal team and counsel.</p>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Keep open</button>
          <button type="button" className="button button-danger" onClick={close} aria-disabled={busy || undefined}>{busy ? 'Closing…' : 'Close room'}</button>
        </div>
      </div>
    </Modal>
  );
}
