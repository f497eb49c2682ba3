import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { newPasswordSchema } from './auth/password-policy.js';
import { normaliseCidr } from './security/cidr.js';

/**
 * Every environment variable Gatehouse reads, parsed and validated once.
 * Nothing else in the server reads process.env: tests build a Config directly.
 */
const optionalString = z.string().trim().min(1).optional();

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: optionalString,
  S3_ACCESS_KEY: optionalString,
  S3_SECRET_KEY: optionalString,
  S3_BUCKET: z.string().default('gatehouse'),
  S3_REGION: z.string().default('us-east-1'),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  SELLER_ORG_NAME: z.string().default('Seller Group'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(512 * 1024 * 1024),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  SESSION_MAX_HOURS: z.coerce.number().positive().default(12),
  TRUST_PROXY: z.string().default('false'),
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(50),
  LOGIN_THROTTLE_MINUTES: z.coerce.number().positive().default(15),
  API_TOKEN_TTL_DAYS: z.coerce.number().positive().default(90),
  // Image stamps in flight (each decodes the whole image): per user, and in all (default: the usable cores).
  IMAGE_STAMPS_PER_USER: z.coerce.number().int().positive().default(1),
  IMAGE_STAMPS_TOTAL: z.coerce.number().int().positive().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // 'minimal' exists for test suites (thousands of users, each hash 80 ms at OWASP's cost) and is
  // refused anywhere else: it makes a stolen password hash cheap to guess.
  PASSWORD_HASH_COST: z.enum(['owasp', 'minimal']).default('owasp'),
  NODE_ENV: z.string().optional(),
  // Many processes: every one must sign session cookies with the same key (else DATA_DIR/session-secret).
  SESSION_SECRET: z.string().trim().min(32, 'at least 32 characters').optional(),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().default(25),
  MAINTENANCE_INTERVAL_MINUTES: z.coerce.number().positive().default(60),
  // What the intake of one upload may cost (R7): its time in all, and the memory of each process it runs.
  INTAKE_TIMEOUT_SECONDS: z.coerce.number().positive().default(45),
  INTAKE_MEMORY_MB: z.coerce.number().int().min(128, 'at least 128').default(1024),
  // Search (issue 21): how often a process looks for documents to extract text from, and what one may cost.
  TEXT_INDEX_POLL_SECONDS: z.coerce.number().positive().default(2),
  TEXT_EXTRACTION_TIMEOUT_SECONDS: z.coerce.number().positive().default(600),
  TEXT_OCR_PAGE_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  SEARCH_RANKED_PAGES: z.coerce.number().int().min(100).max(1_000_000).default(500),
  SEARCH_DOCUMENTS_FIRST_FROM: z.coerce.number().int().min(0).default(5_000),
  ORPHAN_GRACE_MINUTES: z.coerce.number().min(0).default(360),
  // The ledger's Ed25519 checkpoint key: PEM (or base64 PKCS#8 DER) in the variable, else a file.
  AUDIT_SIGNING_KEY: optionalString,
  AUDIT_SIGNING_KEY_FILE: optionalString,
  AUDIT_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().positive().default(1000),
  AUDIT_CHECKPOINT_EVERY_MINUTES: z.coerce.number().positive().default(5),
  // Seals users' TOTP seeds: 32 random bytes, base64 — the same in every process (else DATA_DIR/mfa-secret-key).
  MFA_SEALING_KEY: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9+/]{43}=$/.test(v), '32 random bytes in base64 (openssl rand -base64 32)')
    .optional(),
  // Mail (issue 17): links in mails start with PUBLIC_URL; without SMTP_URL mail is written as .eml under DATA_DIR/mail.
  PUBLIC_URL: optionalString,
  SMTP_URL: optionalString,
  // One sender, `Name <address>` or a bare address, on one line: a line break would write headers of
  // its own into every mail, and a second address would change who the mail claims to be from.
  MAIL_FROM: z
    .string()
    .trim()
    .refine((v) => /^(?:(?:"[^"\\\u0000-\u001f\u007f]*"\s*|[^<>\u0000-\u001f\u007f,;"]*)<[^<>\s@,;"]+@[^<>\s@,;"]+>|[^<>\s@,;"]+@[^<>\s@,;"]+)$/.test(v), 'one address, as Name <address@host> or address@host, on one line')
    .default('Gatehouse <no-reply@localhost>'),
  INVITATION_TTL_HOURS: z.coerce.number().positive().default(168),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().positive().default(60),
  MAIL_POLL_SECONDS: z.coerce.number().positive().default(2),
  MAIL_RETRY_MAX_SECONDS: z.coerce.number().positive().max(60, 'at most 60: an outage delays mail by at most a minute once over').default(60),
});

