import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { api, ApiError, messageOf, type SearchHit } from '../../api.js';
import type { RoomContext } from '../room-context.js';
import { cleanHighlights, quotedQuery } from './search-words.js';
import './search.css';

/** Pages asked for at a time: a screenful of documents, each with its pages. */
const PAGE_SIZE = 20;

/** The viewer at the page of a hit, with the words to mark on it (document-viewer-page.tsx reads both). */
export const hitPath = (roomId: string, hit: Pick<SearchHit, 'documentId' | 'page'>, q: string) =>
  `/rooms/${encodeURIComponent(roomId)}/documents/${encodeURIComponent(hit.documentId)}?page=${hit.page}&q=${encodeURIComponent(q)}`;

type Results =
  | { key: string; state: 'loading' }
  | { key: string; state: 'error'; error: unknown }
  | { key: string; state: 'ready'; hits: SearchHit[]; nextCursor: string | null; broad: boolean; more: 'idle' | 'loading'; moreError: string | null };

interface DocumentHits {
  documentId: string;
  title: string;
  index: string;
  hits: SearchHit[];
}

/**
 * The hits by document, documents in the order of their best hit, each document's pages in page
 * order. Pages loaded with "More results" join their document's group when it is already shown.
 */
function byDocument(hits: SearchHit[]): DocumentHits[] {
  const groups = new Map<string, DocumentHits>();
  for (const hit of hits) {
    const group = groups.get(hit.documentId) ?? { documentId: hit.documentId, title: hit.title, index: hit.index, hits: [] };
    if (!group.hits.some((h) => h.page === hit.page)) group.hits.push(hit);
    groups.set(hit.documentId, group);
  }
  return [...groups.values()].map((g) => ({ ...g, hits: [...g.hits].sort((a, b) => a.page - b.page) }));
}

/**
 * A snippet with its hits in <mark>: React elements from plain text. A snippet is text from an
 * uploaded file — markup in it must read as the characters it is, so it never goes near innerHTML.
 */
export function MarkedSnippet({ snippet, highlights }: { snippet: string; highlights: SearchHit['highlights'] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [start, end] of cleanHighlights(snippet, highlights)) {
    if (start > at) parts.push(snippet.slice(at, start));
    parts.push(<mark key={start}>{snippet.slice(start, end)}</mark>);
    at = end;
  }
  if (at < snippet.length) parts.push(snippet.slice(at));
  return <>{parts}</>;
}

/** What a refused search tells the searcher: the server names the field and the rule (e.g. "q: at most 500 characters"). */
function refusalOf(error: unknown, q: string): string {
  if (error instanceof ApiError && error.status === 400) {
    const details = (error.details ?? {}) as Record<string, unknown>;
    if (typeof details.q === 'string') return `This search cannot be run. The search words: ${details.q} — this search has ${q.length.toLocaleString('en-GB')} characters.`;
    return `This search cannot be run. ${error.message}`;
  }
  return messageOf(error, 'The search could not be run. Please try again.');
}

