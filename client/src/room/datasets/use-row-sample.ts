import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../../api.js';
import { datasetApi, MAX_ROWS_PER_REQUEST } from './dataset-api.js';

/**
 * Rows read for the column editor at a time. Each /rows request reads the stored file from the top
 * (and is recorded as a view), so a large sheet is sampled, not read whole: the values found so far
 * are shown with their counts, and the manager may read on.
 */
export const SAMPLE_STEP = 5000;

export interface RowSample {
  columns: string[];
  rows: string[][];
  /** The sheet's rows (the deal team's copy holds them all); null until the first page answers. */
  total: number | null;
  loading: boolean;
  error: Error | null;
  /** Every row of the sheet has been read: counts are exact. */
  complete: boolean;
  /** Reads SAMPLE_STEP more rows. */
  readMore: () => void;
}

interface Loaded {
  key: string;
  columns: string[];
  rows: string[][];
  total: number | null;
  error: Error | null;
}

/** The first rows of a sheet as the deal team reads them (every row, every column as stored); nothing while `sheet` is null. */
export function useRowSample(documentId: string, sheet: string | null): RowSample {
  const key = `${documentId}\u0000${sheet ?? ''}`;
  const [wanted, setWanted] = useState({ key, rows: SAMPLE_STEP });
  const target = wanted.key === key ? wanted.rows : SAMPLE_STEP;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  // What has been read so far, for the next effect to go on from (the state is for rendering).
  const progress = useRef<Loaded | null>(null);

  useEffect(() => {
    if (sheet === null) return;
    const controller = new AbortController();
    const read = async () => {
      let current: Loaded = progress.current?.key === key ? { ...progress.current, error: null } : { key, columns: [], rows: [], total: null, error: null };
      while (current.rows.length < target && (current.total === null || current.rows.length < current.total)) {
        const limit = Math.min(MAX_ROWS_PER_REQUEST, target - current.rows.length);
        const page = await datasetApi.rows(documentId, { sheet, offset: current.rows.length, limit }, controller.signal);
        if (controller.signal.aborted) return;
        current = { ...current, columns: page.columns, rows: current.rows.concat(page.rows), total: page.total };
        // A page shorter than asked ends the sheet, whatever the total said.
        if (page.rows.length < limit) current.total = current.rows.length;
        progress.current = current;
        setLoaded(current);
      }
    };
    read().catch((err: unknown) => {
      if (controller.signal.aborted || (err instanceof ApiError && err.status === 401)) return;
      const base = progress.current?.key === key ? progress.current : { key, columns: [], rows: [], total: null };
      setLoaded({ ...base, error: err instanceof Error ? err : new Error(String(err)) });
    });
    return () => controller.abort();
  }, [documentId, sheet, key, target]);

  const readMore = useCallback(() => setWanted((w) => ({ key, rows: (w.key === key ? w.rows : SAMPLE_STEP) + SAMPLE_STEP })), [key]);
  const current = loaded?.key === key ? loaded : null;
  const read = current?.rows.length ?? 0;
  const total = current?.total ?? null;
  const complete = total !== null && read >= total;
  return {
    columns: current?.columns ?? [],
    rows: current?.rows ?? [],
    total,
    error: current?.error ?? null,
    loading: sheet !== null && !current?.error && (total === null || (read < total && read < target)),
    complete,
    readMore,
  };
}

/** How many rows of the sample hold each value of one column, most frequent first. */
export function valueCounts(sample: Pick<RowSample, 'columns' | 'rows'>, column: string): Array<{ value: string; rows: number }> {
  const at = sample.columns.indexOf(column);
  if (at < 0) return [];
  const counts = new Map<string, number>();
  for (const row of sample.rows) {
    const v = row[at] ?? '';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([value, rows]) => ({ value, rows })).sort((a, b) => b.rows - a.rows || a.value.localeCompare(b.value));
}
