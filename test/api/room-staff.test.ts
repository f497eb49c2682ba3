import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal } from '../support/world.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(() => t.close());

describe('GET /api/rooms/:roomId/staff', () => {
  it("lists the room's managers and counsel to room staff", async () => {
    const deal = await buildDeal(t);
    const counsel = await deal.login('counsel');
    const res = await counsel.get(`/api/rooms/${deal.room.id}/staff`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { email: string; role: string }) => [s.email, s.role])).toEqual([
      ['manager@seller.example', 'manager'],
      ['counsel@seller.example', 'counsel'],
      ['counsel2@seller.example', 'counsel'],
    ]);
  });

  it('refuses external users: 403 for a member of the room, and the refusal is in the ledger', async () => {
    const deal = await buildDeal(t);
    const buyer = await deal.login('buyerA');
    const res = await buyer.get(`/api/rooms/${deal.room.id}/staff`);
    expect(res.status).toBe(403);
    const denied = await t.db('auditEvents').where({ action: 'room.staff.list', decision: 'deny' }).first();
    expect(denied).toBeDefined();
  });
});
