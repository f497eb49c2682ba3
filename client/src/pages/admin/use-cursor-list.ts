import { useCallback, useEffect, useState } from 'react';
import { messageOf, type Page } from '../../api.js';
import type { Load } from '../../hooks/use-load.js';

type Dependency = string | number | boolean | null | undefined;

type ReadyList<T> = { key: string; status: 'ready'; items: T[]; nextCursor: string | null; loadingMore: boolean; moreError: string | null };
type ListState<T> = { key: string; status: 'error'; error: Error } | ReadyList<T>;

export interface CursorList<T> {
  /** The pages loaded so far, as one list; while a new filter loads, the previous list stays on screen. */
  load: Load<T[]>;
  /** A next page exists for the list now on screen (never for a stale one: its cursor belongs to another query). */
  hasMore: boolean;
  loadingMore: boolean;
  moreError: string | null;
  loadMore: () => void;
  /** From the first page again (after something was added: it may sort anywhere). */
  reload: () => void;
  /** One item changed in place (a rename): the pages already loaded stay. */
  replace: (item: T) => void;
}

/**
 * A list the server pages with `nextCursor`: the first page for the current filters (`deps`), then
 * "Load more". A cursor is only valid for the query that produced it, so every page is tied to the
 * key of its filters and an answer for an older key is dropped.
 */
export function useCursorList<T extends { id: string }>(
  fetchPage: (cursor: string | null, signal?: AbortSignal) => Promise<Page<T>>,
  deps: Dependency[],
): CursorList<T> {
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify([...deps, generation]);
  const [state, setState] = useState<ListState<T> | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchPage(null, controller.signal)
      .then((page) => {
        if (!controller.signal.aborted) setState({ key, status: 'ready', items: page.items, nextCursor: page.nextCursor, loadingMore: false, moreError: null });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ key, status: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` stands for the filters fetchPage closes over
  }, [key]);

  const current = state?.key === key;
  const load: Load<T[]> =
    state?.status === 'ready' ? { state: 'ready', data: state.items } : state?.status === 'error' && current ? { state: 'error', error: state.error } : { state: 'loading' };
  const ready = state?.status === 'ready' && current ? state : null;

  async function loadMore() {
    if (!ready || !ready.nextCursor || ready.loadingMore) return;
    const cursor = ready.nextCursor;
    // Only the list of this key grows: filters changed meanwhile make the page an answer to nothing.
    const update = (change: (list: ReadyList<T>) => ReadyList<T>) => setState((s) => (s?.key === key && s.status === 'ready' ? change(s) : s));
    update((list) => ({ ...list, loadingMore: true, moreError: null }));
    try {
      const page = await fetchPage(cursor);
      update((list) => ({ ...list, items: [...list.items, ...page.items], nextCursor: page.nextCursor, loadingMore: false }));
    } catch (err) {
      update((list) => ({ ...list, loadingMore: false, moreError: messageOf(err) }));
    }
  }

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const replace = useCallback((item: T) => {
    setState((s) => (s?.status === 'ready' ? { ...s, items: s.items.map((i) => (i.id === item.id ? item : i)) } : s));
  }, []);

  return {
    load,
    hasMore: Boolean(ready?.nextCursor),
    loadingMore: Boolean(ready?.loadingMore),
    moreError: ready?.moreError ?? null,
    loadMore: () => void loadMore(),
    reload,
    replace,
  };
}