export interface Config {
  /** argon2id's cost (auth/passwords.ts): OWASP's baseline, or the test suites' minimum. */
  passwordHashCost: 'owasp' | 'minimal';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  storage:
    | { driver: 'local' }
    | { driver: 's3'; endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
  admin?: { email: string; password: string };
  sellerOrgName: string;
  maxUploadBytes: number;
  session: { idleMs: number; absoluteMs: number; secureCookie: boolean };
  /**
   * Failed sign-ins within the window: on one account from one IP before growing delays begin, and
   * from one IP across all accounts before 429 rate_limited.
   */
  loginThrottle: { maxPerAccountAndIp: number; maxPerIp: number; windowMs: number };
  /** How long an API token works after it is minted. */
  apiTokenTtlMs: number;
  /**
   * Image stamps in flight at once, per user and in all: stamping decodes the whole image, so these
   * bound the memory image deliveries take (a 100-megapixel image is ~400 MB while stamped).
   */
  imageStamps: { perUser: number; total: number };
  /** express "trust proxy" setting: false, a hop count, or the proxies' addresses, ranges or names. */
  trustProxy: false | number | string[];
  logLevel: string;
  /** Signs session cookies; when absent, a key kept in DATA_DIR (fine for one machine). */
  sessionSecret?: string;
  /** On SIGTERM, how long requests in flight may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** The periodic sweeps (orphan objects, expired sessions), and how old an unreferenced object must be to go. */
  maintenance: { intervalMs: number; orphanGraceMs: number };
  /**
   * The budget of one upload's intake (qpdf, LibreOffice, the rendition build): an answer within
   * its time, and each process it runs capped at its memory.
   */
  intake: { timeoutMs: number; memoryBytes: number };
  /** Search: the background text extraction (poll interval, a document's budget, one OCR page's, each child process's memory). */
  textIndex: { pollMs: number; documentTimeoutMs: number; ocrPageTimeoutMs: number; memoryBytes: number };
  /**
   * The most pages one search ranks. A word on most pages of a large room ("agreement") matches a
   * hundred thousand of them, and scoring every match (bm25, ts_rank_cd) takes a quarter of a second
   * or more however the rest is done, for words that say little on their own. When more of the
   * caller's pages match, the most recently indexed of them are ranked and the answer says so
   * (`broad`), so the searcher knows to add a word (server/search/text-index.ts).
   */
  search: { rankedPages: number; documentsFirstFrom: number };
  /**
   * Signed ledger checkpoints: the key never lives in the database (an environment variable, or a
   * file under DATA_DIR created on first start), and a checkpoint is written every N events or M minutes.
   */
  audit: { signingKey?: string; signingKeyFile: string; checkpointEveryEvents: number; checkpointEveryMs: number };
  /** The key that seals TOTP seeds; without it, a key kept in DATA_DIR/mfa-secret-key. */
  mfaSealingKey?: Buffer;
  /**
   * Mail: the base of every link, the SMTP server (none: .eml files under DATA_DIR/mail), the sender,
   * how long invitation and reset links work, how often the outbox is polled and the longest wait
   * between two tries of one mail.
   */
  mail: {
    publicUrl: string;
    smtpUrl?: string;
    from: string;
    invitationTtlMs: number;
    passwordResetTtlMs: number;
    pollMs: number;
    retryMaxMs: number;
  };
}

/** Every environment variable Gatehouse reads (docs/deploy.md documents each one). */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${fields}`);
  }
  const e = parsed.data;
  if (e.PASSWORD_HASH_COST === 'minimal' && e.NODE_ENV !== 'test') {
    throw new ConfigError('PASSWORD_HASH_COST=minimal is for test suites only (NODE_ENV=test): it makes stolen password hashes cheap to guess');
  }
  let storage: Config['storage'] = { driver: 'local' };
  if (e.STORAGE_DRIVER === 's3') {
    if (!e.S3_ENDPOINT || !e.S3_ACCESS_KEY || !e.S3_SECRET_KEY) {
      throw new ConfigError('STORAGE_DRIVER=s3 needs S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY');
    }
    storage = {
      driver: 's3',
      endpoint: e.S3_ENDPOINT,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
    };
  }
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD go together');
  }
  // The first admin's password meets the policy every other password meets.
  const adminPassword = e.ADMIN_PASSWORD === undefined ? undefined : newPasswordSchema.safeParse(e.ADMIN_PASSWORD);
  if (adminPassword && !adminPassword.success) {
    throw new ConfigError(`invalid configuration: ADMIN_PASSWORD: ${adminPassword.error.issues.map((i) => i.message).join('; ')}`);
  }
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    storage,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    sellerOrgName: e.SELLER_ORG_NAME,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    session: {
      idleMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SESSION_MAX_HOURS * 3_600_000,
      // Behind a TLS-terminating proxy the cookie must be Secure; on plain loopback it cannot be.
      // SESSION_COOKIE_SECURE overrides (e.g. a proxy on plain HTTP in a test rig).
      secureCookie: e.SESSION_COOKIE_SECURE ? e.SESSION_COOKIE_SECURE === 'true' : trustProxy !== false,
    },
    loginThrottle: {
      maxPerAccountAndIp: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
      windowMs: e.LOGIN_THROTTLE_MINUTES * 60_000,
    },
    apiTokenTtlMs: e.API_TOKEN_TTL_DAYS * 86_400_000,
    imageStamps: {
      perUser: e.IMAGE_STAMPS_PER_USER,
      // One per core, at most four: each may hold a decoded 100-megapixel image (~400 MB).
      total: e.IMAGE_STAMPS_TOTAL ?? Math.max(1, Math.min(4, os.availableParallelism())),
    },
    trustProxy,
    logLevel: e.LOG_LEVEL,
    passwordHashCost: e.PASSWORD_HASH_COST,
    sessionSecret: e.SESSION_SECRET,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    maintenance: { intervalMs: e.MAINTENANCE_INTERVAL_MINUTES * 60_000, orphanGraceMs: e.ORPHAN_GRACE_MINUTES * 60_000 },
    intake: { timeoutMs: e.INTAKE_TIMEOUT_SECONDS * 1000, memoryBytes: e.INTAKE_MEMORY_MB * 1024 * 1024 },
    search: { rankedPages: e.SEARCH_RANKED_PAGES, documentsFirstFrom: e.SEARCH_DOCUMENTS_FIRST_FROM },
    textIndex: { pollMs: e.TEXT_INDEX_POLL_SECONDS * 1000, documentTimeoutMs: e.TEXT_EXTRACTION_TIMEOUT_SECONDS * 1000, ocrPageTimeoutMs: e.TEXT_OCR_PAGE_TIMEOUT_SECONDS * 1000, memoryBytes: e.INTAKE_MEMORY_MB * 1024 * 1024 },
    audit: {
      signingKey: e.AUDIT_SIGNING_KEY,
      signingKeyFile: path.resolve(e.AUDIT_SIGNING_KEY_FILE ?? path.join(e.DATA_DIR, 'audit-signing-key.pem')),
      checkpointEveryEvents: e.AUDIT_CHECKPOINT_EVERY_EVENTS,
      checkpointEveryMs: e.AUDIT_CHECKPOINT_EVERY_MINUTES * 60_000,
    },
    mfaSealingKey: e.MFA_SEALING_KEY ? Buffer.from(e.MFA_SEALING_KEY, 'base64') : undefined,
    mail: {
      publicUrl: parsePublicUrl(e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`),
      smtpUrl: e.SMTP_URL ? parseSmtpUrl(e.SMTP_URL) : undefined,
      from: e.MAIL_FROM,
      invitationTtlMs: e.INVITATION_TTL_HOURS * 3_600_000,
      passwordResetTtlMs: e.PASSWORD_RESET_TTL_MINUTES * 60_000,
      pollMs: e.MAIL_POLL_SECONDS * 1000,
      retryMaxMs: e.MAIL_RETRY_MAX_SECONDS * 1000,
    },
  };
}

