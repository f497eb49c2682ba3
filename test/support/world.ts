import type { TestApp } from './test-app.js';
import { ADMIN, Client } from './test-app.js';
import { makePdf } from './fixtures.js';

/** Every user of the deal signs in with this password. */
export const PASSWORD = 'a long enough passphrase';
const DAY = 86_400_000;
export const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
export const PAST = iso(-30 * DAY);
export const FUTURE = iso(365 * DAY);

/** Every call answers the status expected or fails the test with the body, so a world is never half-built. */
async function expectStatus<T = any>(res: PromiseLike<{ status: number; body: any }>, status: number): Promise<T> {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/**
 * A deal, built through the public API as people would build it:
 * - the seller group with a manager and two counsel; target entities Falcon GmbH and Falcon Ltd, and
 *   an entity outside the deal;
 * - a room "Project Falcon" targeting both Falcon entities, with folders 1 Finance, 1.1 Payroll, 2 Legal;
 * - party A: acquirer Alpha Capital (user buyerA) with advisor Lex & Co (user advisorA);
 *   party B: acquirer Beta Holdings (user buyerB);
 * - documents: finance.pdf (Falcon GmbH, standard), payroll.pdf (Falcon GmbH, confidential, identified
 *   personal data), legal.pdf (Falcon Ltd, standard).
 * No grants and no NDAs: each test adds what it is about.
 */
export async function buildDeal(t: Pick<TestApp, 'app'> | { app: string }) {
  const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  const orgs = (await expectStatus<{ items: Array<{ id: string; kind: string }> }>(admin.get('/api/orgs'), 200)).items;
  const sellerOrgId = orgs.find((o) => o.kind === 'seller')!.id;
  const org = (name: string, kind: string) => expectStatus<{ id: string }>(admin.post('/api/orgs', { name, kind }), 201);
  const alpha = await org('Alpha Capital', 'acquirer');
  const lex = await org('Lex & Co', 'advisor');
  const beta = await org('Beta Holdings', 'acquirer');
  const user = (email: string, name: string, orgId: string, role: string) =>
    expectStatus<{ id: string; email: string }>(admin.post('/api/users', { email, name, password: PASSWORD, orgId, role }), 201);
  const users = {
    manager: await user('manager@seller.example', 'Mia Manager', sellerOrgId, 'staff'),
    counsel: await user('counsel@seller.example', 'Carl Counsel', sellerOrgId, 'staff'),
    counsel2: await user('counsel2@seller.example', 'Cora Counsel', sellerOrgId, 'staff'),
    buyerA: await user('anna@alpha.example', 'Łukasz Ørsted', alpha.id, 'external'),
    advisorA: await user('adam@lex.example', 'Adam Advisor', lex.id, 'external'),
    buyerB: await user('bob@beta.example', 'Bob Beta', beta.id, 'external'),
  };
  const entity = (name: string) => expectStatus<{ id: string }>(admin.post('/api/entities', { name }), 201);
  const entities = { gmbh: await entity('Falcon GmbH'), ltd: await entity('Falcon Ltd'), outside: await entity('Eagle SA') };

  const manager = await Client.login(t.app, users.manager.email, PASSWORD);
  const room = await expectStatus<{ id: string }>(
    // Uploads are published at once in this deal: the suites built on it are about what follows a
    // disclosure. Staged disclosure (drafts, publishing) has its own rooms and tests.
    manager.post('/api/rooms', { name: 'Sale of Falcon', codeName: 'Project Falcon', entityIds: [entities.gmbh.id, entities.ltd.id], uploadsStartAs: 'published' }),
    201,
  );
  const r = `/api/rooms/${room.id}`;
  await expectStatus(manager.post(`${r}/staff`, { userId: users.counsel.id, role: 'counsel' }), 201);
  await expectStatus(manager.post(`${r}/staff`, { userId: users.counsel2.id, role: 'counsel' }), 201);
  const partyA = await expectStatus<{ id: string }>(manager.post(`${r}/parties`, { name: 'Bidder A', acquirerOrgId: alpha.id, advisorOrgIds: [lex.id] }), 201);
  const partyB = await expectStatus<{ id: string }>(manager.post(`${r}/parties`, { name: 'Bidder B', acquirerOrgId: beta.id }), 201);
  await expectStatus(manager.post(`${r}/parties/${partyA.id}/members`, { userId: users.buyerA.id }), 201);
  await expectStatus(manager.post(`${r}/parties/${partyA.id}/members`, { userId: users.advisorA.id }), 201);
  await expectStatus(manager.post(`${r}/parties/${partyB.id}/members`, { userId: users.buyerB.id }), 201);

  const folder = (name: string, parentId?: string) => expectStatus<{ id: string; index: string }>(manager.post(`${r}/folders`, { name, parentId }), 201);
  const finance = await folder('Finance');
  const payroll = await folder('Payroll', finance.id);
  const legal = await folder('Legal');

  const upload = async (name: string, folderId: string, entityId: string, classification: string, personalData: string) =>
    expectStatus<{ id: string; sha256: string }>(
      manager.upload(`${r}/documents`, { data: await makePdf(`${name} of Project Falcon`), name }, { folderId, entityId, classification, personalData }),
      201,
    );
  const docs = {
    finance: await upload('finance.pdf', finance.id, entities.gmbh.id, 'standard', 'none'),
    payroll: await upload('payroll.pdf', payroll.id, entities.gmbh.id, 'confidential', 'identified'),
    legal: await upload('legal.pdf', legal.id, entities.ltd.id, 'standard', 'none'),
  };

  const login = (key: keyof typeof users) => Client.login(t.app, users[key].email, PASSWORD);
  const counsel = await login('counsel');

  return {
    admin,
    manager,
    counsel,
    login,
    users,
    orgs: { sellerOrgId, alpha, lex, beta },
    entities,
    room,
    roomPath: r,
    parties: { A: partyA, B: partyB },
    folders: { finance, payroll, legal },
    docs,
    /** Registers an NDA as the manager and, unless told otherwise, has counsel confirm it. */
    async nda(opts: { orgId: string; entityIds: string[]; coversRepresentatives?: boolean; kind?: string; effectiveAt?: string; expiresAt?: string; confirm?: boolean }) {
      const nda = await expectStatus<{ id: string }>(
        manager.upload(`${r}/ndas`, { data: await makePdf('Confidentiality agreement'), name: 'nda.pdf' }, {
          orgId: opts.orgId,
          kind: opts.kind ?? 'nda',
          signedAt: PAST,
          effectiveAt: opts.effectiveAt ?? PAST,
          expiresAt: opts.expiresAt ?? FUTURE,
          entityIds: opts.entityIds,
          coversRepresentatives: opts.coversRepresentatives ?? false,
        }),
        201,
      );
      if (opts.confirm !== false) await expectStatus(counsel.post(`${r}/ndas/${nda.id}/confirm`), 200);
      return nda;
    },
    grant(opts: { partyId: string; folderId: string | null; level?: string; maxClassification?: string; maxPersonalData?: string; expiresAt?: string | null }) {
      return expectStatus<{ id: string }>(
        manager.post(`${r}/grants`, {
          partyId: opts.partyId,
          folderId: opts.folderId,
          level: opts.level ?? 'download',
          maxClassification: opts.maxClassification ?? 'highly_confidential',
          maxPersonalData: opts.maxPersonalData ?? 'identified',
          expiresAt: opts.expiresAt ?? null,
        }),
        201,
      );
    },
  };
}

export type Deal = Awaited<ReturnType<typeof buildDeal>>;

/** The ids of the documents a client can list in the deal's room (or the error status). */
export async function visibleDocumentIds(deal: Deal, client: Client): Promise<string[] | number> {
  const res = await client.get(`${deal.roomPath}/documents`);
  if (res.status !== 200) return res.status;
  return (res.body.items as Array<{ id: string }>).map((d) => d.id).sort();
}
