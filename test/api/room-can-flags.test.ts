import { randomUUID } from 'node:crypto';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, FUTURE, PAST, PASSWORD, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { ROOM_ACTIONS, type RoomActions } from '../../server/rooms/room-actions.js';

/**
 * The room's `can` flags: what the caller may do in the room, computed by the server from the same
 * ability the routes check, so the web client asks instead of re-deriving permissions from roles.
 * Each role gets exactly its flags, and each flag agrees with the API: a true flag's request is
 * answered 2xx, a false one's is refused (403, or 404 where refusing would tell something).
 * Party members may do none of it and get no `can` at all.
 */
type Flag = keyof RoomActions;
const FLAGS = Object.keys(ROOM_ACTIONS) as Flag[];
const ROLES = ['manager', 'counsel', 'admin', 'expert', 'bidder', 'advisor', 'uncoveredBidder'] as const;
type Role = (typeof ROLES)[number];

const all = (value: boolean) => Object.fromEntries(FLAGS.map((f) => [f, value])) as RoomActions;
const EXPECTED: Record<Role, RoomActions | undefined> = {
  // Managers set the room up; confirming NDAs stays with counsel, and verifying the whole ledger and purging with admins.
  manager: { ...all(true), decideNdas: false, verifyLedger: false, purgeRoom: false },
  // Counsel oversee and decide NDAs, read the Q&A, and change nothing else.
  counsel: { ...all(true), manageRoom: false, manageDocuments: false, manageParties: false, manageGrants: false, answerQuestions: false, manageQuestions: false, verifyLedger: false, purgeRoom: false },
  // Admins act as manager in every room, never as counsel.
  admin: { ...all(true), decideNdas: false },
  // An expert answers the questions assigned to them, and does nothing else in the room.
  expert: { ...all(false), answerQuestions: true },
  bidder: undefined,
  advisor: undefined,
  uncoveredBidder: undefined,
};

