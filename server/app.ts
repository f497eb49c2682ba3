import { ImageStampSlots } from './downloads/image-stamp-slots.js';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type Request, type RequestHandler } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Deps } from './service-context.js';
import { errorHandler, notFound, unauthenticated } from './errors.js';
import { createPassport } from './auth/passport.js';
import { usePasswordHashCost } from './auth/passwords.js';
import { DbSessionStore } from './auth/session-store.js';
import { requireCsrfToken } from './auth/csrf.js';
import { rejectHostileInput } from './security/hostile-input.js';
import { sessionSecretOf } from './security/session-secret.js';
import { authRouter } from './auth/routes.js';
import { orgsRouter } from './orgs/routes.js';
import { usersRouter } from './users/routes.js';
import { entitiesRouter } from './entities/routes.js';
import { roomsRouter } from './rooms/routes.js';
import { partiesRouter } from './parties/routes.js';
import { ndasRouter } from './ndas/routes.js';
import { foldersRouter } from './folders/routes.js';
import { publishingRouter } from './publishing/routes.js';
import { documentsRouter } from './documents/routes.js';
import { datasetsRouter } from './datasets/routes.js';
import { grantsRouter } from './grants/routes.js';
import { traceRouter } from './trace/routes.js';
import { auditRouter } from './audit/routes.js';
import { disclosuresRouter } from './disclosures/routes.js';
import { accessRouter } from './access/routes.js';
import { openApiDocument } from './openapi/openapi-document.js';
import { ipAllowlistsRouter } from './ip-allowlists/routes.js';
import { roomSettingsRouter } from './room-settings/routes.js';
import { healthRouter, type Lifecycle } from './health/routes.js';
import { refusalRecorder } from './ledger/record.js';
import { accountLinksRouter } from './account-links/routes.js';
import { mailRouter } from './mail/routes.js';
import { folderDownloadsRouter } from './folder-downloads/routes.js';
import { importsRouter } from './imports/routes.js';
import { questionsRouter } from './questions/routes.js';
import { searchRouter } from './search/routes.js';
import { certificationsRouter } from './certifications/routes.js';
import { archivesRouter } from './archives/routes.js';
import { purgeRouter } from './purge/routes.js';
import { engagementRouter } from './engagement/routes.js';

const CLIENT_DIST = fileURLToPath(new URL('../client/dist', import.meta.url));
export const SESSION_COOKIE = 'gatehouse.sid';

/** Routes anyone may call; everything else under /api needs an authenticated caller. */
const PUBLIC_API = new Set([
  'POST /api/auth/login',
  'POST /api/auth/invitation/accept',
  'POST /api/auth/password/forgot',
  'POST /api/auth/password/reset',
  'GET /api/health',
  'GET /api/health/ready',
  'GET /api/openapi.json',
]);

