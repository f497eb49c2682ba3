import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { api, ApiError, messageOf, NO_ROOM_ACTIONS, type Entity, type Room, type RoomActions, type User } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { Modal } from '../components/modal.js';
import type { RoomContext } from '../room/room-context.js';
import { NdaGate } from '../room/nda-gate.js';
import { AccessGate } from '../room/access-gate.js';
import { DocumentsTab } from '../room/documents/documents-tab.js';
import { RoomSearchBox } from '../room/search/room-search-box.js';
import { SearchResults } from '../room/search/search-results.js';
import { quotedQuery } from '../room/search/search-words.js';

// Documents is where everyone lands; the other tabs load when first opened, keeping the first load small.
const PartiesTab = lazy(() => import('../room/parties/parties-tab.js').then((m) => ({ default: m.PartiesTab })));
const PermissionsTab = lazy(() => import('../room/permissions-tab.js').then((m) => ({ default: m.PermissionsTab })));
const NdasTab = lazy(() => import('../room/ndas/ndas-tab.js').then((m) => ({ default: m.NdasTab })));
const ActivityTab = lazy(() => import('../room/activity-tab.js').then((m) => ({ default: m.ActivityTab })));
const DisclosuresTab = lazy(() => import('../room/disclosures-tab.js').then((m) => ({ default: m.DisclosuresTab })));
const TraceTab = lazy(() => import('../room/trace-tab.js').then((m) => ({ default: m.TraceTab })));
const SettingsTab = lazy(() => import('../room/settings/settings-tab.js').then((m) => ({ default: m.SettingsTab })));
const QuestionsTab = lazy(() => import('../room/questions/questions-tab.js').then((m) => ({ default: m.QuestionsTab })));
const CertificationsTab = lazy(() => import('../room/certifications/certifications-tab.js').then((m) => ({ default: m.CertificationsTab })));
const EngagementTab = lazy(() => import('../room/engagement/engagement-tab.js').then((m) => ({ default: m.EngagementTab })));
const PartyCertificationNotice = lazy(() => import('../room/certifications/certifications-tab.js').then((m) => ({ default: m.PartyCertificationNotice })));
const ArchivesTab = lazy(() => import('../room/archives/archives-tab.js').then((m) => ({ default: m.ArchivesTab })));

interface RoomData {
  room: Room;
  can: RoomActions;
  entities: Entity[];
}

async function loadRoom(roomId: string, signal: AbortSignal): Promise<RoomData> {
  const room = await api.room(roomId, signal);
  const can = room.can ?? NO_ROOM_ACTIONS;
  // The deal team sees every document with its entity, so it needs the entities' names.
  const entities = can.viewAllDocuments ? (await api.entities().catch(() => ({ items: [] }))).items : [];
  return { room, can, entities };
}

/** Whether the room's Q&A is the caller's: seller staff by their flags; a party's members (no `can`) once an NDA covers them. */
const reachesQuestions = (can: RoomActions, room: Room) => can.readQuestions || can.answerQuestions || can.manageQuestions || room.nda?.covered === true;

const TABS: Array<{ id: string; label: string; shown: (can: RoomActions, room: Room) => boolean }> = [
  { id: 'documents', label: 'Documents', shown: () => true },
  { id: 'questions', label: 'Q&A', shown: reachesQuestions },
  { id: 'parties', label: 'Parties & team', shown: (can) => can.readParties },
  { id: 'permissions', label: 'Permissions', shown: (can) => can.readGrants },
  { id: 'ndas', label: 'NDAs', shown: () => true },
  { id: 'activity', label: 'Audit trail', shown: (can) => can.readAudit },
  { id: 'disclosures', label: 'Disclosures', shown: (can) => can.readDisclosures },
  { id: 'trace', label: 'Trace a leak', shown: (can) => can.trace },
  { id: 'engagement', label: 'Engagement', shown: (can) => can.readEngagement },
  // Return-or-destroy: the deal team's overview; a member whose room still gives content may have one certified.
  { id: 'certifications', label: 'Certifications', shown: (can, room) => can.readAudit || room.nda?.covered === true },
  { id: 'archives', label: 'Archives', shown: (can) => can.readDisclosures },
  { id: 'settings', label: 'Settings', shown: (can) => can.manageRoom },
];

/**
 * The capacity the header shows: admins act as manager in every room, never as counsel; seller
 * staff who reach nothing but the Q&A are its experts.
 */
const capacityOf = (can: RoomActions) =>
  can.manageRoom ? 'Manager' : can.decideNdas ? 'Counsel' : can.answerQuestions || can.readQuestions ? 'Expert' : 'Bidder';

export function RoomPage({ user, roomId, tab }: { user: User; roomId: string; tab: string }) {
  const [load, reload] = useLoad((signal) => loadRoom(roomId, signal), [roomId, user.id]);
  return (
    <LoadView load={load} retry={reload} label="room">
      {(data) => <RoomView data={data} user={user} tab={tab} reload={reload} />}
    </LoadView>
  );
}

