/*
 * E1 (issue 23): the engagement figures of a room with 1,000,000 events: p95 < 200 ms for each
 * grouping of GET /api/rooms/:id/engagement, on SQLite and on PostgreSQL.
 *
 * The room is P1's (bench/load-p1.bench.ts: 10,000 documents in 500 folders), with eight parties of
 * six members each, each party covered by an NDA and granted a few top folders. The events are
 * written in bulk straight into the tables, in the shapes the code writes them, spread over the
 * parties' members, the documents (and so the folders) and twelve weeks:
 * - deliveries (`downloads`: three views for each download or original), each with its ledger event
 *   (`audit_events`, the action and details a delivery records);
 * - pages read in half of the views (`view_pages`, one to eight pages each, with the view's totals in
 *   `view_reads`, as a page report writes them);
 * - the members' joining events in the ledger, twelve weeks back, which say from when their activity
 *   is their party's.
 * Deliveries + their ledger events + page rows = BENCH_E1_EVENTS (default 1,000,000).
 *
 * Measured with autocannon against a real server process (a manager's bearer token), each grouping
 * the deal team's client asks for: by=party; by=folder for a party (a row of the heat map) and for
 * all; by=document and by=day for a party (drill-down, timeline); by=user. Baseline in the same run:
 * GET /api/me with the same token. Each request's queries are EXPLAINed: none may scan audit_events
 * (the ledger is the biggest table and grows with every room). One answer is checked against a
 * plain count of what was written: the parties' views, downloads and pages add up to it.
 * Runs alone with `npm run bench -- engagement`; BENCH_E1_EVENTS and BENCH_E1_DOCUMENTS shrink it.
 */
import fs from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { startServerProcess } from '../test/reliability/support/server-process.js';
import { isPostgres, type Db } from '../server/db.js';
import { newDownloadId } from '../server/watermark/download-id.js';
import { ADMIN, Client } from '../test/support/test-app.js';
import { PASSWORD, PAST, FUTURE } from '../test/support/world.js';
import { makePdf } from '../test/support/fixtures.js';
import { explainQuery, measure, openSeedingApp, postgresSchema, seedRoom } from './load-p1.bench.js';
import type { BenchFigure } from './bench-figure.js';

export const name = 'engagement';

const EVENTS = Number(process.env.BENCH_E1_EVENTS ?? 1_000_000);
const DOCUMENTS = Number(process.env.BENCH_E1_DOCUMENTS ?? 10_000);
const NEW_PARTIES = 6; // with the deal's A and B: eight
const MEMBERS_PER_PARTY = 6;
const GRANTS_PER_PARTY = 5;
const WEEKS = 12;
const SECONDS = Number(process.env.BENCH_E1_SECONDS ?? 10);
const TARGET_MS = 200;
/** Of the events: deliveries and their ledger events 40% each, page rows 20%. */
const DELIVERIES = Math.round(EVENTS * 0.4);
const DAY_MS = 86_400_000;

/** mulberry32: a small seeded generator, so every run writes the same room. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Member {
  userId: string;
  orgId: string;
  partyId: string;
}

interface Seeded {
  dataDir: string;
  databaseUrl?: string;
  roomPath: string;
  token: string;
  partyIds: string[];
  written: { deliveries: number; views: number; downloads: number; ledgerEvents: number; pageRows: number; viewReads: number };
  plans: Map<string, string[]>;
  drop(): Promise<void>;
}

/** Inserts rows in batches inside transactions (SQLite's bound-variable limit, PostgreSQL's message size). */
async function insertAll(db: Db, table: string, rows: Array<Record<string, unknown>>, perBatch: number): Promise<void> {
  const PER_TRANSACTION = 20_000;
  for (let i = 0; i < rows.length; i += PER_TRANSACTION) {
    const chunk = rows.slice(i, i + PER_TRANSACTION);
    await db.transaction(async (trx) => {
      for (let j = 0; j < chunk.length; j += perBatch) await trx(table).insert(chunk.slice(j, j + perBatch));
    });
  }
}

const hex64 = () => randomBytes(32).toString('hex');

/** The ledger numbers its events itself (server/ledger/ledger.ts: the head's seq + 1), so bulk events take the next numbers. */
async function ledgerSeq(db: Db): Promise<() => number> {
  let seq = Number((await db('auditEvents').max({ max: 'seq' }).first())?.max ?? 0);
  return () => ++seq;
}

