import { makePdf } from '../support/fixtures.js';
import { ADMIN } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { startCluster, type Cluster } from './support/cluster.js';
import { bearerSession, cookieSession, type Answer, type HttpSession } from './support/http-session.js';
import type { ServerProcess } from './support/server-process.js';

/**
 * R1: two Gatehouse processes on one PostgreSQL and one S3-protocol store, R1_CLIENTS concurrent
 * clients (default 200) for R1_DURATION_S seconds (default 60, the docs/quality.md scenario; lower it for a
 * quick local run) of mixed browsing, stamped downloads, originals and uploads, spread over both
 * processes, half on bearer tokens and half on cookie sessions signed in on the *other* process.
 * It must hold: no 5xx and no failed request at all, every download that succeeded has its ledger
 * event (found by its X-Download-Id), and the ledger verifies.
 */
const CLIENTS = Number(process.env.R1_CLIENTS ?? 200);
const DURATION_MS = Number(process.env.R1_DURATION_S ?? 60) * 1000;
const PASSWORD = 'a long enough passphrase'; // the world builder's

let cluster: Cluster;
let servers: ServerProcess[];
let deal: Deal;
beforeAll(async () => {
  cluster = await startCluster();
  servers = await Promise.all([cluster.start(), cluster.start()]);
  deal = await buildDeal({ app: servers[0].base });
  // Party A (Alpha and its advisor Lex) covered and granted downloads on the whole room; party B
  // (Beta) covered but granted viewing of Legal only, so its clients also meet refusals.
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'view' });
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

