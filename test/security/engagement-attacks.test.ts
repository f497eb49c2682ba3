import { randomUUID } from 'node:crypto';
import { ADMIN, Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { engagementDigestJob, weekStartOf } from '../../server/engagement/weekly-digest.js';

/**
 * Engagement under attack: who may read the figures, who may report pages of which view, and what a
 * party can learn of another's activity. Party A may see everything; party B Finance only.
 */
let t: TestApp;
let deal: Deal;
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
let report: { id: string };

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.finance.id });
  const upload = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Annual report', 3), name: 'report.pdf' }, {
    folderId: deal.folders.legal.id,
    entityId: deal.entities.ltd.id,
    classification: 'standard',
    personalData: 'none',
  });
  report = upload.body;
  [buyerA, advisorA, buyerB] = await Promise.all([deal.login('buyerA'), deal.login('advisorA'), deal.login('buyerB')]);
});
afterEach(() => t.close());

async function openView(client: Client, documentId: string): Promise<string> {
  const res = await client.get(`/api/documents/${documentId}/content?disposition=inline`);
  expect(res.status).toBe(200);
  return res.headers['x-download-id'] as string;
}
const report1 = (client: Client, documentId: string, downloadId: string, body: object = { page: 1, seconds: 1 }) =>
  client.post(`/api/documents/${encodeURIComponent(documentId)}/views/${encodeURIComponent(downloadId)}/pages`, body);
const countPages = async () => Number((await t.db('viewPages').count('* as n').first())!.n);

describe('who reads the figures', () => {
  it('answers every external user as for a missing room, body for body, and records the refusal', async () => {
    const missing = await deal.manager.get(`/api/rooms/${randomUUID()}/engagement`);
    expect(missing.status).toBe(404);
    for (const client of [buyerA, advisorA, buyerB]) {
      for (const query of ['', '?by=user', `?by=document&partyId=${deal.parties.A.id}`, `?by=folder&partyId=${deal.parties.B.id}`, '?format=csv']) {
        const res = await client.get(`${deal.roomPath}/engagement${query}`);
        expect([res.status, res.body]).toEqual([404, missing.body]);
      }
    }
    const refusals = await t.db('auditEvents').where({ action: 'engagement.read', decision: 'deny', actorId: deal.users.buyerB.id }).count('* as n').first();
    expect(Number(refusals!.n)).toBe(5);
  });

  it('answers staff of another deal and an outsider alike, and a party of another room as a missing one', async () => {
    const sellerOrgId = deal.orgs.sellerOrgId;
    await deal.admin.post('/api/users', { email: 'otto@seller.example', name: 'Otto Other', password: PASSWORD, orgId: sellerOrgId, role: 'staff' });
    const otto = await Client.login(t.app, 'otto@seller.example', PASSWORD);
    const other = await otto.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.outside.id] });
    expect(other.status).toBe(201);
    const missing = await otto.get(`/api/rooms/${randomUUID()}/engagement`);
    expect([(await otto.get(`${deal.roomPath}/engagement`)).status, (await otto.get(`${deal.roomPath}/engagement`)).body]).toEqual([404, missing.body]);
    // Otto's own room, asked for a party of this one.
    const res = await otto.get(`/api/rooms/${other.body.id}/engagement?partyId=${deal.parties.A.id}`);
    expect([res.status, res.body]).toEqual([404, missing.body]);
    // The admin acts as manager everywhere.
    const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
    expect((await admin.get(`${deal.roomPath}/engagement`)).status).toBe(200);
  });

  it('never lets a party learn of another party’s activity: what B reads of the room is the same before and after A reads everything', async () => {
    const bSees = async () => {
      const docs = await buyerB.get(`${deal.roomPath}/documents`);
      const doc = await buyerB.get(`/api/documents/${deal.docs.finance.id}`);
      const room = await buyerB.get(deal.roomPath);
      return JSON.stringify([docs.body, doc.body, room.body]);
    };
    const before = await bSees();
    for (const id of [deal.docs.finance.id, deal.docs.payroll.id, deal.docs.legal.id, report.id]) {
      const view = await openView(buyerA, id);
      expect((await report1(buyerA, id, view)).status).toBe(204);
    }
    expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
    expect(await bSees()).toEqual(before);
  });

  it('digests go to the deal team only: no party member ever gets one, whatever they are notified of', async () => {
    const view = await openView(buyerA, report.id);
    expect((await report1(buyerA, report.id, view)).status).toBe(204);
    await t.db('rooms').where({ id: deal.room.id }).update({ createdAt: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    await engagementDigestJob(t.config).run(t.db, new Date(Date.parse(weekStartOf(new Date().toISOString())) + 7 * 86_400_000 + 60_000).toISOString());
    const to: string[] = (await t.db('mailOutbox').where({ kind: 'engagement_digest' }).select('toUserId')).map((m: { toUserId: string }) => m.toUserId);
    expect(to.length).toBe(3);
    for (const member of [deal.users.buyerA.id, deal.users.advisorA.id, deal.users.buyerB.id]) expect(to).not.toContain(member);
  });
});