/** The results of a room-wide search (`/rooms/:roomId/search?q=`): by document, then by page. */
export function SearchResults({ ctx, q }: { ctx: RoomContext; q: string }) {
  const roomId = ctx.room.id;
  const [attempt, setAttempt] = useState(0);
  const key = JSON.stringify([roomId, q, attempt]);
  const [results, setResults] = useState<Results>({ key, state: 'loading' });

  useEffect(() => {
    if (!q) return;
    const controller = new AbortController();
    api.search(roomId, { q, limit: PAGE_SIZE }, controller.signal).then(
      (page) => !controller.signal.aborted && setResults({ key, state: 'ready', hits: page.items, nextCursor: page.nextCursor, broad: page.broad === true, more: 'idle', moreError: null }),
      (error: unknown) => !controller.signal.aborted && setResults({ key, state: 'error', error }),
    );
    return () => controller.abort();
  }, [key, roomId, q]);

  // An answer for an earlier search is never shown under this one's heading.
  const current: Results = results.key === key ? results : { key, state: 'loading' };

  async function loadMore() {
    if (current.state !== 'ready' || !current.nextCursor || current.more === 'loading') return;
    const cursor = current.nextCursor;
    const update = (change: (r: Extract<Results, { state: 'ready' }>) => Results) => setResults((r) => (r.key === key && r.state === 'ready' ? change(r) : r));
    update((r) => ({ ...r, more: 'loading', moreError: null }));
    try {
      const page = await api.search(roomId, { q, limit: PAGE_SIZE, cursor });
      update((r) => ({ ...r, hits: [...r.hits, ...page.items], nextCursor: page.nextCursor, more: 'idle' }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      update((r) => ({ ...r, more: 'idle', moreError: messageOf(err, 'More results could not be loaded. Please try again.') }));
    }
  }

  if (!q) {
    return (
      <div className="panel empty-state">
        <p className="empty-state-title">Search inside the room’s documents</p>
        <p className="empty-state-text">Type words in the search box above: every page is searched, scanned pages included.</p>
      </div>
    );
  }

  return (
    <section className="panel section search-results-panel" aria-labelledby="search-results-title">
      <h2 id="search-results-title" className="section-title">Pages that hold “{quotedQuery(q)}”</h2>
      {current.state === 'loading' && (
        <p className="panel-message" role="status"><span className="spinner" aria-hidden="true" /> Searching…</p>
      )}
      {current.state === 'error' && !(current.error instanceof ApiError && current.error.status === 401) && (
        <div className="search-refusal">
          <p role="alert" className="alert alert-error">{refusalOf(current.error, q)}</p>
          {!(current.error instanceof ApiError && current.error.status === 400) && (
            <button type="button" className="button button-secondary" onClick={() => setAttempt((n) => n + 1)}>Try again</button>
          )}
        </div>
      )}
      {current.state === 'ready' && current.hits.length === 0 && (
        <div className="empty-state search-empty" role="status">
          <p className="empty-state-title">No document you can open holds “{quotedQuery(q)}”.</p>
          <p className="empty-state-text">Every word must be on the same page; quoted words must follow each other. Try fewer words, or other ones.</p>
        </div>
      )}
      {current.state === 'ready' && current.hits.length > 0 && <HitList roomId={roomId} q={q} results={current} onMore={() => void loadMore()} />}
    </section>
  );
}

function HitList({ roomId, q, results, onMore }: { roomId: string; q: string; results: Extract<Results, { state: 'ready' }>; onMore: () => void }) {
  const groups = byDocument(results.hits);
  const pages = groups.reduce((n, g) => n + g.hits.length, 0);
  return (
    <>
      <p className="section-help" role="status">
        {pages === 1 ? '1 page' : `${pages} pages`} in {groups.length === 1 ? '1 document' : `${groups.length} documents`}
        {results.nextCursor ? ' so far, best first.' : ', best first.'}
      </p>
      {results.broad && (
        <p className="alert alert-warning search-broad" role="note">
          So many pages hold these words that only the most recently indexed of them were ranked. Add a word to find the best of all.
        </p>
      )}
      <ol className="search-results">
        {groups.map((g) => (
          <li key={g.documentId} className="search-result">
            <h3 className="search-result-title" id={`search-doc-${g.documentId}`}>
              <span className="folder-index">{g.index}</span> {g.title}
            </h3>
            <ul className="search-hits" aria-labelledby={`search-doc-${g.documentId}`}>
              {g.hits.map((hit) => (
                <li key={hit.page}>
                  <Link href={hitPath(roomId, hit, q)} className="search-hit">
                    <span className="search-hit-page">page {hit.page}</span>
                    <span className="search-hit-snippet"><MarkedSnippet snippet={hit.snippet} highlights={hit.highlights} /></span>
                  </Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {(results.nextCursor || results.moreError) && (
        <div className="list-footer">
          {results.moreError && <p role="alert" className="alert alert-error">{results.moreError}</p>}
          {results.nextCursor && (
            <button type="button" className="button button-secondary" onClick={onMore} aria-disabled={results.more === 'loading' || undefined}>
              {results.more === 'loading' ? 'Loading more results…' : 'More results'}
            </button>
          )}
        </div>
      )}
    </>
  );
}
