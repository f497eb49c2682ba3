import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api.js';

export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError | Error } | { state: 'ready'; data: T };

/**
 * Loads data for a view and reloads it on demand. A 401 is left to the app (it returns to sign-in);
 * an answer that arrives after the view moved on is dropped.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: Array<string | number | boolean | null | undefined>): [Load<T>, () => void] {
  const [attempt, setAttempt] = useState(0);
  // One key per load (new deps — ids, flags — or a reload): an answer belongs to the load that asked for it.
  const token = JSON.stringify([...deps, attempt]);
  const [answer, setAnswer] = useState<{ token: string; load: Load<T> } | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal)
      .then((data) => !controller.signal.aborted && setAnswer({ token, load: { state: 'ready', data } }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setAnswer({ token, load: { state: 'error', error: err instanceof Error ? err : new Error(String(err)) } });
      });
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  // While a new load runs, data already shown stays on screen; an error gives way to 'loading'.
  const state: Load<T> = answer && (answer.token === token || answer.load.state === 'ready') ? answer.load : { state: 'loading' };
  return [state, reload];
}