/** The parties, their NDAs and grants through the API; their members as rows, with joining events twelve weeks back. */
export async function seedParties(db: Db, base: string, roomPath: string, roomId: string, t0: number): Promise<{ members: Member[]; partyIds: string[]; manager: Client; managerToken: string }> {
  const admin = await Client.login(base, ADMIN.email, ADMIN.password);
  const manager = await Client.login(base, 'manager@seller.example', PASSWORD);
  const counsel = await Client.login(base, 'counsel@seller.example', PASSWORD);
  const entityIds: string[] = (await db('roomEntities').where({ roomId }).select('entityId')).map((r: { entityId: string }) => r.entityId);
  const topFolders: string[] = (await db('folders').where({ roomId }).whereNull('parentId').orderBy('position').select('id')).map((f: { id: string }) => f.id);
  const parties: Array<{ id: string; orgId: string }> = await db('parties').where({ roomId }).orderBy('createdAt').select('id', 'acquirerOrgId as orgId');
  for (let p = 0; p < NEW_PARTIES; p++) {
    const org = (await admin.post('/api/orgs', { name: `Bidder org ${p + 3}`, kind: 'acquirer' })).body as { id: string };
    const party = (await manager.post(`${roomPath}/parties`, { name: `Bidder ${String.fromCharCode(67 + p)}`, acquirerOrgId: org.id })).body as { id: string };
    parties.push({ id: party.id, orgId: org.id });
  }
  // Every party but A (which P1's room covers already) gets an NDA for the room's entities and a few top folders.
  for (const [i, party] of parties.entries()) {
    if (i === 0) continue;
    const nda = await manager.upload(`${roomPath}/ndas`, { data: await makePdf('Confidentiality agreement'), name: 'nda.pdf' }, {
      orgId: party.orgId, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds, coversRepresentatives: true,
    });
    if (nda.status !== 201) throw new Error(`NDA: ${nda.status} ${JSON.stringify(nda.body)}`);
    if ((await counsel.post(`${roomPath}/ndas/${nda.body.id}/confirm`)).status !== 200) throw new Error('NDA not confirmed');
    for (let g = 0; g < GRANTS_PER_PARTY; g++) {
      const folderId = topFolders[(i * 7 + g) % topFolders.length];
      const res = await manager.post(`${roomPath}/grants`, { partyId: party.id, folderId, level: 'download', maxClassification: 'highly_confidential', maxPersonalData: 'identified', expiresAt: null });
      if (res.status !== 201) throw new Error(`grant: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
  const template = await db('users').where({ email: 'anna@alpha.example' }).first();
  const joined = new Date(t0 - DAY_MS).toISOString();
  const members: Member[] = [];
  const users: Array<Record<string, unknown>> = [];
  const memberRows: Array<Record<string, unknown>> = [];
  const events: Array<Record<string, unknown>> = [];
  const nextSeq = await ledgerSeq(db);
  const managerId = (await db('users').where({ email: 'manager@seller.example' }).first('id')).id as string;
  for (const [i, party] of parties.entries()) {
    for (let m = 0; m < MEMBERS_PER_PARTY; m++) {
      const userId = randomUUID();
      users.push({ ...template, id: userId, email: `member${m}.party${i}@bench.example`, name: `Member ${m + 1} of party ${i + 1}`, orgId: party.orgId });
      memberRows.push({ partyId: party.id, roomId, userId, cleanTeam: false, createdAt: joined });
      // As parties/service.ts records a member added.
      events.push({ seq: nextSeq(), at: joined, actorId: managerId, action: 'party.member.add', subjectType: 'User', subjectId: userId, roomId, decision: 'allow', details: JSON.stringify({ cleanTeam: false, partyId: party.id }), prevHash: hex64(), hash: hex64() });
      members.push({ userId, orgId: party.orgId, partyId: party.id });
    }
  }
  await insertAll(db, 'users', users, 100);
  await insertAll(db, 'partyMembers', memberRows, 200);
  await insertAll(db, 'auditEvents', events, 200);
  const managerToken = (await manager.post('/api/auth/tokens', { name: 'bench', currentPassword: PASSWORD })).body.token as string;
  return { members, partyIds: parties.map((p) => p.id), manager, managerToken };
}

/** The deliveries, their ledger events, and the pages read in half of the views, as the code writes them. */
export async function seedEvents(db: Db, roomId: string, members: Member[], documents: Array<{ id: string; versionId: string }>, t0: number): Promise<Seeded['written']> {
  const rand = random(20261215);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const span = WEEKS * 7 * DAY_MS;
  const pageTarget = EVENTS - 2 * DELIVERIES;
  const written = { deliveries: 0, views: 0, downloads: 0, ledgerEvents: 0, pageRows: 0, viewReads: 0 };
  const seen = new Set<string>();
  const nextSeq = await ledgerSeq(db);
  const BATCH = 50_000;
  for (let done = 0; done < DELIVERIES; done += BATCH) {
    const deliveries: Array<Record<string, unknown>> = [];
    const events: Array<Record<string, unknown>> = [];
    const pages: Array<Record<string, unknown>> = [];
    const reads: Array<Record<string, unknown>> = [];
    for (let i = done; i < Math.min(DELIVERIES, done + BATCH); i++) {
      const member = pick(members);
      const doc = pick(documents);
      const r = rand();
      const kind = r < 0.75 ? 'view' : r < 0.95 ? 'download' : 'original';
      const at = new Date(t0 + Math.floor(rand() * span)).toISOString();
      let id = newDownloadId();
      while (seen.has(id)) id = newDownloadId();
      seen.add(id);
      deliveries.push({ id, roomId, documentId: doc.id, versionId: doc.versionId, userId: member.userId, orgId: member.orgId, kind, at, ip: '203.0.113.7', userAgent: 'bench', sha256: hex64(), size: 123_456, ndaIds: '[]' });
      events.push({
        seq: nextSeq(), at, actorId: member.userId, action: kind === 'view' ? 'document.view' : kind === 'download' ? 'document.download' : 'document.original', subjectType: 'Document', subjectId: doc.id, roomId,
        decision: 'allow', details: JSON.stringify({ downloadId: id, sha256: '0'.repeat(64), versionId: doc.versionId }), prevHash: hex64(), hash: hex64(),
      });
      if (kind === 'view') written.views += 1;
      else written.downloads += 1;
      // Half of the views report pages, 1–8 of them (4.5 on average), until the page rows are written.
      if (kind === 'view' && rand() < 0.5 && written.pageRows < pageTarget) {
        const n = Math.min(1 + Math.floor(rand() * 8), pageTarget - written.pageRows);
        let seconds = 0;
        let last = at;
        for (let page = 1; page <= n; page++) {
          const s = 5 + Math.floor(rand() * 115);
          seconds += s;
          last = new Date(Date.parse(at) + seconds * 1000).toISOString();
          pages.push({ downloadId: id, page, roomId, documentId: doc.id, userId: member.userId, seconds: s, firstAt: last, lastAt: last });
        }
        reads.push({ downloadId: id, roomId, documentId: doc.id, userId: member.userId, openedAt: at, pages: n, seconds, reports: n, lastAt: last });
        written.pageRows += n;
        written.viewReads += 1;
      }
    }
    await insertAll(db, 'downloads', deliveries, 500);
    await insertAll(db, 'auditEvents', events, 500);
    await insertAll(db, 'viewPages', pages, 500);
    await insertAll(db, 'viewReads', reads, 500);
    written.deliveries += deliveries.length;
    written.ledgerEvents += events.length;
  }
  return written;
}

/** The groupings measured: what the deal team's client asks for. `party` rotates over the parties. */
const GROUPINGS: Array<{ key: string; what: string; path: (party: string) => string }> = [
  { key: 'party', what: 'by=party (the summary)', path: () => '?by=party' },
  { key: 'folder-party', what: 'by=folder&partyId= (a heat map row)', path: (p) => `?by=folder&partyId=${p}` },
  { key: 'folder', what: 'by=folder (all parties)', path: () => '?by=folder' },
  { key: 'document', what: 'by=document&partyId= (drill-down)', path: (p) => `?by=document&partyId=${p}` },
  { key: 'user', what: 'by=user', path: () => '?by=user' },
  { key: 'day', what: 'by=day&partyId= (timeline)', path: (p) => `?by=day&partyId=${p}` },
];

/** The plans of a request's queries that read the deliveries, the pages read or the ledger. */
async function plansOf(db: Db, request: () => Promise<unknown>): Promise<string[]> {
  const seen: Array<{ sql: string; bindings: unknown[] }> = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
  db.on('query', listener);
  try {
    await request();
  } finally {
    db.off('query', listener);
  }
  // The room's reads (the ledger's own head, read to append the request's event, is no scan of the room).
  const reads = seen.filter((q) => /^\s*select/i.test(q.sql) && /\b(downloads|view_reads|audit_events)\b/i.test(q.sql) && /\broom_id\b/i.test(q.sql));
  if (reads.length === 0) throw new Error('no engagement query seen');
  const plan: string[] = [];
  for (const q of reads) plan.push(...(await explainQuery(db, q)));
  return plan;
}

/**
 * The ledger is read only for the member events, through (room_id, action): a scan of the table, or
 * a walk of every event of the room along another index, is what the figures must never need.
 */
const scansLedger = (plan: string[]) =>
  plan.some(
    (line) =>
      (/\b(SCAN|SEARCH) audit_events\b/.test(line) && !line.includes('audit_events_room_action')) ||
      /Seq Scan on audit_events\b/.test(line) ||
      /Index (Only )?Scan using (?!audit_events_room_action)\w+ on audit_events\b/.test(line) ||
      /Bitmap Index Scan on audit_events_(?!room_action)/.test(line),
  );

async function seed(databaseUrl: string | undefined, drop: () => Promise<void>): Promise<Seeded> {
  const { dataDir, db, base, close } = await openSeedingApp('gatehouse-bench-e1-', databaseUrl);
  try {
    const started = Date.now();
    const room = await seedRoom(db, base, DOCUMENTS);
    const roomId = room.roomPath.split('/').pop()!;
    const t0 = Date.now() - (WEEKS * 7 + 1) * DAY_MS;
    const { members, partyIds, manager, managerToken } = await seedParties(db, base, room.roomPath, roomId, t0);
    const documents: Array<{ id: string; versionId: string }> = await db('documents').where({ roomId }).select('id', 'currentVersionId as versionId');
    const written = await seedEvents(db, roomId, members, documents, t0);
    if (isPostgres(db)) await db.raw('vacuum analyze');
    else await db.raw('analyze');
    console.log(`E1 ${isPostgres(db) ? 'PostgreSQL' : 'SQLite'}: ${written.deliveries + written.ledgerEvents + written.pageRows} events written in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const plans = new Map<string, string[]>();
    for (const g of GROUPINGS) plans.set(g.key, await plansOf(db, () => manager.get(`${room.roomPath}/engagement${g.path(partyIds[2]!)}`)));
    return { dataDir, databaseUrl, roomPath: room.roomPath, token: managerToken, partyIds, written, plans, drop };
  } finally {
    await close();
  }
}

/** The parties' figures add up to what was written: every delivery and page row is one party member's, in their span. */
async function checkTotals(base: string, seeded: Seeded): Promise<string | null> {
  const res = await fetch(`${base}${seeded.roomPath}/engagement?by=party`, { headers: { authorization: `Bearer ${seeded.token}` } });
  if (res.status !== 200) return `status ${res.status}`;
  const { items } = (await res.json()) as { items: Array<{ views: number; downloads: number; pagesViewed: number }> };
  const sum = (k: 'views' | 'downloads' | 'pagesViewed') => items.reduce((s, i) => s + i[k], 0);
  const got = { views: sum('views'), downloads: sum('downloads'), pagesViewed: sum('pagesViewed') };
  const want = { views: seeded.written.views, downloads: seeded.written.downloads, pagesViewed: seeded.written.pageRows };
  return JSON.stringify(got) === JSON.stringify(want) ? null : `figures ${JSON.stringify(got)}, written ${JSON.stringify(want)}`;
}

async function runOn(label: 'SQLite' | 'PostgreSQL', seeded: Seeded): Promise<BenchFigure[]> {
  const server = await startServerProcess({ ...(seeded.databaseUrl ? { DATABASE_URL: seeded.databaseUrl } : {}), LOG_LEVEL: 'warn' }, { dataDir: seeded.dataDir });
  try {
    const wrong = await checkTotals(server.base, seeded);
    const baseline = await measure(server.base, seeded.token, () => '/api/me', { seconds: SECONDS });
    const events = seeded.written.deliveries + seeded.written.ledgerEvents + seeded.written.pageRows;
    const figures: BenchFigure[] = [];
    for (const g of GROUPINGS) {
      let n = 0;
      const m = await measure(server.base, seeded.token, () => `${seeded.roomPath}/engagement${g.path(seeded.partyIds[n++ % seeded.partyIds.length]!)}`, { seconds: SECONDS });
      const plan = seeded.plans.get(g.key)!;
      figures.push({
        id: 'E1',
        what: `engagement ${g.what} on ${label} (${events} events: ${seeded.written.deliveries} deliveries, as many ledger events, ${seeded.written.pageRows} pages read; ${seeded.partyIds.length} parties, ${DOCUMENTS} documents)`,
        figure: `p95 ${m.p95.toFixed(1)} ms over ${m.requests} requests, ${m.errors} errors`,
        baseline: `GET /api/me p95 ${baseline.p95.toFixed(1)} ms`,
        ratio: m.p95 / baseline.p95,
        ratioText: `${(m.p95 / baseline.p95).toFixed(1)}× the baseline`,
        target: `p95 < ${TARGET_MS} ms, 0 errors, the figures add up to what was written, no scan of audit_events`,
        met: m.p95 < TARGET_MS && m.errors === 0 && wrong === null && !scansLedger(plan),
        details: { written: seeded.written, wrongTotals: wrong, plan, scansLedger: scansLedger(plan), seconds: SECONDS },
      });
    }
    return figures;
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
  else console.log('E1 on PostgreSQL skipped: the bench database does not answer');
  return figures;
}
