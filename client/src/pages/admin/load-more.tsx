import type { CursorList } from './use-cursor-list.js';

/** The foot of a paged list: "Load more" while the server has more, and why a page failed. */
export function LoadMore<T>({ list, what }: { list: CursorList<T>; what: string }) {
  if (!list.hasMore && !list.moreError) return null;
  return (
    <div className="list-footer">
      {list.moreError && <p role="alert" className="alert alert-error">{list.moreError}</p>}
      {list.hasMore && (
        <button type="button" className="button button-secondary" onClick={list.loadMore} aria-disabled={list.loadingMore || undefined}>
          {list.loadingMore ? 'Loading…' : `Load more ${what}`}
        </button>
      )}
    </div>
  );
}
