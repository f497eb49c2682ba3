import { useEffect } from 'react';
import { Link } from 'wouter';
import { api, NO_ROOM_ACTIONS } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { datasetApi } from './dataset-api.js';
import { ColumnEditor } from './column-editor.js';

async function loadEditor(roomId: string, documentId: string, signal: AbortSignal) {
  const [doc, room, dataset, entities] = await Promise.all([api.document(documentId, signal), api.room(roomId, signal), datasetApi.dataset(documentId, signal), api.entities()]);
  return { doc, room, dataset, entities: new Map(entities.items.map((e) => [e.id, e])) };
}

/** /rooms/:roomId/documents/:documentId/columns — the deal team's column editor of one dataset. */
export function DatasetColumnsPage({ roomId, documentId }: { roomId: string; documentId: string }) {
  const [load, reload] = useLoad((signal) => loadEditor(roomId, documentId, signal), [roomId, documentId]);
  const title = load.state === 'ready' ? load.data.doc.title : null;
  useEffect(() => {
    if (title) document.title = `Columns · ${title} · Gatehouse`;
  }, [title]);
  return (
    <section className="page dataset-columns-page" aria-labelledby="columns-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Data rooms</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/rooms/${roomId}`}>Documents</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/rooms/${roomId}/documents/${documentId}`}>{load.state === 'ready' ? load.data.doc.index : 'Dataset'}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Columns</span>
      </nav>
      <LoadView load={load} retry={reload} label="dataset">
        {({ doc, room, dataset, entities }) => {
          const can = room.can ?? NO_ROOM_ACTIONS;
          return <ColumnEditor doc={doc} room={room} dataset={dataset} entities={entities} canEdit={can.manageDocuments && room.status === 'open'} />;
        }}
      </LoadView>
    </section>
  );
}
