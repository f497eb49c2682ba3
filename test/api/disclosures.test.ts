import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { parseCsv } from '../support/csv.js';

let t: TestApp;
let deal: Deal;
let ndas: { alpha: { id: string }; beta: { id: string } };
let formulaDoc: { id: string };

/**
 * Party A (Alpha Capital, advisor Lex & Co) under Alpha's NDA for both entities, which covers its
 * representatives; party B (Beta Holdings) under its own NDA for Falcon GmbH, granted Finance only.
 */
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  ndas = {
    alpha: await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true }),
    beta: await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] }),
  };
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.finance.id, maxPersonalData: 'none' });
  const upload = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('formula'), name: 'f.pdf' }, {
    folderId: deal.folders.legal.id,
    entityId: deal.entities.ltd.id,
    title: '=HYPERLINK("http://evil.example","open")',
    classification: 'standard',
    personalData: 'pseudonymised',
  });
  expect(upload.status).toBe(201);
  formulaDoc = upload.body;
});
afterEach(() => t.close());

async function deliveries() {
  const buyerA = await deal.login('buyerA');
  const advisorA = await deal.login('advisorA');
  const buyerB = await deal.login('buyerB');
  const get = async (client: typeof buyerA, url: string) => expect((await client.get(url)).status).toBe(200);
  await get(buyerA, `/api/documents/${deal.docs.finance.id}/content`);
  await get(buyerA, `/api/documents/${deal.docs.finance.id}/content?disposition=inline`);
  await get(buyerA, `/api/documents/${deal.docs.payroll.id}/content`);
  await get(buyerA, `/api/documents/${formulaDoc.id}/content`);
  await get(advisorA, `/api/documents/${deal.docs.payroll.id}/content`);
  await get(buyerB, `/api/documents/${deal.docs.finance.id}/content`);
  await get(deal.manager, `/api/documents/${deal.docs.payroll.id}/original`); // the seller's own staff: not a disclosure
}

interface Item {
  orgId: string;
  documentId: string;
  entityId: string;
  personalData: string;
  ndaIds: string[];
  users: Array<{ id: string; name: string; email: string }>;
  first: string;
  last: string;
  count: number;
}

const register = async (query = '') => {
  const res = await deal.counsel.get(`${deal.roomPath}/disclosures${query}`);
  expect(res.status).toBe(200);
  return res.body.items as Item[];
};

