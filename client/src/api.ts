/**
 * A small fetch wrapper for the Gatehouse API (same origin, JSON, cookie session).
 *
 * - Every error response has the shape {"error":{"code","message"}} and is thrown as an ApiError.
 * - Every state-changing request (anything but GET/HEAD) except login carries X-CSRF-Token; the token
 *   is fetched from GET /api/auth/csrf on first need and cached until the session changes.
 * - A 401 on any request other than login / the initial session probe is reported to the listener
 *   set with onUnauthorized, so the app can return to sign-in.
 */

export interface User {
  id: string;
  email: string;
  name: string;
  orgId: string;
  role: string;
}

export interface Room {
  id: string;
  name: string;
  codeName: string;
  status: string;
  entityIds: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** Leave out the CSRF header (only login, which has no session yet). */
  noCsrf?: boolean;
  /** A 401 is an expected answer here: do not report it as an expired session. */
  quiet401?: boolean;
  signal?: AbortSignal;
}

let csrfToken: string | null = null;
let unauthorizedListener: (() => void) | null = null;

/** Called whenever the server answers 401 to a request that needed a session. */
export function onUnauthorized(listener: (() => void) | null): void {
  unauthorizedListener = listener;
}

/** Forget the cached CSRF token (the session it belonged to is gone or was replaced). */
export function resetCsrf(): void {
  csrfToken = null;
}

async function fetchCsrfToken(): Promise<string> {
  const { token } = await request<{ token: string }>('GET', '/api/auth/csrf');
  csrfToken = token;
  return token;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || 'The request failed.';
  try {
    const data = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (data?.error) {
      if (typeof data.error.code === 'string') code = data.error.code;
      if (typeof data.error.message === 'string') message = data.error.message;
    }
  } catch {
    if (res.status >= 500) message = 'The server could not handle the request. Please try again.';
  }
  return new ApiError(res.status, code, message);
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const needsCsrf = method !== 'GET' && !options.noCsrf;
  if (needsCsrf) headers['X-CSRF-Token'] = csrfToken ?? (await fetchCsrfToken());

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }

  if (res.ok) {
    if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const error = await errorOf(res);
  if (res.status === 401) {
    resetCsrf();
    if (!options.quiet401) unauthorizedListener?.();
  } else if (res.status === 403 && error.code === 'csrf' && needsCsrf && !retried) {
    // The cached token belonged to an earlier session: fetch a fresh one and try once more.
    resetCsrf();
    return request<T>(method, path, options, true);
  }
  throw error;
}

export const api = {
  /** The signed-in user, or null when there is no session. */
  async me(signal?: AbortSignal): Promise<User | null> {
    try {
      return await request<User>('GET', '/api/me', { quiet401: true, signal });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },

  async login(email: string, password: string): Promise<User> {
    resetCsrf();
    const { user } = await request<{ user: User }>('POST', '/api/auth/login', {
      body: { email, password },
      noCsrf: true,
      quiet401: true,
    });
    resetCsrf(); // the session was (re)established: its token is new
    return user;
  },

  async logout(): Promise<void> {
    try {
      await request<void>('POST', '/api/auth/logout', { quiet401: true });
    } finally {
      resetCsrf();
    }
  },

  rooms(options: { cursor?: string; signal?: AbortSignal } = {}): Promise<Page<Room>> {
    const query = options.cursor ? '?cursor=' + encodeURIComponent(options.cursor) : '';
    return request<Page<Room>>('GET', '/api/rooms' + query, { signal: options.signal });
  },
};