describe('who reports pages of a view', () => {
  it('refuses everyone but the viewer who opened it, as a made-up id, and records each refusal', async () => {
    const aReport = await openView(buyerA, report.id);
    const aFinance = await openView(buyerA, deal.docs.finance.id);
    const bFinance = await openView(buyerB, deal.docs.finance.id);
    const aDownload = (await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`)).headers['x-download-id'] as string;
    const madeUp = await report1(buyerA, report.id, 'ZZZZZZZZZZZZ');
    expect(madeUp.status).toBe(404);
    const attempts: Array<[Client, string, string]> = [
      [buyerB, report.id, aReport], // another party's view, of a document B may not see
      [buyerB, deal.docs.finance.id, aFinance], // another party's view of a document B may see
      [advisorA, report.id, aReport], // a colleague of the same party
      [buyerA, deal.docs.finance.id, bFinance], // another party's view, the other way round
      [buyerA, deal.docs.finance.id, aDownload], // a download, not a view
      [buyerA, report.id, aFinance], // their own view, of another document
      [buyerA, randomUUID(), aReport], // a document that does not exist
      [buyerA, report.id, 'x'.repeat(64)],
      [deal.manager, report.id, aReport], // the deal team cannot report for a bidder
    ];
    for (const [client, documentId, downloadId] of attempts) {
      const res = await report1(client, documentId, downloadId);
      expect([res.status, res.body]).toEqual([404, madeUp.body]);
    }
    expect(await countPages()).toBe(0);
    const refusals = await t.db('auditEvents').where({ action: 'document.view.pages', decision: 'deny' }).count('* as n').first();
    expect(Number(refusals!.n)).toBe(attempts.length + 1);
    expect((await report1(buyerA, report.id, aReport)).status).toBe(204);
  });

  it('stops taking reports the moment the viewer may no longer see the document', async () => {
    const view = await openView(buyerB, deal.docs.finance.id);
    expect((await report1(buyerB, deal.docs.finance.id, view)).status).toBe(204);
    const grant = await t.db('grants').where({ partyId: deal.parties.B.id }).first('id');
    expect((await deal.manager.delete(`${deal.roomPath}/grants/${grant.id}`)).status).toBe(204);
    expect((await report1(buyerB, deal.docs.finance.id, view, { page: 1, seconds: 1 })).status).toBe(404);
  });

  it('refuses a report without the CSRF token of the session', async () => {
    const view = await openView(buyerA, report.id);
    const res = await buyerA.agent.post(`/api/documents/${report.id}/views/${view}/pages`).send({ page: 1, seconds: 1 });
    expect(res.status).toBe(403);
    expect(await countPages()).toBe(0);
  });

  it('refuses hostile bodies naming the field, writing nothing', async () => {
    const view = await openView(buyerA, report.id);
    const hostile: Array<[unknown, string]> = [
      [JSON.parse('{"page":1,"seconds":1,"__proto__":{"admin":true}}'), '__proto__'],
      [{ page: 1, seconds: 1, downloadId: 'ZZZZZZZZZZZZ' }, 'downloadId'],
      [Array.from({ length: 101 }, () => ({ page: 1, seconds: 0 })), 'body'],
      [[[{ page: 1, seconds: 1 }]], '0'],
      [{ page: '1 OR 1=1', seconds: 1 }, 'page'],
      [{ page: null, seconds: 1 }, 'page'],
      [{ page: 1, seconds: Number.MAX_SAFE_INTEGER }, 'seconds'],
    ];
    for (const [body, field] of hostile) {
      const res = await buyerA.post(`/api/documents/${report.id}/views/${view}/pages`, body as object);
      expect([res.status, Object.keys(res.body.error?.details ?? {})]).toEqual([400, expect.arrayContaining([field])]);
    }
    expect(await countPages()).toBe(0);
  });

  it('cannot be raced past the time a view has been open: two reports at once add up one after the other', async () => {
    const view = await openView(buyerA, report.id);
    const results = await Promise.all([report1(buyerA, report.id, view, { page: 1, seconds: 8 }), report1(buyerA, report.id, view, { page: 2, seconds: 8 })]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 400]);
    const read = await t.db('viewReads').where({ downloadId: view }).first('pages', 'seconds');
    expect([Number(read.pages), Number(read.seconds)]).toEqual([1, 8]);
  });

  it('never counts a report on a replayed view after its document was withdrawn', async () => {
    const view = await openView(buyerA, report.id);
    expect((await deal.manager.post(`/api/documents/${report.id}/withdraw`, { reason: 'superseded' })).status).toBe(200);
    expect((await report1(buyerA, report.id, view)).status).toBe(404);
    expect(await countPages()).toBe(0);
  });
});
