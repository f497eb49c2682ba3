import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api.js';
import { datasetApi, type ColumnTreatment } from './dataset-api.js';

/** Rows per request of the grid viewer. */
export const PAGE_ROWS = 200;
/** Pages kept in memory: enough to scroll back and forth without asking again, bounded for a million-row sheet. */
const CACHED_PAGES = 40;
/** How long the range must stay before its pages are asked for: dragging the scrollbar across a sheet asks for nothing on the way. */
const SETTLE_MS = 80;

export interface RowPages {
  columns: string[] | null;
  /** Rows of the caller's copy of the sheet; null until the first page answers. */
  total: number | null;
  /** A row of the copy, or undefined while its page is on its way. */
  rowAt: (index: number) => string[] | undefined;
  /** The rows of the first page that answered, kept whatever is evicted later: what the copy looks like. */
  sample: string[][] | null;
  /** What was done to each column, as the first page that answered says. */
  treatments: Record<string, ColumnTreatment> | null;
  /** The sheets of the caller's copy, as the first page that answered says. */
  sheets: string[] | null;
  /** Pages of the visible range still on their way. */
  busy: boolean;
  error: Error | null;
  retry: () => void;
}

/**
 * The pages of one sheet a virtualised grid shows, fetched as the visible range (`first`–`last`,
 * row indexes) moves: cached once answered, and requests for pages scrolled away from aborted
 * before they answer. One hook per sheet: key the grid by its sheet.
 */
export function useRowPages(documentId: string, sheet: string | undefined, first: number, last: number): RowPages {
  const [pages, setPages] = useState<ReadonlyMap<number, string[][]>>(() => new Map());
  const [meta, setMeta] = useState<{ columns: string[]; total: number } | null>(null);
  const [sample, setSample] = useState<string[][] | null>(null);
  const [treatments, setTreatments] = useState<Record<string, ColumnTreatment> | null>(null);
  const [sheets, setSheets] = useState<string[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [attempt, setAttempt] = useState(0);
  const inFlight = useRef(new Map<number, AbortController>());
  const cached = useRef(new Set<number>());

  // Past the end of the copy there is nothing to ask for (before the first answer, the range guesses).
  const lastRow = meta ? Math.min(last, meta.total - 1) : last;
  const firstPage = Math.floor(Math.max(0, first) / PAGE_ROWS);
  const lastPage = Math.max(firstPage, Math.floor(Math.max(0, lastRow) / PAGE_ROWS));

  useEffect(() => {
    const wanted = new Set<number>();
    for (let p = firstPage; p <= lastPage; p++) wanted.add(p);
    // Scrolled away: what is still on its way for pages out of view is not needed any more.
    for (const [p, controller] of inFlight.current) {
      if (!wanted.has(p)) {
        controller.abort();
        inFlight.current.delete(p);
      }
    }
    const timer = setTimeout(() => {
      for (const p of wanted) {
        if (cached.current.has(p) || inFlight.current.has(p)) continue;
        const controller = new AbortController();
        inFlight.current.set(p, controller);
        datasetApi
          .rows(documentId, { sheet, offset: p * PAGE_ROWS, limit: PAGE_ROWS }, controller.signal)
          .then((answer) => {
            if (controller.signal.aborted) return;
            inFlight.current.delete(p);
            cached.current.add(p);
            setMeta((m) => (m && m.total === answer.total && m.columns.join('\u0000') === answer.columns.join('\u0000') ? m : { columns: answer.columns, total: answer.total }));
            setSample((s) => s ?? answer.rows);
            setTreatments((t) => t ?? answer.treatments ?? null);
            setSheets((s) => s ?? answer.sheets ?? null);
            setPages((before) => {
              const next = new Map(before);
              next.set(p, answer.rows);
              // Beyond the bound, the pages farthest from this one go first.
              const evictable = [...next.keys()].filter((k) => k !== p).sort((a, b) => Math.abs(b - p) - Math.abs(a - p));
              while (next.size > CACHED_PAGES && evictable.length) {
                const k = evictable.shift()!;
                next.delete(k);
                cached.current.delete(k);
              }
              return next;
            });
          })
          .catch((err: unknown) => {
            if (controller.signal.aborted) return;
            inFlight.current.delete(p);
            if (err instanceof ApiError && err.status === 401) return; // the app returns to sign-in
            setError(err instanceof Error ? err : new Error(String(err)));
          });
      }
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [documentId, sheet, firstPage, lastPage, attempt]);

  // Leaving the grid: nothing it asked for is needed any more.
  useEffect(() => {
    const requests = inFlight.current;
    return () => {
      for (const controller of requests.values()) controller.abort();
      requests.clear();
    };
  }, []);

  const rowAt = useCallback((index: number) => pages.get(Math.floor(index / PAGE_ROWS))?.[index % PAGE_ROWS], [pages]);
  const retry = useCallback(() => {
    setError(null);
    setAttempt((n) => n + 1);
  }, []);
  let busy = false;
  for (let p = firstPage; p <= lastPage && !busy; p++) busy = !pages.has(p);
  return { columns: meta?.columns ?? null, total: meta?.total ?? null, rowAt, sample, treatments, sheets, busy: busy && !error, error, retry };
}
