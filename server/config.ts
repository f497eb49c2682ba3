import path from 'node:path';
import { z } from 'zod';

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
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
  /** express "trust proxy" setting: false, true, a hop count or a list of addresses. */
  trustProxy: boolean | number | string;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${fields}`);
  }
  const e = parsed.data;
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
      secureCookie: trustProxy !== false,
    },
    trustProxy,
    logLevel: e.LOG_LEVEL,
  };
}

function parseTrustProxy(value: string): Config['trustProxy'] {
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
