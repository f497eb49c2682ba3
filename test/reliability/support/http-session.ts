/**
 * A caller of a running server over real HTTP (fetch, keep-alive): either a bearer token or a cookie
 * session with its CSRF token. Each request is bounded in time; the body is always read to the end.
 */
export interface HttpSession {
  base: string;
  get(path: string): Promise<Answer>;
  post(path: string, body: object): Promise<Answer>;
  upload(path: string, file: { data: Buffer; name: string }, fields: Record<string, string>): Promise<Answer>;
  withBase(base: string): HttpSession;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  bytes: number;
}

const TIMEOUT_MS = 120_000;

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const data = Buffer.from(await res.arrayBuffer());
  const json = (res.headers.get('content-type') ?? '').includes('application/json');
  return { status: res.status, headers: res.headers, body: json && data.length ? JSON.parse(data.toString('utf8')) : null, bytes: data.length };
}

function session(base: string, auth: Record<string, string>, writeHeaders: Record<string, string>): HttpSession {
  return {
    base,
    get: (path) => send(base + path, { headers: auth }),
    post: (path, body) => send(base + path, { method: 'POST', headers: { ...auth, ...writeHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    upload: (path, file, fields) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(file.data)]), file.name);
      return send(base + path, { method: 'POST', headers: { ...auth, ...writeHeaders }, body: form });
    },
    withBase: (other) => session(other, auth, writeHeaders),
  };
}

export const bearerSession = (base: string, token: string): HttpSession => session(base, { authorization: `Bearer ${token}` }, {});

/** Signs in over HTTP: the session cookie, then the CSRF token that writes must carry. */
export async function cookieSession(base: string, email: string, password: string): Promise<HttpSession> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login of ${email} answered ${login.status}: ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = await send(`${base}/api/auth/csrf`, { headers: { cookie } });
  return session(base, { cookie }, { 'x-csrf-token': csrf.body.token });
}
