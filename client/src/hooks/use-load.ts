import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api.js';

export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError | Error } | { state: 'ready'; data: T };

/**
 * Loads data for a view and reloads it on demand. A 401 is left to the app (it returns to sign-in);
 * an answer that arrives after the view moved on is dropped.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => (s.state === 'ready' ? s : { state: 'loading' }));
    load(controller.signal)
      .then((data) => !controller.signal.aborted && setState({ state: 'ready', data }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ state: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, reload];
}
