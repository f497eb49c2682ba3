/*
 * P1 of docs/quality.md: a room of 10,000 documents in 500 folders, an external party with 20 grants.
 * Measures, with autocannon against a real server process (tsx server/index.ts, bearer token of an
 * advisor of the party), the p95 latency of listing one folder and of searching the room (a page of
 * 100), on SQLite and on PostgreSQL (BENCH_DATABASE_URL, default the local server; skipped when it
 * does not answer). Baseline in the same run: GET /api/me with the same token (authentication and
 * nothing else). Each query's plan is checked with EXPLAIN: the document lists must reach documents
 * through an index, never by scanning the table.
 * Runs alone with `npm run bench -- load`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { loadConfig } from '../server/config.js';
import { createDb, isPostgres, migrateToLatest, type Db } from '../server/db.js';
import { createLogger } from '../server/logger.js';
import { createApp } from '../server/app.js';
import { ensureFirstAdmin } from '../server/users/service.js';
import { createObjectStore } from '../storage/create-object-store.js';
import { ADMIN, createPostgresSchema, type Client } from '../test/support/test-app.js';
import { buildDeal, PASSWORD } from '../test/support/world.js';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'load';

const DOCUMENTS = Number(process.env.BENCH_P1_DOCUMENTS ?? 10_000);
const TOP_FOLDERS = 50; // each with 9 subfolders: 500 folders
const SUBFOLDERS = 9;
const GRANTS = 20;
const SECONDS = Number(process.env.BENCH_P1_SECONDS ?? 10);
const CONNECTIONS = 2;
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORDS = ['finance', 'payroll', 'lease', 'contract', 'board', 'minutes', 'tax', 'audit', 'pension', 'insurance', 'patent', 'licence'];

interface Seeded {
  dataDir: string;
  databaseUrl?: string;
  roomPath: string;
  token: string;
  grantedFolderIds: string[];
  explain: { folderList: string[]; search: string[] };
  drop(): Promise<void>;
}

/** A schema of its own on the bench's PostgreSQL server (BENCH_DATABASE_URL), or null when none answers. */
export async function postgresSchema(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const probe = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 5_000 });
  try {
    await probe.raw('select 1');
  } catch {
    return null; // no PostgreSQL here: the bench reports SQLite only
  } finally {
    await probe.destroy();
  }
  return createPostgresSchema(POSTGRES_URL);
}

/** The plan of the one query of a request that reads documents with a page limit. */
async function explainDocumentQuery(db: Db, run: () => Promise<unknown>): Promise<string[]> {
  const seen: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  // The page itself: ordered and limited (a single read by id is `limit 1` without an order).
  const query = seen.find((q) => /from [`"]documents[`"]/i.test(q.sql) && /order by/i.test(q.sql) && /limit/i.test(q.sql));
  if (!query) throw new Error("no document page query seen");
  return explainQuery(db, query);
}

/** The plan of a query as a request sent it (seen through knex's `query` event), one line per step. */
export async function explainQuery(db: Db, query: { sql: string; bindings: unknown[] }): Promise<string[]> {
  if (isPostgres(db)) {
    // The event shows PostgreSQL's own $n placeholders, in order; knex.raw wants `?`.
    const res = await db.raw(`explain ${query.sql.replace(/\$\d+/g, '?')}`, query.bindings as never);
    return (res.rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]);
  }
  const rows = (await db.raw(`explain query plan ${query.sql}`, query.bindings as never)) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/** A table scan of documents (or of its versions) is what P1 must never need. */
const scansDocuments = (plan: string[]) =>
  plan.some((line) => /^SCAN (documents|v)\b(?! USING)/.test(line.trim()) || /Seq Scan on (documents|document_versions)\b/.test(line));

/** The P1 room, which S1 (bench/search-s1.bench.ts) searches too. */
export interface SeededRoom {
  roomPath: string;
  /** A bearer token of an advisor of party A, the party with the grants. */
  token: string;
  /** The same advisor, signed in. */
  advisor: Client;
  /** The folders the grants cover: the first GRANTS top folders, each followed by its subfolders. */
  grantedFolderIds: string[];
  /** The cloned documents, in the order made. */
  documents: Array<{ id: string; folderId: string }>;
}

/**
 * A fresh database (SQLite in a new data directory, or `databaseUrl`), migrated, with its first
 * admin, and an app on it in this process to seed through; `close` stops both.
 */
export async function openSeedingApp(dataDirPrefix: string, databaseUrl: string | undefined): Promise<{ dataDir: string; db: Db; base: string; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix));
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  const db = createDb({ dataDir, databaseUrl });
  await migrateToLatest(db);
  await ensureFirstAdmin(db, config.admin, config.sellerOrgName);
  const store = createObjectStore({ driver: 'local', dataDir });
  await store.init();
  const app = createApp({ db, store, config, logger: createLogger('silent') });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
  };
  return { dataDir, db, base, close };
}

