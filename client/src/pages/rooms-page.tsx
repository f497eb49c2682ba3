import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Room, type User } from '../api.js';
import { StatusBadge } from '../components/status-badge.js';

type Load =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; rooms: Room[]; nextCursor: string | null };

function messageOf(err: unknown): string {
  return err instanceof ApiError ? err.message : 'The rooms could not be loaded. Please try again.';
}

export function RoomsPage({ user }: { user: User }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const headingRef = useRef<HTMLHeadingElement>(null);

  // Move focus to the page heading when the page opens (e.g. right after signing in).
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    api
      .rooms({ signal: controller.signal })
      .then((page) => setLoad({ state: 'ready', rooms: page.items, nextCursor: page.nextCursor ?? null }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) return; // the app returns to sign-in
        setLoad({ state: 'error', message: messageOf(err) });
      });
    return () => controller.abort();
  }, [attempt, user.id]);

  async function loadMore() {
    if (load.state !== 'ready' || !load.nextCursor || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const page = await api.rooms({ cursor: load.nextCursor });
      setLoad({ state: 'ready', rooms: [...load.rooms, ...page.items], nextCursor: page.nextCursor ?? null });
      setMore({ busy: false, error: null });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      setMore({ busy: false, error: messageOf(err) });
    }
  }

  return (
    <section className="page" aria-labelledby="rooms-heading">
      <div className="page-header">
        <h1 id="rooms-heading" className="page-title" ref={headingRef} tabIndex={-1}>
          Data rooms
        </h1>
        {load.state === 'ready' && load.rooms.length > 0 && (
          <p className="page-meta">
            {load.rooms.length} {load.rooms.length === 1 ? 'room' : 'rooms'}
            {load.nextCursor ? ' shown' : ''}
          </p>
        )}
      </div>

      {load.state === 'loading' && (
        <div className="panel panel-message" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          <span>Loading rooms…</span>
        </div>
      )}

      {load.state === 'error' && (
        <div className="panel panel-message panel-message-column">
          <p role="alert" className="alert alert-error">
            {load.message}
          </p>
          <button type="button" className="button button-secondary" onClick={() => { setLoad({ state: 'loading' }); setAttempt((n) => n + 1); }}>
            Try again
          </button>
        </div>
      )}

      {load.state === 'ready' && load.rooms.length === 0 && (
        <div className="panel empty-state">
          <p className="empty-state-title">No rooms yet</p>
          <p className="empty-state-text">Data rooms you have access to will appear here.</p>
        </div>
      )}

      {load.state === 'ready' && load.rooms.length > 0 && (
        <>
          <div className="panel room-list-panel">
            <div className="room-list-head" aria-hidden="true">
              <span>Room</span>
              <span>Code name</span>
              <span>Status</span>
            </div>
            <ul className="room-list" aria-labelledby="rooms-heading">
              {load.rooms.map((room) => (
                <li key={room.id} className="room-row">
                  <span className="room-name">{room.name}</span>
                  <span className="room-code">
                    <span className="visually-hidden">Code name: </span>
                    <span>{room.codeName}</span>
                  </span>
                  <span className="room-status">
                    <span className="visually-hidden">Status: </span>
                    <StatusBadge status={room.status} />
                  </span>
                </li>
              ))}
            </ul>
          </div>
          {load.nextCursor && (
            <div className="list-footer">
              {more.error && (
                <p role="alert" className="alert alert-error">
                  {more.error}
                </p>
              )}
              <button type="button" className="button button-secondary" onClick={loadMore} aria-disabled={more.busy || undefined}>
                {more.busy ? 'Loading…' : 'Load more rooms'}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}
