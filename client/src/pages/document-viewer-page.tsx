import { lazy, Suspense, useEffect, useMemo, useRef } from 'react';
import { Link, useSearchParams } from 'wouter';
import { api, ApiError, fetchBytes, NO_ROOM_ACTIONS } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { usePageReading } from '../hooks/use-page-reading.js';
import { LoadView } from '../components/load-view.js';
import { ClassificationBadge, DocumentStatusBadge, LevelBadge, PersonalDataBadge } from '../components/badges.js';
import type { PdfSource } from '../components/pdf-view.js';
import { formatSize, formatType } from '../display-format.js';
import { DatasetViewer } from '../room/datasets/dataset-viewer.js';
import { searchResultsPath } from '../room/search/room-search-box.js';
import { quotedQuery } from '../room/search/search-words.js';

// pdf.js is most of the client's weight: loaded only when a PDF is opened.
const PdfView = lazy(() => import('../components/pdf-view.js'));

/**
 * The first bytes of a stamped PDF fetched with its page: small files arrive whole, large ones in
 * ranges. One range chunk of the viewer (pdf-view.tsx's RANGE_CHUNK, not imported here so that
 * pdf.js stays out of the main bundle).
 */
const FIRST_CHUNK = 64 * 1024;

/**
 * One view of a document: the stamped copy the server made for this user, shown in the page.
 * From a search hit (`?page=3&q=…`): open at that page with the search's words marked.
 */
export function DocumentViewerPage({ roomId, documentId }: { roomId: string; documentId: string }) {
  const [params] = useSearchParams();
  const q = params.get('q')?.trim() ?? '';
  const page = Number(params.get('page'));
  // The room's flags come with the document: whether the reader is of the deal team is the server's to say.
  const [doc, reloadDoc] = useLoad(
    async (signal) => {
      const [d, room] = await Promise.all([api.document(documentId, signal), api.room(roomId, signal)]);
      return { ...d, can: room.can ?? NO_ROOM_ACTIONS, room };
    },
    [documentId, roomId],
  );
  return (
    <section className="page viewer-page" aria-labelledby="viewer-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Data rooms</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/rooms/${roomId}`}>Documents</Link>
        <span aria-hidden="true">/</span>
        {q && (
          <>
            <Link href={searchResultsPath(roomId, q)}>Search results for “{quotedQuery(q)}”</Link>
            <span aria-hidden="true">/</span>
          </>
        )}
        <span aria-current="page">{doc.state === 'ready' ? doc.data.index : 'Document'}</span>
      </nav>
      <LoadView load={doc} retry={reloadDoc} label="document">
        {(d) => {
          // A table is not a page to stamp: each reader pages through their own copy of it.
          if (d.kind === 'dataset') return <DatasetViewer doc={d} />;
          const staff = d.can.viewAllDocuments;
          const canDownload = d.access === 'download' || d.access === 'original';
          return (
            <>
              <div className="viewer-header">
                <div>
                  <h1 id="viewer-title" className="page-title"><span className="folder-index">{d.index}</span> {d.title}</h1>
                  <div className="room-header-meta">
                    <span>{formatType(d.mimeType)} · {formatSize(d.size)} · version {d.version}</span>
                    <ClassificationBadge value={d.classification} />
                    <PersonalDataBadge value={d.personalData} />
                    {!staff && <LevelBadge value={d.access} />}
                    {/* The deal team's stage of the document; outsiders only ever open published ones. */}
                    {staff && d.status && <DocumentStatusBadge value={d.status} reason={d.withdrawnReason} />}
                  </div>
                </div>
                <div className="toolbar-actions">
                  {/* A member with NDA cover asks the seller about what they read: the room's Q&A, about this document. */}
                  {d.room.nda?.covered && <Link className="button button-secondary" href={`/rooms/${roomId}/questions?ask=${encodeURIComponent(d.id)}`}>Ask about this document</Link>}
                  {canDownload && <a className="button button-primary" href={api.contentUrl(d.id, 'attachment')} download>Download</a>}
                  {d.access === 'original' && <a className="button button-secondary" href={api.originalUrl(d.id)} download>Download original</a>}
                </div>
              </div>
              <p className="viewer-note">
                {staff ? 'You see the copy a bidder would get: stamped with your name and a download id.' : 'This copy is stamped with your name, organisation, the time and a download id. Every view is recorded.'}
              </p>
              <Content documentId={d.id} mimeType={d.mimeType} title={d.title} page={Number.isInteger(page) && page > 0 ? page : undefined} highlight={q} reportsReading={!staff} />
            </>
          );
        }}
      </LoadView>
    </section>
  );
}

