import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { api, messageOf, type Entity, type UploadsStartAs, type User } from '../api.js';
import { UploadStageChoice } from '../room/settings/uploads-start-as.js';
import { StatusBadge } from '../components/status-badge.js';
import { LoadView } from '../components/load-view.js';
import { Modal } from '../components/modal.js';
import { useLoad } from '../hooks/use-load.js';
import { formatDate } from '../display-format.js';

export function RoomsPage({ user }: { user: User }) {
  const [load, reload] = useLoad((signal) => api.rooms(signal), [user.id]);
  const [creating, setCreating] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Opening a room is no act inside one, so no room's `can` answers it: the server lets seller staff
  // (admins and staff) do it, and this page outside every room still asks the role.
  const canCreate = user.role !== 'external';

  useEffect(() => {
    document.title = 'Data rooms · Gatehouse';
    headingRef.current?.focus();
  }, []);

  return (
    <section className="page" aria-labelledby="rooms-heading">
      <div className="page-header">
        <div>
          <h1 id="rooms-heading" className="page-title" ref={headingRef} tabIndex={-1}>
            Data rooms
          </h1>
          {load.state === 'ready' && load.data.items.length > 0 && (
            <p className="page-meta">
              {load.data.items.length} {load.data.items.length === 1 ? 'room' : 'rooms'}
            </p>
          )}
        </div>
        {canCreate && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            New room
          </button>
        )}
      </div>

      <LoadView load={load} retry={reload} label="rooms">
        {({ items: rooms }) =>
          rooms.length === 0 ? (
            <div className="panel empty-state">
              <p className="empty-state-title">No rooms yet</p>
              <p className="empty-state-text">
                {canCreate ? 'Open a room for a transaction with “New room”.' : 'Data rooms you are invited to will appear here.'}
              </p>
            </div>
          ) : (
            <div className="panel room-list-panel">
              <div className="room-list-head" aria-hidden="true">
                <span>Room</span>
                <span>Code name</span>
                <span>Status</span>
              </div>
              <ul className="room-list" aria-labelledby="rooms-heading">
                {rooms.map((room) => (
                  <li key={room.id} className="room-row">
                    <span className="room-name">
                      <Link href={`/rooms/${room.id}`} className="row-link">
                        {room.name}
                      </Link>
                      {room.createdAt && <span className="room-opened">Opened {formatDate(room.createdAt)}</span>}
                    </span>
                    <span className="room-code">
                      <span className="visually-hidden">Code name: </span>
                      <span>{room.codeName ?? '—'}</span>
                    </span>
                    <span className="room-status">
                      <span className="visually-hidden">Status: </span>
                      <StatusBadge status={room.status} />
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          )
        }
      </LoadView>
      {creating && <NewRoomDialog isAdmin={user.role === 'admin'} onClose={() => setCreating(false)} />}
    </section>
  );
}

function NewRoomDialog({ isAdmin, onClose }: { isAdmin: boolean; onClose: () => void }) {
  const id = useId();
  const [entities] = useLoad((_signal) => api.entities().then((p) => p.items), []);
  const [name, setName] = useState('');
  const [codeName, setCodeName] = useState('');
  const [entityIds, setEntityIds] = useState<string[]>([]);
  // Staged disclosure by default: nothing leaves the deal team until a manager publishes it.
  const [uploadsStartAs, setUploadsStartAs] = useState<UploadsStartAs>('draft');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, navigate] = useLocation();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError('Give the room a name.');
    if (entityIds.length === 0) return setError('Choose at least one target entity: documents must belong to one of them.');
    setBusy(true);
    setError(null);
    try {
      const room = await api.createRoom({ name: name.trim(), codeName: codeName.trim() || undefined, entityIds, uploadsStartAs });
      navigate(`/rooms/${room.id}`);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Modal title="New data room" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-name`}>Room name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </div>
        <div className="field">
          <label htmlFor={`${id}-code`}>Code name</label>
          <p className="field-help" id={`${id}-code-help`}>Printed on every stamped copy instead of the real deal name, e.g. “Project Falcon”.</p>
          <input id={`${id}-code`} value={codeName} onChange={(e) => setCodeName(e.target.value)} aria-describedby={`${id}-code-help`} />
        </div>
        <fieldset className="fieldset">
          <legend>Target entities</legend>
          <LoadView load={entities} label="entities">
            {(list: Entity[]) =>
              list.length === 0 ? (
                <p className="field-help">
                  No legal entities are registered yet.{' '}
                  {isAdmin ? <Link href="/admin/entities">Add the group’s legal entities under Administration.</Link> : 'An administrator adds them.'}
                </p>
              ) : (
                <div className="checkbox-list">
                  {list.map((en) => (
                    <label key={en.id} className="checkbox">
                      <input
                        type="checkbox"
                        checked={entityIds.includes(en.id)}
                        onChange={(e) => setEntityIds((ids) => (e.target.checked ? [...ids, en.id] : ids.filter((x) => x !== en.id)))}
                      />
                      {en.name}
                    </label>
                  ))}
                </div>
              )
            }
          </LoadView>
        </fieldset>
        <UploadStageChoice name={`${id}-stage`} value={uploadsStartAs} onChange={setUploadsStartAs} />
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary" aria-disabled={busy || undefined}>{busy ? 'Opening…' : 'Open room'}</button>
        </div>
      </form>
    </Modal>
  );
}