/**
 * The deal of test/support/world.ts grown to `documents` documents in 500 folders (TOP_FOLDERS top
 * folders of SUBFOLDERS each), party A covered by an NDA with GRANTS download grants on top folders,
 * made through the API at `base` (an app on `db`) except the documents: clones of an uploaded one
 * (same stored file), spread over the folders, inserted as rows.
 */
export async function seedRoom(db: Db, base: string, documents: number): Promise<SeededRoom> {
  const deal = await buildDeal({ app: base });
  const r = deal.roomPath;
  const folders: Array<{ id: string; top: boolean }> = [];
  for (let i = 0; i < TOP_FOLDERS; i++) {
    const top = (await deal.manager.post(`${r}/folders`, { name: `${i + 1} ${WORDS[i % WORDS.length]}` })).body as { id: string };
    folders.push({ id: top.id, top: true });
    for (let j = 0; j < SUBFOLDERS; j++) {
      const sub = (await deal.manager.post(`${r}/folders`, { name: `${WORDS[(i + j) % WORDS.length]} ${j + 1}`, parentId: top.id })).body as { id: string };
      folders.push({ id: sub.id, top: false });
    }
  }
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  const tops = folders.filter((f) => f.top).slice(0, GRANTS);
  for (const f of tops) await deal.grant({ partyId: deal.parties.A.id, folderId: f.id, level: 'download' });
  const advisor = await deal.login('advisorA');
  const token = (await advisor.post('/api/auth/tokens', { name: 'bench', currentPassword: PASSWORD })).body.token as string;

  // The documents: clones of an uploaded one (same stored file), 20 per folder, as rows.
  const doc = await db('documents').where({ id: deal.docs.finance.id }).first();
  const version = await db('documentVersions').where({ id: doc.currentVersionId }).first();
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  const rows: Array<[Record<string, unknown>, Record<string, unknown>]> = [];
  for (let i = 0; i < documents; i++) {
    const folder = folders[i % folders.length];
    const id = randomUUID();
    const versionId = randomUUID();
    const at = new Date(t0 + i * 1000).toISOString();
    rows.push([
      { ...doc, id, folderId: folder.id, entityId: i % 2 ? deal.entities.gmbh.id : deal.entities.ltd.id, title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`, position: Math.floor(i / folders.length) + 10, currentVersionId: versionId, createdAt: at },
      { ...version, id: versionId, documentId: id, createdAt: at },
    ]);
  }
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    // Deferred constraints are not portable: insert documents with their version id, then the versions.
    await db.transaction(async (trx) => {
      await trx('documents').insert(batch.map(([d]) => d));
      await trx('documentVersions').insert(batch.map(([, v]) => v));
    });
  }
  return {
    roomPath: r,
    token,
    advisor,
    // The granted top folders come first, each followed by its subfolders: the grants cover these.
    grantedFolderIds: folders.slice(0, GRANTS * (SUBFOLDERS + 1)).map((f) => f.id),
    documents: rows.map(([d]) => ({ id: d.id as string, folderId: d.folderId as string })),
  };
}

async function seed(databaseUrl: string | undefined, drop: () => Promise<void>): Promise<Seeded> {
  const { dataDir, db, base, close } = await openSeedingApp('gatehouse-bench-p1-', databaseUrl);
  try {
    const { roomPath: r, token, advisor, grantedFolderIds } = await seedRoom(db, base, DOCUMENTS);
    await db.raw('analyze'); // fresh statistics, as a live database has
    const explain = {
      folderList: await explainDocumentQuery(db, () => advisor.get(`${r}/documents?folderId=${grantedFolderIds[3]}`)),
      search: await explainDocumentQuery(db, () => advisor.get(`${r}/documents?q=lease&limit=100`)),
    };
    return { dataDir, databaseUrl, roomPath: r, token, grantedFolderIds, explain, drop };
  } finally {
    await close();
  }
}

/** p95 of the response times (ms) of `paths`, requested in turn by `connections` clients for `seconds`. */
export function measure(base: string, token: string, paths: () => string, { connections = CONNECTIONS, seconds = SECONDS } = {}): Promise<{ p95: number; requests: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let bad = 0;
    const instance = autocannon(
      {
        url: base,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${token}` },
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        times.sort((a, b) => a - b);
        resolve({ p95: times[Math.floor(times.length * 0.95)] ?? NaN, requests: times.length, errors: bad + result.errors + result.timeouts });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status !== 200) bad += 1;
      times.push(ms);
    });
  });
}

