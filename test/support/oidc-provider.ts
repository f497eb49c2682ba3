import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID provider (oidc-provider, the certified implementation) in the test process, on
 * 127.0.0.1 at a random port: Gatehouse's SSO is tested against the protocol as a provider speaks it,
 * discovery, JWKS, PKCE, the token endpoint and all — never a mock.
 *
 * Its login page is a plain form a browser (or `signIn` below) fills in:
 *   GET  /interaction/:uid          the form: input[name=login] (email or sub), input[name=password],
 *                                   button#sign-in "Sign in", button#cancel "Cancel"
 *   POST /interaction/:uid/login    signs the account in (the password is checked only for accounts that have one)
 *   POST /interaction/:uid/abort    the user cancels: the RP gets error=access_denied
 * Consent is never asked (every client is first-party here).
 *
 * What an attack test needs that an honest provider never does is one call away: `tamperNextIdToken`
 * rewrites the claims of the next ID token the token endpoint issues (another audience, another
 * nonce, another issuer, timestamps in the future or the past) and re-signs it with the provider's
 * own key — or with a foreign key, for a forged signature. `clockSkew` shifts every ID token's
 * timestamps as a provider whose clock is off would.
 */

export interface OidcAccount {
  sub: string;
  email: string;
  email_verified?: unknown;
  name?: string;
  /** When set, the login form must be given this password; otherwise any password (or none) signs in. */
  password?: string;
  /** The `amr` of this account's sign-ins (defaults to the provider's `amr`). */
  amr?: string[];
  /** Further claims for the ID token. */
  claims?: Record<string, unknown>;
}

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface IdTokenTamper {
  /** Changes the decoded claims (return them, changed). */
  claims?: (claims: Record<string, unknown>) => Record<string, unknown>;
  /** Sign with a key the provider never published (the `kid` stays the same): a forged token. */
  foreignKey?: boolean;
}

export interface OidcProviderFixture {
  /** http://127.0.0.1:<port> — the issuer identifier, as discovery will report it. */
  issuer: string;
  port: number;
  /** The accounts by sub; change or add freely between tests (setAccount). */
  accounts: Map<string, OidcAccount>;
  setAccount(account: OidcAccount): void;
  /** The default `amr` of sign-ins (an account's own `amr` wins). */
  amr: string[] | undefined;
  /** Seconds added to iat, exp, auth_time (and nbf) of every ID token: a provider with a wrong clock. */
  clockSkew: number;
  /** Rewrite (and re-sign) the next ID token the token endpoint issues; once. */
  tamperNextIdToken(tamper: IdTokenTamper): void;
  /** Every ID token the token endpoint issued, as sent (after any tampering), decoded. */
  issuedIdTokens: Array<Record<string, unknown>>;
  /** Adds a client (another relying party of the same provider). */
  addClient(client: OidcClient): void;
  /**
   * Plays the browser on the provider's side, without a browser: follows `authorizationUrl` to the
   * login form, signs in as `login` (email or sub), and answers the URL the provider redirects back
   * to (the relying party's callback with `code` and `state`, or `error`). `cancel` presses Cancel.
   */
  signIn(authorizationUrl: string, login: string, opts?: { password?: string; cancel?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

export interface OidcProviderOptions {
  clients: OidcClient[];
  accounts?: OidcAccount[];
  amr?: string[];
  clockSkew?: number;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const decodeJwt = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

const clientMetadata = (c: OidcClient) => ({
  client_id: c.clientId,
  client_secret: c.clientSecret,
  redirect_uris: c.redirectUris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProviderFixture> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'RS256', use: 'sig' };
  const signingKey = createPrivateKey({ key: jwk as never, format: 'jwk' });

  const accounts = new Map<string, OidcAccount>((options.accounts ?? []).map((a) => [a.sub, a]));
  const extraClients = new Map<string, OidcClient>();
  const tampers: IdTokenTamper[] = [];
  const issuedIdTokens: Array<Record<string, unknown>> = [];

  const findByLogin = (login: string) => accounts.get(login) ?? [...accounts.values()].find((a) => a.email.toLowerCase() === login.trim().toLowerCase());

  const fixture: OidcProviderFixture = {
    issuer,
    port,
    accounts,
    setAccount: (a) => void accounts.set(a.sub, a),
    amr: options.amr,
    clockSkew: options.clockSkew ?? 0,
    tamperNextIdToken: (t) => void tampers.push(t),
    issuedIdTokens,
    addClient: (c) => {
      // The static client list is read at construction; later ones are found by Client.find below.
      extraClients.set(c.clientId, c);
    },
    signIn: (url, login, opts) => driveSignIn(url, login, opts),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const provider = new Provider(issuer, {
    clients: options.clients.map(clientMetadata),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub', 'amr', 'acr', 'auth_time', 'sid'], email: ['email', 'email_verified'], profile: ['name'] },
    // The claims go in the ID token itself, as Entra ID, Okta and Keycloak put them for the code flow.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          ...(account.email_verified === undefined ? {} : { email_verified: account.email_verified }),
          ...(account.name ? { name: account.name } : {}),
          ...account.claims,
        }),
      };
    },
    // First-party clients only: the grant is made at once, so no consent page stands in the way.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>Error</title><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p>`;
    },
  } as never);
  // Later clients (addClient) are found by id like the static ones.
  const findClient = (provider.Client.find as (id: string) => ReturnType<typeof provider.Client.find>).bind(provider.Client);
  provider.Client.find = async (id: string) => {
    const extra = extraClients.get(id);
    const ClientClass = provider.Client as unknown as new (metadata: object) => Awaited<ReturnType<typeof findClient>>;
    if (extra) return new ClientClass(clientMetadata(extra));
    return findClient(id);
  };

