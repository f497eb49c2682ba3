import { SESSION_COOKIE } from '../app.js';

/** A refusal the demo did not expect: the request, the status and the API's error body. */
export class DemoApiError extends Error {}

/**
 * One person signed in to Gatehouse over HTTP, as a browser is: the session cookie, and the CSRF
 * token every write carries. The demo builds its deal through this and nothing else, so each fact
 * passes the same access rule, validation and ledger as a person's would.
 *
 * Every call names the status it expects and throws otherwise: a deal is never left half-built
 * without saying which step was refused and why.
 */
export class DemoApiSession {
  private constructor(
    private readonly baseUrl: string,
    private cookie: string,
    private csrfToken: string,
    readonly user: { id: string; email: string; name: string; orgId: string; role: string },
  ) {}

  static async signIn(baseUrl: string, email: string, password: string): Promise<DemoApiSession> {
    const res = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const body = await readBody(res);
    if (res.status !== 200) throw new DemoApiError(`sign-in of ${email} answered ${res.status}: ${JSON.stringify(body)}`);
    const session = new DemoApiSession(baseUrl, sessionCookieOf(res) ?? '', '', (body as { user: DemoApiSession['user'] }).user);
    session.csrfToken = (await session.get<{ token: string }>('/api/auth/csrf')).token;
    return session;
  }

  get<T>(path: string, expected = 200): Promise<T> {
    return this.send<T>('GET', path, undefined, expected);
  }

  post<T>(path: string, body: object = {}, expected = 201): Promise<T> {
    return this.send<T>('POST', path, JSON.stringify(body), expected, { 'content-type': 'application/json' });
  }

  /** A multipart upload as API.md fixes it: plain form fields (arrays as JSON), the file last in `file`. */
  upload<T>(path: string, file: { data: Uint8Array; name: string; type: string }, fields: Record<string, string | boolean | string[]>, expected = 201): Promise<T> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, Array.isArray(value) ? JSON.stringify(value) : String(value));
    // A copy on an ArrayBuffer of its own: Blob takes no view of a possibly shared buffer.
    form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
    return this.send<T>('POST', path, form, expected);
  }

  private async send<T>(method: string, path: string, body: string | FormData | undefined, expected: number, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...headers, cookie: this.cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': this.csrfToken }) },
      body,
    });
    // Sessions roll: the server may hand out a fresh cookie with any answer.
    this.cookie = sessionCookieOf(res) ?? this.cookie;
    const answer = await readBody(res);
    if (res.status !== expected) {
      throw new DemoApiError(`${method} ${path} as ${this.user.email} answered ${res.status}, not ${expected}: ${JSON.stringify(answer)}`);
    }
    return answer as T;
  }
}

function sessionCookieOf(res: Response): string | undefined {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return cookie?.split(';')[0];
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('application/json')) return text;
  return text ? JSON.parse(text) : null;
}