/** Builds the express app; never listens (supertest drives it, index.ts serves it). */
export function createApp(given: Omit<Deps, 'imageStampSlots'> & Partial<Pick<Deps, 'imageStampSlots'>> & { logger: Logger; lifecycle?: Lifecycle }) {
  // One set of slots per app, not per module: all requests of this app share its caps, and each
  // test's app gets its own (or the one the test passes in).
  const deps = { ...given, imageStampSlots: given.imageStampSlots ?? new ImageStampSlots(given.config.imageStamps) };
  const { db, config, logger } = deps;
  usePasswordHashCost(config.passwordHashCost);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'frame-ancestors': ["'none'"],
          'object-src': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
      crossOriginEmbedderPolicy: false,
      // Nothing of Gatehouse is ever framed (clickjacking): X-Frame-Options for browsers without CSP 3.
      frameguard: { action: 'deny' },
    }),
  );
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        // A load balancer's request id, when it sends a sane one, ties its logs to ours.
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/api/health' || req.url === '/api/health/ready' },
      // A data subject's question carries their identifier in the query: it never reaches the logs.
      serializers: { req: (r: { url?: string; query?: unknown }) => (r.url && /\/disclosures\/subjects(\?|$)/.test(r.url) ? { ...r, url: r.url.replace(/\?.*$/, '?[redacted]'), query: '[redacted]' } : r) },
    }),
  );

  app.use('/api', ((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  }) as RequestHandler);
  app.use(express.json({ limit: '1mb', strict: true }));
  app.use(rejectHostileInput);

  const passport = createPassport(db);
  // A bearer token, when given, is the only credential considered for the request (below), so such
  // a request neither reads nor starts a session: no cookie parsing, no session id, no store lookup.
  // The session routes themselves (sign in, sign out, CSRF token) keep theirs whatever the header.
  const isBearer = (req: Request) => /^Bearer\s/i.test(req.get('authorization') ?? '');
  const unlessBearer = (handler: RequestHandler): RequestHandler => (req, res, next) =>
    isBearer(req) && !req.path.startsWith('/api/auth/') ? next() : handler(req, res, next);
  app.use(unlessBearer(
    session({
      name: SESSION_COOKIE,
      secret: sessionSecretOf(config),
      store: new DbSessionStore(db, config.session.idleMs, config.session.absoluteMs),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'strict', secure: config.session.secureCookie, maxAge: config.session.idleMs, path: '/' },
    }),
  ));
  app.use(passport.initialize());
  app.use(unlessBearer(passport.session()));

  app.use(((req, res, next) => {
    if (!isBearer(req)) return next();
    passport.authenticate('bearer', { session: false }, (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) return next(unauthenticated());
      req.actor = user;
      next();
    })(req, res, next);
  }) as RequestHandler);

  // Sessions end after their absolute lifetime, however active they were.
  app.use(((req, _res, next) => {
    if (req.actor || !req.user) return next();
    const createdAt = (req.session as { createdAt?: string } | undefined)?.createdAt;
    if (!createdAt || Date.parse(createdAt) + config.session.absoluteMs < Date.now()) {
      return req.session.destroy(() => next());
    }
    req.actor = { ...req.user, via: 'session', mfa: Boolean((req.session as { mfa?: boolean }).mfa) };
    next();
  }) as RequestHandler);

  app.use('/api', ((req, _res, next) => {
    if (!req.actor && !PUBLIC_API.has(`${req.method} ${req.baseUrl}${req.path}`)) return next(unauthenticated());
    next();
  }) as RequestHandler);
  app.use(requireCsrfToken);

  app.use(healthRouter(deps));
  const openApi = openApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  for (const router of [
    authRouter(deps, passport),
    accountLinksRouter(deps),
    mailRouter(deps),
    orgsRouter(deps),
    usersRouter(deps),
    entitiesRouter(deps),
    roomsRouter(deps),
    partiesRouter(deps),
    ndasRouter(deps),
    foldersRouter(deps),
    documentsRouter(deps),
    folderDownloadsRouter(deps),
    importsRouter(deps),
    questionsRouter(deps),
    searchRouter(deps),
    publishingRouter(deps),
    datasetsRouter(deps),
    grantsRouter(deps),
    traceRouter(deps),
    auditRouter(deps),
    disclosuresRouter(deps),
    accessRouter(deps),
    ipAllowlistsRouter(deps),
    roomSettingsRouter(deps),
    certificationsRouter(deps),
    archivesRouter(deps),
    purgeRouter(deps),
    engagementRouter(deps),
  ]) {
    app.use(router);
  }
  app.use('/api', ((_req, _res, next) => next(notFound())) as RequestHandler);

  // The web client: static files, and index.html for every other path (client-side routes).
  if (fs.existsSync(CLIENT_DIST)) {
    app.use(express.static(CLIENT_DIST, { index: 'index.html', maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => res.sendFile(path.join(CLIENT_DIST, 'index.html')));
  }

  // Refusals are recorded here, by the one handler every thrown DeniedError reaches.
  app.use(errorHandler(logger, refusalRecorder(db)));
  return app;
}