  // After the token endpoint has answered: clock skew and tampering, re-signed.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string } | undefined;
    if (!body?.id_token) return;
    let claims = decodeJwt(body.id_token);
    const header = JSON.parse(Buffer.from(body.id_token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tamper = tampers.shift();
    if (fixture.clockSkew || tamper) {
      if (fixture.clockSkew) {
        for (const k of ['iat', 'exp', 'auth_time', 'nbf']) if (typeof claims[k] === 'number') claims[k] = (claims[k] as number) + fixture.clockSkew;
      }
      if (tamper?.claims) claims = tamper.claims({ ...claims });
      body.id_token = signJwt(header, claims, tamper?.foreignKey ? foreign : signingKey);
    }
    issuedIdTokens.push(claims);
  });

  const loginPage = (uid: string, message = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test OpenID Provider — sign in</title></head>
<body>
<h1>Test OpenID Provider</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label>Email or username <input name="login" autocomplete="username" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button id="sign-in" type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button id="cancel" type="submit">Cancel</button></form>
</body></html>`;

  const interactions = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const [, , uid, step] = new URL(req.url!, issuer).pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (req.method === 'GET' && !step) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid!));
      return;
    }
    if (req.method === 'POST' && step === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
      return;
    }
    if (req.method === 'POST' && step === 'login') {
      const form = await readForm(req);
      const account = findByLogin(form.get('login') ?? '');
      if (!account || (account.password !== undefined && account.password !== form.get('password'))) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid!, 'Unknown account or wrong password.'));
        return;
      }
      const amr = account.amr ?? fixture.amr;
      await provider.interactionFinished(req, res, { login: { accountId: account.sub, ...(amr ? { amr } : {}) } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(404).end();
  };

  const callback = provider.callback();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interactions(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${(err as Error).message}`);
      });
      return;
    }
    callback(req, res);
  });

  /** A minimal cookie-keeping client of the provider's pages (cookie paths ignored: all go to one host). */
  async function driveSignIn(authorizationUrl: string, login: string, opts: { password?: string; cancel?: boolean } = {}): Promise<URL> {
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = new URL(authorizationUrl);
    let method = 'GET';
    let body: string | undefined;
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== issuer) return url; // back at the relying party
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { cookie: cookie(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
      });
      keep(res);
      method = 'GET';
      body = undefined;
      if (res.status >= 300 && res.status < 400) {
        url = new URL(res.headers.get('location')!, url);
        continue;
      }
      const html = await res.text();
      if (res.status === 200 && url.pathname.startsWith('/interaction/') && html.includes('name="login"')) {
        if (html.includes('role="alert"')) throw new Error(`the provider refused the sign-in of ${login}`);
        const uid = url.pathname.split('/')[2]!;
        method = 'POST';
        if (opts.cancel) {
          url = new URL(`/interaction/${uid}/abort`, issuer);
          body = '';
        } else {
          url = new URL(`/interaction/${uid}/login`, issuer);
          body = new URLSearchParams({ login, password: opts.password ?? '' }).toString();
        }
        continue;
      }
      throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    }
    throw new Error('too many redirects at the provider');
  }

  return fixture;
}
