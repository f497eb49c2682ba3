import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { verifyChain } from '../../server/audit/verify-chain.js';
import { csvCell } from '../../server/audit/csv.js';

let t: TestApp;
let deal: Deal;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

describe('the audit ledger', () => {
  it('verifies end to end after mixed traffic', async () => {
    const res = await deal.admin.get('/api/audit/verify');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, count: expect.any(Number), head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(res.body.count).toBeGreaterThan(20);
  });

  it('names the seq of an edited row', async () => {
    const victim = await t.db('auditEvents').where({ action: 'room.create' }).first();
    await t.db('auditEvents').where({ seq: victim.seq }).update({ details: '{"name":"Something else"}' });
    expect(await verifyChain(t.db)).toMatchObject({ ok: false, brokenSeq: Number(victim.seq) });
  });

  it('names the seq where a row was deleted', async () => {
    await t.db('auditEvents').where({ seq: 5 }).delete();
    expect(await verifyChain(t.db)).toMatchObject({ ok: false, brokenSeq: 5 });
  });

  it('lets room staff read the room trail and export it as CSV', async () => {
    const json = await deal.counsel.get(`${deal.roomPath}/audit?limit=5`);
    expect(json.status).toBe(200);
    expect(json.body.items).toHaveLength(5);
    const seqs = json.body.items.map((e: { seq: number }) => e.seq);
    expect([...seqs].sort((a: number, b: number) => b - a)).toEqual(seqs);
    const older = await deal.counsel.get(`${deal.roomPath}/audit?limit=5&before=${seqs[4]}`);
    expect(older.body.items[0].seq).toBeLessThan(seqs[4]);
    const csv = await deal.counsel.get(`${deal.roomPath}/audit?format=csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('seq,at,actorId,action,decision,subjectType,subjectId,details,hash');
  });

  it('refuses the room trail to external members, who can see the room, with 403', async () => {
    const buyer = await deal.login('buyerA');
    expect((await buyer.get(`${deal.roomPath}/audit`)).status).toBe(403);
  });
});

describe('CSV cells', () => {
  it.each(['=HYPERLINK("x")', '+1', '-1+2', '@SUM(A1)', '\t=1'])('never start a formula: %s', (value) => {
    expect(csvCell(value).replace(/^"/, '')).toMatch(/^'/);
  });
});