describe('the disclosure register', () => {
  it('agrees with the deliveries made: per organisation and document, count, first, last, users and NDAs', async () => {
    await deliveries();
    const rows: Array<{ orgId: string; documentId: string; userId: string; at: string; ndaIds: string }> = await t.db('downloads as dl')
      .join('orgs as o', 'o.id', 'dl.orgId')
      .whereNot('o.kind', 'seller')
      .select('dl.orgId', 'dl.documentId', 'dl.userId', 'dl.at', 'dl.ndaIds');
    const expected = new Map<string, { count: number; first: string; last: string; users: Set<string>; ndaIds: Set<string> }>();
    for (const r of rows) {
      const key = `${r.orgId}/${r.documentId}`;
      const e = expected.get(key) ?? { count: 0, first: r.at, last: r.at, users: new Set(), ndaIds: new Set() };
      e.count++;
      if (r.at < e.first) e.first = r.at;
      if (r.at > e.last) e.last = r.at;
      e.users.add(r.userId);
      for (const id of JSON.parse(r.ndaIds) as string[]) e.ndaIds.add(id);
      expected.set(key, e);
    }
    const items = await register();
    expect(items).toHaveLength(expected.size);
    for (const item of items) {
      const e = expected.get(`${item.orgId}/${item.documentId}`)!;
      expect(item).toMatchObject({ count: e.count, first: e.first, last: e.last, ndaIds: [...e.ndaIds].sort() });
      expect(item.users.map((u) => u.id).sort()).toEqual([...e.users].sort());
    }
    expect(items.reduce((n, i) => n + i.count, 0)).toBe(6);
    expect(items.some((i) => i.orgId === deal.orgs.sellerOrgId)).toBe(false);
  });

  it('names the NDA that covered each recipient: an advisor under the acquirer NDA that covers representatives', async () => {
    await deliveries();
    const items = await register();
    const lexPayroll = items.find((i) => i.orgId === deal.orgs.lex.id && i.documentId === deal.docs.payroll.id)!;
    expect(lexPayroll).toMatchObject({ entityId: deal.entities.gmbh.id, personalData: 'identified', ndaIds: [ndas.alpha.id], count: 1 });
    expect(lexPayroll.users).toEqual([{ id: deal.users.advisorA.id, name: 'Adam Advisor', email: 'adam@lex.example' }]);
    const betaFinance = items.find((i) => i.orgId === deal.orgs.beta.id)!;
    expect(betaFinance).toMatchObject({ documentId: deal.docs.finance.id, ndaIds: [ndas.beta.id], personalData: 'none' });
    const alphaFinance = items.find((i) => i.orgId === deal.orgs.alpha.id && i.documentId === deal.docs.finance.id)!;
    expect(alphaFinance.count).toBe(2);
  });

  it('answers Art. 15 per entity and personal-data level: which recipients received that data', async () => {
    await deliveries();
    const res = await deal.counsel.get(`${deal.roomPath}/disclosures?view=recipients&entityId=${deal.entities.gmbh.id}&personalData=pseudonymised,identified`);
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ orgId: string; entityId: string; personalData: string; documentIds: string[]; ndaIds: string[]; count: number }>;
    expect(items.map((i) => [i.orgId, i.personalData, i.documentIds, i.ndaIds, i.count]).sort()).toEqual(
      [
        [deal.orgs.alpha.id, 'identified', [deal.docs.payroll.id], [ndas.alpha.id], 1],
        [deal.orgs.lex.id, 'identified', [deal.docs.payroll.id], [ndas.alpha.id], 1],
      ].sort(),
    );
    const ltd = await register(`?entityId=${deal.entities.ltd.id}&personalData=pseudonymised`);
    expect(ltd.map((i) => [i.orgId, i.documentId])).toEqual([[deal.orgs.alpha.id, formulaDoc.id]]);
    expect(await register(`?orgId=${deal.orgs.beta.id}&personalData=identified`)).toEqual([]);
  });

  it('exports CSV in which no cell starts a formula', async () => {
    await deliveries();
    for (const view of ['documents', 'recipients']) {
      const csv = await deal.counsel.get(`${deal.roomPath}/disclosures?format=csv&view=${view}`);
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      const rows = parseCsv(csv.text);
      expect(rows.length).toBeGreaterThan(1);
      for (const cell of rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    const csv = await deal.counsel.get(`${deal.roomPath}/disclosures?format=csv`);
    expect(csv.text.split('\r\n')[0]).toBe('orgId,orgName,documentId,title,entityId,entityName,personalData,ndaIds,users,first,last,count');
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"",""open"")"`);
  });

  it('records each reading of the register in the ledger', async () => {
    await register('?view=recipients');
    const events = await t.db('auditEvents').where({ action: 'disclosures.read', roomId: deal.room.id });
    expect(events.map((e: { actorId: string; decision: string }) => [e.actorId, e.decision])).toEqual([[deal.users.counsel.id, 'allow']]);
  });

  it('is for managers and counsel: an external member who sees the room gets 403', async () => {
    const buyer = await deal.login('buyerA');
    expect((await buyer.get(`${deal.roomPath}/disclosures`)).status).toBe(403);
    expect((await deal.manager.get(`${deal.roomPath}/disclosures`)).status).toBe(200);
  });

  it('answers a room the caller cannot see exactly like a room that does not exist', async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id] });
    const hidden = await deal.counsel.get(`/api/rooms/${other.body.id}/disclosures`);
    const missing = await deal.counsel.get('/api/rooms/00000000-0000-4000-8000-000000000000/disclosures');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual(missing.body);
  });

  it('names the field of a bad filter', async () => {
    const res = await deal.counsel.get(`${deal.roomPath}/disclosures?personalData=secret&view=everything`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details).sort()).toEqual(['personalData.0', 'view']);
  });
});