/** The base of every link in a mail: an http(s) origin with an optional path, no query or fragment. */
function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`invalid configuration: PUBLIC_URL: ${JSON.stringify(value)} is not a URL (e.g. https://dataroom.example.com)`);
  }
  // A bare "?" or "#" leaves search and hash empty, but the links built on it would still carry it
  // (PUBLIC_URL/#/invitation#token=…): the text itself must hold neither.
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password || /[?#]/.test(value)) {
    throw new ConfigError('invalid configuration: PUBLIC_URL: an http(s) address without credentials, query or fragment');
  }
  return url.toString().replace(/\/$/, '');
}

/** smtp:// (STARTTLS when offered) or smtps:// (implicit TLS), as nodemailer reads them. */
function parseSmtpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('invalid configuration: SMTP_URL: not a URL (e.g. smtp://user:pass@mail.example.com:587)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ConfigError('invalid configuration: SMTP_URL: smtp:// or smtps://');
  if (!url.hostname) throw new ConfigError('invalid configuration: SMTP_URL: names no host');
  return value;
}

/** The names express (proxy-addr) gives to address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Whose X-Forwarded-For to believe. `true` would believe every hop, so any client could write its
 * own address into the header and walk past IP allow-lists, login throttling and the ledger's record
 * of where a request came from: only a hop count or the proxies' own addresses are accepted.
 */
function parseTrustProxy(value: string): Config['trustProxy'] {
  const v = value.trim();
  if (v === 'false' || v === '' || v === '0') return false;
  if (v.toLowerCase() === 'true') {
    throw new ConfigError(
      'invalid configuration: TRUST_PROXY: "true" would trust an X-Forwarded-For any client can forge; give the number of proxies in front of Gatehouse (e.g. 1) or their addresses (e.g. loopback or 10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v.split(',').map((entry) => entry.trim());
  // An address in its full form (node's isIP): ipaddr.js alone would also read "1.5" as 1.0.0.5.
  const isRange = (entry: string) => isIP(entry.split('/')[0]!) !== 0 && normaliseCidr(entry) !== null;
  const bad = entries.filter((entry) => !PROXY_RANGE_NAMES.has(entry) && !isRange(entry));
  if (bad.length > 0) {
    throw new ConfigError(
      `invalid configuration: TRUST_PROXY: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not a hop count, an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`,
    );
  }
  return entries;
}
