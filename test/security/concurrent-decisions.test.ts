import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';

/*
 * Two counsel clicking at once, a retrying client, two managers staffing the same advisor: decisions
 * fired together must end in one consistent state, and the ledger must tell exactly that story —
 * one allowed event per transition that happened, a denial for each that lost.
 * Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL (where the requests truly interleave).
 */

const ROUNDS = 12;

let t: TestApp;
let deal: Deal;
let counsel2: Client;

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  counsel2 = await deal.login('counsel2');
}, 60_000);
afterAll(() => t?.close());

interface LedgerEvent {
  action: string;
  decision: string;
  subjectId: string;
}
async function ledgerOf(subjectId: string): Promise<LedgerEvent[]> {
  const res = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`);
  expect(res.status).toBe(200);
  return (res.body.items as LedgerEvent[]).filter((e) => e.subjectId === subjectId);
}
const count = (events: LedgerEvent[], action: string, decision: string) => events.filter((e) => e.action === action && e.decision === decision).length;

describe('one NDA decided from two sides at once', () => {
  it('confirm and terminate fired together end confirmed or terminated, with ledger events to match', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const nda = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id], confirm: false });
      const url = `${deal.roomPath}/ndas/${nda.id}`;
      // Terminate first in half the rounds, so neither order is favoured by who is sent first.
      const [confirm, terminate] =
        round % 2 === 0
          ? await Promise.all([deal.counsel.post(`${url}/confirm`), counsel2.post(`${url}/terminate`, { reason: 'deal off' })])
          : await Promise.all([counsel2.post(`${url}/terminate`, { reason: 'deal off' }), deal.counsel.post(`${url}/confirm`)]).then(([a, b]) => [b, a]);
      expect(confirm.status).toBe(200);
      expect([200, 409]).toContain(terminate.status);
      const row = await t.db('ndas').where({ id: nda.id }).first('status', 'confirmedBy', 'decidedBy');
      const expected = terminate.status === 200 ? 'terminated' : 'confirmed';
      expect(row.status).toBe(expected);
      expect(row.confirmedBy).toBe(deal.users.counsel.id);
      expect(row.decidedBy).toBe(terminate.status === 200 ? deal.users.counsel2.id : null);
      if (terminate.status === 409) expect(terminate.body.error.code).toBe('invalid_state');
      outcomes.add(expected);

      const events = await ledgerOf(nda.id);
      expect(count(events, 'nda.confirm', 'allow')).toBe(1);
      expect(count(events, 'nda.terminate', 'allow')).toBe(terminate.status === 200 ? 1 : 0);
      expect(count(events, 'nda.terminate', 'deny')).toBe(terminate.status === 200 ? 0 : 1);
      // The API's status agrees with the row and with the ledger.
      const listed = (await deal.counsel.get(`${deal.roomPath}/ndas`)).body.items.find((n: { id: string }) => n.id === nda.id);
      expect(listed.status).toBe(expected);
    }
    // Whichever wins, the state is one of the two; both must be reachable states, never a third.
    expect([...outcomes].every((o) => o === 'confirmed' || o === 'terminated')).toBe(true);
  }, 120_000);

  it('two counsel confirming and rejecting one NDA at once: exactly one decision stands, and only it is allowed in the ledger', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const nda = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id], confirm: false });
      const url = `${deal.roomPath}/ndas/${nda.id}`;
      const answers = await Promise.all([
        deal.counsel.post(`${url}/confirm`),
        counsel2.post(`${url}/confirm`),
        counsel2.post(`${url}/reject`, { reason: 'unsigned page' }),
        deal.counsel.post(`${url}/reject`, { reason: 'unsigned page' }),
      ]);
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'invalid_state')).toBe(true);
      expect(answers.filter((a) => a.status !== 200 && a.status !== 409)).toEqual([]);
      const row = await t.db('ndas').where({ id: nda.id }).first('status');
      expect(row.status).toBe(won[0].body.status);
      const events = await ledgerOf(nda.id);
      expect(count(events, 'nda.confirm', 'allow') + count(events, 'nda.reject', 'allow')).toBe(1);
      expect(count(events, 'nda.confirm', 'deny') + count(events, 'nda.reject', 'deny')).toBe(3);
    }
  }, 120_000);
});

describe('one user added to two parties of a room at once', () => {
  it('lets at most one add succeed (409 party_conflict for the other), and the user ends in exactly one party', async () => {
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    const org = async (name: string, kind: string) => (await admin.post('/api/orgs', { name, kind })).body.id as string;
    // One advisory firm advising two bidders: its people could be put in either party, not both.
    const sharedAdvisor = await org('Shared Counsel LLP', 'advisor');
    const gamma = await org('Gamma Partners', 'acquirer');
    const delta = await org('Delta Industries', 'acquirer');
    const partyC = (await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder C', acquirerOrgId: gamma, advisorOrgIds: [sharedAdvisor] })).body.id as string;
    const partyD = (await deal.manager.post(`${deal.roomPath}/parties`, { name: 'Bidder D', acquirerOrgId: delta, advisorOrgIds: [sharedAdvisor] })).body.id as string;
    expect(partyC && partyD).toBeTruthy();
    // A second manager, so the two adds come from two sessions as they would in life.
    const staff = await admin.post('/api/users', { email: 'manager2@seller.example', name: 'Max Manager', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' });
    expect((await deal.manager.post(`${deal.roomPath}/staff`, { userId: staff.body.id, role: 'manager' })).status).toBe(201);
    const manager2 = await Client.login(t.app, 'manager2@seller.example', PASSWORD);

    for (let round = 0; round < ROUNDS; round++) {
      const user = await admin.post('/api/users', { email: `shared${round}@counsel.example`, name: `Shared ${round}`, password: PASSWORD, orgId: sharedAdvisor, role: 'external' });
      expect(user.status).toBe(201);
      const userId = user.body.id as string;
      const [toC, toD] = await Promise.all([
        deal.manager.post(`${deal.roomPath}/parties/${partyC}/members`, { userId }),
        manager2.post(`${deal.roomPath}/parties/${partyD}/members`, { userId }),
      ]);
      const statuses = [toC.status, toD.status].sort();
      expect(statuses).toEqual([201, 409]);
      const refused = toC.status === 409 ? toC : toD;
      expect(refused.body.error.code).toBe('party_conflict');
      const memberships = await t.db('partyMembers').where({ roomId: deal.room.id, userId });
      expect(memberships).toHaveLength(1);
      expect(memberships[0].partyId).toBe(toC.status === 201 ? partyC : partyD);
      const events = (await ledgerOf(userId)).filter((e) => e.action === 'party.member.add');
      expect(count(events, 'party.member.add', 'allow')).toBe(1);
    }
  }, 120_000);
});