function Content({ documentId, mimeType, title, page, highlight, reportsReading }: { documentId: string; mimeType: string; title: string; page?: number; highlight: string; reportsReading: boolean }) {
  const viewable = mimeType === 'application/pdf' || mimeType.startsWith('image/');
  // A PDF's first request starts the download (one stamped copy, one download id); every further
  // range names that id, so all of them are bytes of the same copy. Images come whole.
  const [content] = useLoad(
    (signal) => (viewable ? fetchBytes(api.contentUrl(documentId, 'inline'), signal, mimeType === 'application/pdf' ? { start: 0, end: FIRST_CHUNK } : undefined) : Promise.resolve(null)),
    [documentId, viewable, mimeType],
  );
  const pdfSource = useMemo<PdfSource | null>(() => {
    if (content.state !== 'ready' || !content.data || content.data.mimeType !== 'application/pdf') return null;
    const { data, size, downloadId } = content.data;
    if (data.byteLength >= size || !downloadId) return { data };
    return {
      initial: data,
      size,
      fetchRange: async (start, end) => (await fetchBytes(api.resumeContentUrl(documentId, downloadId), undefined, { start, end })).data,
    };
  }, [content, documentId]);

  const imageUrl = useMemo(
    () => (content.state !== 'ready' || !content.data || content.data.mimeType === 'application/pdf' ? null : URL.createObjectURL(new Blob([content.data.data], { type: content.data.mimeType }))),
    [content],
  );
  // The object URL holds the image in memory until revoked: when the next one replaces it, or on leaving.
  useEffect(() => () => void (imageUrl && URL.revokeObjectURL(imageUrl)), [imageUrl]);

  // The pages read in this view, reported against its own download id (a party member's: the deal
  // team's reading is no engagement). An image is one page, read while it is in view.
  const showPage = usePageReading(documentId, content.state === 'ready' ? (content.data?.downloadId ?? null) : null, reportsReading);
  const image = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const el = image.current;
    if (!el || !imageUrl) return;
    const io = new IntersectionObserver((entries) => showPage(entries.some((e) => e.isIntersecting) ? 1 : null));
    io.observe(el);
    return () => {
      io.disconnect();
      showPage(null);
    };
  }, [imageUrl, showPage]);

  if (!viewable) {
    return (
      <div className="panel empty-state">
        <p className="empty-state-title">This file type cannot be shown in the browser</p>
        <p className="empty-state-text">Use Download to open a stamped copy.</p>
      </div>
    );
  }
  if (content.state === 'error' && content.error instanceof ApiError && content.error.status === 403) {
    return <p className="alert alert-error" role="alert">{content.error.message}</p>;
  }
  return (
    <div className="viewer-frame">
      <LoadView load={content} label="stamped copy">
        {(c) =>
          c && c.mimeType === 'application/pdf' && pdfSource ? (
            <Suspense fallback={<div className="panel-message" role="status"><span className="spinner" aria-hidden="true" /> Opening the document…</div>}>
              <PdfView source={pdfSource} title={title} page={page} highlight={highlight} onPageShown={showPage} />
            </Suspense>
          ) : imageUrl ? (
            <img ref={image} className="viewer-image" src={imageUrl} alt={`${title} (stamped copy)`} />
          ) : null
        }
      </LoadView>
    </div>
  );
}