let t: TestApp;
let deal: Deal;
let admin: Client;
const clients = {} as Record<Role, Client>;
let leakedCopy: Buffer;
let alphaNdaId: string;
let expertId: string;
let askingC: Client;
let counter = 0;
const unique = (prefix: string) => `${prefix} ${++counter} ${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
  alphaNdaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true })).id;
  clients.manager = deal.manager;
  clients.counsel = deal.counsel;
  clients.admin = admin;
  clients.bidder = await deal.login('buyerA');
  clients.advisor = await deal.login('advisorA');
  clients.uncoveredBidder = await deal.login('buyerB');
  // Q&A: an expert of the room, and a covered party C that asks (none of the roles above is in it).
  const staffUser = await expectStatus(admin.post('/api/users', { email: 'expert@seller.example', name: 'Eva Expert', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }), 201);
  await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: staffUser.id, role: 'expert' }), 201);
  expertId = staffUser.id;
  clients.expert = await Client.login(t.app, 'expert@seller.example', PASSWORD);
  const gamma = await expectStatus(admin.post('/api/orgs', { name: 'Gamma Partners', kind: 'acquirer' }), 201);
  const buyerC = await expectStatus(admin.post('/api/users', { email: 'gina@gamma.example', name: 'Gina Gamma', password: PASSWORD, orgId: gamma.id, role: 'external' }), 201);
  const partyC = await expectStatus(deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id }), 201);
  await expectStatus(deal.manager.post(`${deal.roomPath}/parties/${partyC.id}/members`, { userId: buyerC.id }), 201);
  await deal.nda({ orgId: gamma.id, entityIds: [deal.entities.gmbh.id] });
  askingC = await Client.login(t.app, 'gina@gamma.example', PASSWORD);
  const download = await clients.bidder.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary);
  expect(download.status).toBe(200);
  leakedCopy = download.body as Buffer;
});
afterAll(() => t.close());

const expectStatus = async (res: PromiseLike<{ status: number; body: any }>, status: number) => {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
};
/** A new question of party C's, assigned to the room's expert when `assigned`. */
const questionOfC = async (assigned: boolean) => {
  const q = await expectStatus(askingC.post(`${deal.roomPath}/questions`, { subject: unique('Churn'), body: 'What was the churn in 2025?' }), 201);
  if (assigned) await expectStatus(deal.manager.post(`/api/questions/${q.id}/assign`, { userId: expertId }), 200);
  return q.id as string;
};
const pendingNda = async (orgId: string) =>
  (await expectStatus(
    deal.manager.upload(`${deal.roomPath}/ndas`, { data: await makePdf('Confidentiality agreement'), name: 'nda.pdf' }, {
      orgId, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.gmbh.id], coversRepresentatives: false,
    }),
    201,
  )).id as string;

/** One request per flag that only a caller with the flag may make (fresh subjects where it changes something). */
const PROBES: Record<Flag, (c: Client) => Promise<{ status: number; body: any }>> = {
  manageRoom: async (c) => {
    const colleague = await expectStatus(admin.post('/api/users', { email: `${randomUUID()}@seller.example`, name: unique('Colleague'), password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }), 201);
    return c.post(`${deal.roomPath}/staff`, { userId: colleague.id, role: 'counsel' });
  },
  manageDocuments: (c) => c.post(`${deal.roomPath}/folders`, { name: unique('Folder') }),
  manageParties: async (c) => {
    const acquirer = await expectStatus(admin.post('/api/orgs', { name: unique('Acquirer'), kind: 'acquirer' }), 201);
    return c.post(`${deal.roomPath}/parties`, { name: unique('Bidder'), acquirerOrgId: acquirer.id });
  },
  manageGrants: async (c) => {
    const folder = await expectStatus(deal.manager.post(`${deal.roomPath}/folders`, { name: unique('Granted') }), 201);
    return c.post(`${deal.roomPath}/grants`, { partyId: deal.parties.B.id, folderId: folder.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
  },
  registerNdas: async (c) =>
    c.upload(`${deal.roomPath}/ndas`, { data: await makePdf('Confidentiality agreement'), name: 'nda.pdf' }, {
      orgId: deal.orgs.beta.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [deal.entities.gmbh.id], coversRepresentatives: false,
    }),
  // Rejecting, not confirming: party B must stay uncovered.
  decideNdas: async (c) => c.post(`${deal.roomPath}/ndas/${await pendingNda(deal.orgs.beta.id)}/reject`, { reason: 'unsigned page' }),
  // The signed PDF of the bidder's own organisation's NDA: still the register's, not theirs.
  readNdaRegister: async (c) => c.get(`${deal.roomPath}/ndas/${alphaNdaId}/file`),
  readParties: async (c) => c.get(`${deal.roomPath}/parties`),
  readGrants: async (c) => c.get(`${deal.roomPath}/grants`),
  // Legal is neither granted to party A nor of an entity its NDA covers.
  viewAllDocuments: async (c) => c.get(`/api/documents/${deal.docs.legal.id}`),
  readAudit: async (c) => c.get(`${deal.roomPath}/audit`),
  readDisclosures: async (c) => c.get(`${deal.roomPath}/disclosures`),
  trace: async (c) => c.upload(`${deal.roomPath}/trace`, { data: leakedCopy, name: 'found-on-a-forum.pdf' }),
  explainAccess: async (c) => c.get(`${deal.roomPath}/access?userId=${deal.users.buyerA.id}&documentId=${deal.docs.finance.id}`),
  // Nobody of the roles is in party C, and the question is assigned to no one.
  readQuestions: async (c) => c.get(`/api/questions/${await questionOfC(false)}`),
  answerQuestions: async (c) => c.post(`/api/questions/${await questionOfC(true)}/answer`, { body: 'Churn was 4 %.' }),
  manageQuestions: async (c) => c.post(`/api/questions/${await questionOfC(false)}/assign`, { userId: expertId }),
  verifyLedger: async (c) => c.get('/api/audit/verify'),
  // Clearing a retention period that was never set changes nothing, and is still an administrator's act.
  purgeRoom: async (c) => c.patch(deal.roomPath, { retainDays: null }),
  readEngagement: async (c) => c.get(`${deal.roomPath}/engagement?by=party`),
};

describe.each(ROLES)('%s', (role) => {
  it(EXPECTED[role] ? 'gets exactly its flags on the room and on its item of the room list' : 'gets no flags: a party member may do none of it', async () => {
    const room = await expectStatus(clients[role].get(deal.roomPath), 200);
    expect(room.can).toEqual(EXPECTED[role]);
    const listed = (await expectStatus(clients[role].get('/api/rooms'), 200)).items.find((r: { id: string }) => r.id === deal.room.id);
    expect(listed.can).toEqual(EXPECTED[role]);
  });

  it.each(FLAGS)('is allowed to %s exactly when its flag says so', async (flag) => {
    const allowed = EXPECTED[role]?.[flag] ?? false;
    const res = await PROBES[flag](clients[role]);
    const outcome = res.status >= 200 && res.status < 300 ? 'allowed' : [403, 404].includes(res.status) ? 'refused' : `answered ${res.status} ${JSON.stringify(res.body)}`;
    expect({ role, flag, outcome }).toEqual({ role, flag, outcome: allowed ? 'allowed' : 'refused' });
  });
});

it('keeps the flags of room staff in a closed room: the server still takes their requests there', async () => {
  const room = await expectStatus(deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] }), 201);
  expect(room.can).toBeUndefined(); // the new room's flags come with its next read, once the manager's ability knows the room
  await expectStatus(deal.manager.post(`/api/rooms/${room.id}/close`), 200);
  const closed = await expectStatus(deal.manager.get(`/api/rooms/${room.id}`), 200);
  expect(closed.can).toEqual(EXPECTED.manager);
  await expectStatus(deal.manager.post(`/api/rooms/${room.id}/folders`, { name: 'After closing' }), 201);
});

it('is described in the OpenAPI document, flag by flag', async () => {
  const doc = (await expectStatus(admin.get('/api/openapi.json'), 200)) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> }; paths: Record<string, any> };
  expect(Object.keys(doc.components.schemas.RoomActions.properties)).toEqual(FLAGS);
  expect(doc.paths['/api/rooms/{roomId}'].get.responses[200].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Room' });
  expect(doc.components.schemas.Room.properties.can).toEqual({ $ref: '#/components/schemas/RoomActions' });
});
