/*
 * P2 of docs/quality.md: authenticated metadata requests with a bearer token, against a real server
 * process (tsx server/index.ts, SQLite), with autocannon on this machine's loopback. Each request
 * authenticates the token and takes the caller's ability — from the per-actor cache keyed by the
 * database's policy_version, i.e. one query instead of the facts' half-dozen — then answers.
 * Baseline in the same run: unauthenticated GET /api/health (the HTTP stack and nothing else).
 * Figures: GET /api/rooms/:roomId (the room with the external member's NDA status) and
 * GET /api/documents/:documentId (metadata; every read is also appended to the ledger) as an
 * external member of a party covered by an NDA.
 * Runs alone with `npm run bench -- policy`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../server/config.js';
import { createDb, migrateToLatest } from '../server/db.js';
import { createLogger } from '../server/logger.js';
import { createApp } from '../server/app.js';
import { ensureFirstAdmin } from '../server/users/service.js';
import { createObjectStore } from '../storage/create-object-store.js';
import { ADMIN } from '../test/support/test-app.js';
import { buildDeal, PASSWORD } from '../test/support/world.js';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import { median, type BenchFigure } from './bench-figure.js';
import { loadAccess } from '../server/policy/load-access.js';
import { loadAccessFacts } from '../server/policy/access-facts.js';
import { buildAbility } from '../server/policy/ability.js';
import { toActor } from '../server/auth/actor.js';
import { findUserById } from '../server/users/repository.js';

export const name = 'policy';

const SECONDS = Number(process.env.BENCH_P2_SECONDS ?? 10);
const CONNECTIONS = 10;

/** The deal of the API tests, in a data directory the server process then opens; the member's token. */
async function seed() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-p2-'));
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'silent' });
  const db = createDb({ dataDir });
  await migrateToLatest(db);
  await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
  const store = createObjectStore({ driver: 'local', dataDir });
  await store.init();
  const app = createApp({ db, store, config, logger: createLogger('silent') });
  const t = { app, db, store, config, dataDir, close: async () => undefined };
  const deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  const buyer = await deal.login('buyerA');
  const token: string = (await buyer.post('/api/auth/tokens', { name: 'bench', currentPassword: PASSWORD })).body.token;
  const abilityCost = await measureAbilityCost(db, deal.users.buyerA.id);
  await db.destroy();
  return { dataDir, token, roomPath: deal.roomPath, documentId: deal.docs.finance.id, abilityCost };
}

/**
 * The ability of one request, in process: from the cache (the policy_version query) against building
 * it from the facts (their queries and the CASL build) — the baseline the cache is judged against.
 */
async function measureAbilityCost(db: ReturnType<typeof createDb>, userId: string) {
  const actor = toActor((await findUserById(db, userId))!, 'token');
  const time = async (fn: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const start = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(samples);
  };
  const at = () => new Date().toISOString();
  await loadAccess(db, actor, at(), { ip: '127.0.0.1' });
  const cached = await time(() => loadAccess(db, actor, at(), { ip: '127.0.0.1' }));
  const built = await time(async () => buildAbility(await loadAccessFacts(db, actor, at(), { ip: '127.0.0.1' })));
  return { cached, built };
}

interface Measured {
  rps: number;
  requests: number;
  errors: number;
  p99: number;
}

function measure(base: string, pathname: string, token?: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${base}${pathname}`, connections: CONNECTIONS, duration: SECONDS, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (err, r) => {
        if (err) return reject(err);
        resolve({ rps: r.requests.average, requests: r.requests.total, errors: r.errors + r.timeouts + r.non2xx, p99: r.latency.p99 });
      },
    );
  });
}

export async function run(): Promise<BenchFigure[]> {
  const seeded = await seed();
  const server = await startServerProcess({ LOG_LEVEL: 'warn' }, { dataDir: seeded.dataDir });
  try {
    const baseline = await measure(server.base, '/api/health');
    const figures: BenchFigure[] = [];
    for (const [what, pathname] of [
      ['GET /api/rooms/:roomId as an NDA-covered external member (bearer token)', seeded.roomPath],
      ['GET /api/documents/:documentId as an NDA-covered external member (bearer token; the read is ledgered)', `/api/documents/${seeded.documentId}`],
    ] as const) {
      const m = await measure(server.base, pathname, seeded.token);
      figures.push({
        id: 'P2',
        what,
        figure: `${m.rps.toFixed(0)} req/s (${m.requests} requests in ${SECONDS} s, ${CONNECTIONS} connections), ${m.errors} errors, p99 ${m.p99} ms`,
        baseline: `unauthenticated GET /api/health ${baseline.rps.toFixed(0)} req/s`,
        ratio: m.rps / baseline.rps,
        ratioText: `${((m.rps / baseline.rps) * 100).toFixed(0)}% of the baseline's throughput`,
        target: '≥ 1,000 req/s, 0 errors',
        met: m.rps >= 1000 && m.errors === 0,
        details: { measured: m, baseline },
      });
    }
    const { cached, built } = seeded.abilityCost;
    figures.push({
      id: 'P2',
      what: "the caller's ability for one request, in process (SQLite): cached under the current policy_version",
      figure: `median ${cached.toFixed(3)} ms`,
      baseline: `built from the facts' queries: median ${built.toFixed(3)} ms`,
      ratio: cached / built,
      ratioText: `${(built / cached).toFixed(1)}× faster than building it`,
      target: 'faster than building it',
      met: cached < built,
    });
    return figures;
  } finally {
    await server.stop();
    fs.rmSync(seeded.dataDir, { recursive: true, force: true });
  }
}