type Role = 'manager' | 'buyerA' | 'advisorA' | 'buyerB';
interface Tally {
  byOp: Map<string, Map<number, number>>;
  failures: string[];
  downloadIds: string[];
  started: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

/** One client's loop: an operation at a time, chosen by its role's mix, until the deadline. */
async function runClient(role: Role, label: string, api: HttpSession, docs: Buffer[], deadline: number, tally: Tally): Promise<void> {
  const r = deal.roomPath;
  const count = (op: string, res: Answer) => {
    const statuses = tally.byOp.get(op) ?? new Map<number, number>();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    tally.byOp.set(op, statuses);
    // Every client is signed in for the whole run: a 401 means a session or token was lost.
    if (res.status >= 500 || res.status === 401) tally.failures.push(`${label}: ${op} answered ${res.status} at ${Date.now() - tally.started} ms: ${JSON.stringify(res.body)}`);
    return res;
  };
  let known: string[] = Object.values(deal.docs).map((d) => d.id);
  while (Date.now() < deadline) {
    const dice = Math.random();
    try {
      if (dice < 0.45) {
        // Browsing: the room, its folders, a list (sometimes a search), a document's metadata.
        const op = pick(['rooms', 'room', 'folders', 'list', 'search', 'document'] as const);
        if (op === 'rooms') count(op, await api.get('/api/rooms'));
        if (op === 'room') count(op, await api.get(r));
        if (op === 'folders') count(op, await api.get(`${r}/folders`));
        if (op === 'document') count(op, await api.get(`/api/documents/${pick(known)}`));
        if (op === 'list' || op === 'search') {
          const res = count(op, await api.get(`${r}/documents${op === 'search' ? `?q=${pick(['finance', 'legal', 'load', 'pdf'])}` : ''}`));
          if (res.status === 200 && res.body.items.length > 0) known = res.body.items.map((d: { id: string }) => d.id);
        }
      } else if (dice < 0.85 || role !== 'manager') {
        // Downloads: stamped for everyone, the original for room staff.
        const op = role === 'manager' && dice < 0.6 ? 'original' : 'download';
        const res = count(op, await api.get(`/api/documents/${pick(known)}/${op === 'original' ? 'original' : 'content'}`));
        if (res.status === 200) {
          const id = res.headers.get('x-download-id');
          if (!id) tally.failures.push(`${op} answered 200 without X-Download-Id`);
          else tally.downloadIds.push(id);
        }
      } else {
        const folder = pick([deal.folders.finance, deal.folders.payroll, deal.folders.legal]);
        count(
          'upload',
          await api.upload(`${r}/documents`, { data: pick(docs), name: `load ${Math.random().toString(36).slice(2)}.pdf` }, {
            folderId: folder.id,
            entityId: folder === deal.folders.legal ? deal.entities.ltd.id : deal.entities.gmbh.id,
            classification: 'standard',
            personalData: 'none',
          }),
        );
      }
    } catch (err) {
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      tally.failures.push(`${role} request failed: ${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
    }
  }
}

it(`${CLIENTS} concurrent clients on two processes: no server error, every download in the ledger, the ledger verifies`, async () => {
  const roles: Role[] = ['manager', 'buyerA', 'advisorA', 'buyerB'];
  const emails: Record<Role, string> = {
    manager: deal.users.manager.email,
    buyerA: deal.users.buyerA.email,
    advisorA: deal.users.advisorA.email,
    buyerB: deal.users.buyerB.email,
  };
  const clients: Array<{ role: Role; label: string; api: HttpSession }> = [];
  for (let i = 0; i < CLIENTS; i++) {
    const role = i % 5 === 0 ? 'manager' : roles[1 + (i % 3)];
    const server = servers[i % servers.length];
    const other = servers[(i + 1) % servers.length];
    let api: HttpSession;
    if (i % 2 === 0) {
      const signedIn = await cookieSession(other.base, emails[role], PASSWORD); // a session made by the other process
      api = signedIn.withBase(server.base);
    } else {
      const token = (await (await cookieSession(other.base, emails[role], PASSWORD)).post('/api/auth/tokens', { name: `r1-${i}`, currentPassword: PASSWORD })).body.token as string;
      api = bearerSession(server.base, token);
    }
    clients.push({ role, label: `client ${i} (${role}, ${i % 2 === 0 ? 'cookie' : 'bearer'})`, api });
  }
  const docs = await Promise.all(['finance load', 'legal load', 'board pack'].map((t) => makePdf(t, 2)));

  const started = Date.now();
  const tally: Tally = { byOp: new Map(), failures: [], downloadIds: [], started };
  await Promise.all(clients.map((c) => runClient(c.role, c.label, c.api, docs, started + DURATION_MS, tally)));
  const seconds = (Date.now() - started) / 1000;
  const summary = Object.fromEntries([...tally.byOp].map(([op, statuses]) => [op, Object.fromEntries(statuses)]));
  const total = [...tally.byOp.values()].reduce((n, s) => n + [...s.values()].reduce((a, b) => a + b, 0), 0);
  console.log(`R1: ${CLIENTS} clients, ${seconds.toFixed(1)} s, ${total} requests (${(total / seconds).toFixed(0)}/s)`, JSON.stringify(summary));

  expect(tally.failures.slice(0, 20)).toEqual([]);
  for (const op of ['rooms', 'list', 'download', 'original', 'upload']) expect(summary[op]?.[op === 'upload' ? 201 : 200] ?? 0).toBeGreaterThan(0);
  // Party B meets refusals (a download of a document it may only view, or cannot see): 403 / 404, never a 5xx.
  expect(Object.keys(summary.download ?? {}).every((s) => ['200', '403', '404'].includes(s))).toBe(true);

  // Every successful download is in the ledger, under its download id.
  const events = (await cluster.db('auditEvents').whereIn('action', ['document.download', 'document.view', 'document.original']).select('details')) as Array<{ details: string }>;
  const recorded = new Set(events.map((e) => (JSON.parse(e.details) as { downloadId?: string }).downloadId));
  expect(tally.downloadIds.filter((id) => !recorded.has(id))).toEqual([]);

  const admin = await cookieSession(servers[1].base, ADMIN.email, ADMIN.password);
  const verify = await admin.get('/api/audit/verify');
  expect(verify.body).toMatchObject({ ok: true });
  for (const server of servers) expect(server.errors()).toEqual([]);
}, 600_000);