function RoomView({ data, user, tab, reload }: { data: RoomData; user: User; tab: string; reload: () => void }) {
  const { room, can } = data;
  const [closing, setClosing] = useState(false);
  const ctx: RoomContext = { room, user, can, entities: new Map(data.entities.map((e) => [e.id, e])), reloadRoom: reload };
  // A member whom the room gives no content (no NDA cover yet, or the room is closed) is sent its
  // name, status and their NDA status only: no entities.
  const givesContent = room.entityIds !== undefined;
  const gated = !givesContent && room.status === 'open' && room.nda?.covered === false;
  // An expert: the room gives them none of its content, only the questions assigned to them.
  const questionsOnly = !givesContent && (can.readQuestions || can.answerQuestions);
  const tabs = TABS.filter((t) => (questionsOnly ? t.id === 'questions' : t.shown(can, room)));
  // The words inside documents: for whoever may open the room's documents — the deal team by its
  // flag, a party's members once an NDA covers them; never an expert, who sees only questions.
  const searchable = givesContent && (can.viewAllDocuments || room.nda?.covered === true);
  const [params] = useSearchParams();
  const searching = searchable && tab === 'search';
  const q = searching ? (params.get('q') ?? '').trim() : '';
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  const sectionLabel = searching ? (q ? `Search “${quotedQuery(q)}”` : 'Search') : current.label;

  useEffect(() => {
    document.title = `${sectionLabel} · ${room.codeName ?? room.name} · Gatehouse`;
  }, [sectionLabel, room.codeName, room.name]);

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
            <span className="badge badge-role">{capacityOf(can)}</span>
          </div>
        </div>
        {(searchable || (can.manageRoom && room.status === 'open')) && (
          <div className="room-header-actions">
            {searchable && <RoomSearchBox key={q} roomId={room.id} q={q} />}
            {can.manageRoom && room.status === 'open' && (
              <button type="button" className="button button-danger-outline" onClick={() => setClosing(true)}>
                Close room
              </button>
            )}
          </div>
        )}
      </div>

      {room.status === 'closed' && (
        <p className="alert alert-warning room-closed-note" role="status">
          This room is closed. {can.readAudit ? 'Bidders no longer have any access; the record stays for counsel.' : 'Its documents are no longer available.'}
        </p>
      )}

      {gated ? (
        <>
          <NdaGate ctx={ctx} />
          {/* A member whose access ended still certifies return or destruction here. */}
          <Suspense fallback={null}><PartyCertificationNotice ctx={ctx} /></Suspense>
        </>
      ) : !givesContent && !questionsOnly ? (
        <>
          {room.status === 'open' && <AccessGate ctx={ctx} />}
          <Suspense fallback={null}><PartyCertificationNotice ctx={ctx} /></Suspense>
        </>
      ) : (
        <>
          {(tabs.length > 1 || questionsOnly) && (
            <nav className="tabs" aria-label="Room sections">
              {tabs.map((t) => (
                <Link key={t.id} href={`/rooms/${room.id}${t.id === 'documents' ? '' : '/' + t.id}`} className={!searching && t.id === current.id ? 'tab tab-active' : 'tab'} aria-current={!searching && t.id === current.id ? 'page' : undefined}>
                  {t.label}
                </Link>
              ))}
            </nav>
          )}
          <div className="tab-panel">
            <Suspense fallback={<div className="panel panel-message" role="status"><span className="spinner" aria-hidden="true" /> Loading {current.label.toLowerCase()}…</div>}>
              {searching ? <SearchResults ctx={ctx} q={q} /> : <RoomTab id={current.id} ctx={ctx} />}
            </Suspense>
          </div>
        </>
      )}
      {closing && <CloseRoomDialog room={room} onClose={() => setClosing(false)} onClosed={() => { setClosing(false); reload(); }} />}
    </section>
  );
}

function RoomTab({ id, ctx }: { id: string; ctx: RoomContext }) {
  switch (id) {
    case 'documents': return <DocumentsTab ctx={ctx} />;
    case 'questions': return <QuestionsTab ctx={ctx} />;
    case 'parties': return <PartiesTab ctx={ctx} />;
    case 'permissions': return <PermissionsTab ctx={ctx} />;
    case 'ndas': return <NdasTab ctx={ctx} />;
    case 'activity': return <ActivityTab ctx={ctx} />;
    case 'disclosures': return <DisclosuresTab ctx={ctx} />;
    case 'trace': return <TraceTab ctx={ctx} />;
    case 'engagement': return <EngagementTab ctx={ctx} />;
    case 'certifications': return <CertificationsTab ctx={ctx} />;
    case 'archives': return <ArchivesTab ctx={ctx} />;
    case 'settings': return <SettingsTab ctx={ctx} />;
    default: return null;
  }
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