async function runOn(label: 'SQLite' | 'PostgreSQL', seeded: Seeded): Promise<BenchFigure[]> {
  const server = await startServerProcess({ ...(seeded.databaseUrl ? { DATABASE_URL: seeded.databaseUrl } : {}), LOG_LEVEL: 'warn' }, { dataDir: seeded.dataDir });
  try {
    let n = 0;
    const baseline = await measure(server.base, seeded.token, () => '/api/me');
    const folderList = await measure(server.base, seeded.token, () => `${seeded.roomPath}/documents?folderId=${seeded.grantedFolderIds[n++ % seeded.grantedFolderIds.length]}`);
    const search = await measure(server.base, seeded.token, () => `${seeded.roomPath}/documents?q=${WORDS[n++ % WORDS.length]}&limit=100`);
    const figure = (id: string, what: string, m: typeof folderList, target: number, plan: string[]): BenchFigure => ({
      id,
      what: `${what} on ${label} (${DOCUMENTS} documents, ${TOP_FOLDERS * (SUBFOLDERS + 1)} folders, ${GRANTS} grants)`,
      figure: `p95 ${m.p95.toFixed(1)} ms over ${m.requests} requests, ${m.errors} errors`,
      baseline: `GET /api/me p95 ${baseline.p95.toFixed(1)} ms`,
      ratio: m.p95 / baseline.p95,
      ratioText: `${(m.p95 / baseline.p95).toFixed(1)}× the baseline`,
      target: `p95 < ${target} ms, 0 errors, no table scan of documents`,
      met: m.p95 < target && m.errors === 0 && !scansDocuments(plan),
      details: { plan, scansDocuments: scansDocuments(plan), connections: CONNECTIONS, seconds: SECONDS },
    });
    return [
      figure('P1', 'list one folder (GET /api/rooms/:id/documents?folderId=)', folderList, 20, seeded.explain.folderList),
      figure('P1', 'search the room, page of 100 (GET /api/rooms/:id/documents?q=&limit=100)', search, 50, seeded.explain.search),
    ];
  } finally {
    await server.stop();
    await seeded.drop();
    fs.rmSync(seeded.dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  const figures = await runOn('SQLite', await seed(undefined, async () => undefined));
  const pg = await postgresSchema();
  if (pg) figures.push(...(await runOn('PostgreSQL', await seed(pg.url, pg.drop))));
  else console.log(`P1 on PostgreSQL skipped: ${POSTGRES_URL} does not answer`);
  return figures;
}
