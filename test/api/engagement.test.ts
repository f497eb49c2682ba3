import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { parseCsv } from '../support/csv.js';
import { engagementDigestJob, weekStartOf } from '../../server/engagement/weekly-digest.js';

let t: TestApp;
let deal: Deal;
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
/** A four-page document in Legal, so pages can be read one by one. */
let report: { id: string };

/**
 * Party A (Alpha Capital and its advisor Lex & Co) may see all three documents of the deal and the
 * report; party B (Beta Holdings) only Finance and Payroll (granted Finance, NDA for Falcon GmbH).
 */
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.finance.id });
  const upload = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('Annual report', 4), name: 'report.pdf' }, {
    folderId: deal.folders.legal.id,
    entityId: deal.entities.ltd.id,
    classification: 'standard',
    personalData: 'none',
  });
  expect(upload.status).toBe(201);
  report = upload.body;
  [buyerA, advisorA, buyerB] = await Promise.all([deal.login('buyerA'), deal.login('advisorA'), deal.login('buyerB')]);
});
afterEach(() => t.close());

/** Opens a view of the document (the viewer's first request) and answers its download id. */
async function openView(client: Client, documentId: string): Promise<string> {
  const res = await client.get(`/api/documents/${documentId}/content?disposition=inline`);
  expect(res.status).toBe(200);
  return res.headers['x-download-id'] as string;
}
async function download(client: Client, documentId: string) {
  expect((await client.get(`/api/documents/${documentId}/content`)).status).toBe(200);
}
/** The view opened `seconds` ago: what a reader who has been on it that long may report. */
const openedAgo = (downloadId: string, seconds: number) => t.db('downloads').where({ id: downloadId }).update({ at: new Date(Date.now() - seconds * 1000).toISOString() });
const pages = (client: Client, documentId: string, downloadId: string, body: object) => client.post(`/api/documents/${documentId}/views/${downloadId}/pages`, body);

interface Item {
  key: string;
  label: string;
  visible: number;
  views: number;
  downloads: number;
  users: number;
  documents: number;
  pagesViewed: number;
  seconds: number;
  lastAt: string | null;
  partyId?: string;
  folderId?: string;
}
async function engagement(query: string, as: Client = deal.manager): Promise<Item[]> {
  const res = await as.get(`${deal.roomPath}/engagement${query}`);
  expect(res.status).toBe(200);
  return res.body.items as Item[];
}

/**
 * A scripted session (seconds within the few a view just opened may report): A's buyer reads three
 * pages of the report and the finance document, and
 * downloads payroll; A's advisor opens Finance twice; B's buyer reads Finance and downloads it; the
 * manager opens the report (the deal team's own views are no engagement).
 */
async function session() {
  const a1 = await openView(buyerA, report.id);
  expect((await pages(buyerA, report.id, a1, { page: 1, seconds: 3 })).status).toBe(204);
  expect((await pages(buyerA, report.id, a1, [{ page: 2, seconds: 2 }, { page: 3, seconds: 2 }])).status).toBe(204);
  expect((await pages(buyerA, report.id, a1, { page: 1, seconds: 1 })).status).toBe(204);
  const a2 = await openView(buyerA, deal.docs.finance.id);
  expect((await pages(buyerA, deal.docs.finance.id, a2, { page: 1, seconds: 4 })).status).toBe(204);
  await download(buyerA, deal.docs.payroll.id);
  await openView(advisorA, deal.docs.finance.id);
  await openView(advisorA, deal.docs.finance.id);
  const b1 = await openView(buyerB, deal.docs.finance.id);
  expect((await pages(buyerB, deal.docs.finance.id, b1, { page: 1, seconds: 5 })).status).toBe(204);
  await download(buyerB, deal.docs.finance.id);
  const m1 = await openView(deal.manager, report.id);
  expect((await pages(deal.manager, report.id, m1, { page: 1, seconds: 3 })).status).toBe(204);
}

/** The same figures by a plain count over the raw rows: deliveries and page reports of the party's members. */
async function plainCount(partyId: string, documentIds?: string[]) {
  const members: string[] = (await t.db('partyMembers').where({ partyId }).select('userId')).map((m: { userId: string }) => m.userId);
  const deliveries: Array<{ userId: string; documentId: string; kind: string }> = (await t.db('downloads').where({ roomId: deal.room.id }).select('userId', 'documentId', 'kind')).filter(
    (d: { userId: string; documentId: string }) => members.includes(d.userId) && (!documentIds || documentIds.includes(d.documentId)),
  );
  const read: Array<{ seconds: number; documentId: string }> = (await t.db('viewPages').whereIn('userId', members).select('seconds', 'documentId')).filter(
    (p: { documentId: string }) => !documentIds || documentIds.includes(p.documentId),
  );
  return {
    views: deliveries.filter((d) => d.kind === 'view').length,
    downloads: deliveries.filter((d) => d.kind !== 'view').length,
    users: new Set(deliveries.map((d) => d.userId)).size,
    documents: new Set(deliveries.map((d) => d.documentId)).size,
    pagesViewed: read.length,
    seconds: read.reduce((s, p) => s + Number(p.seconds), 0),
  };
}

describe('engagement figures', () => {
  it('equal a plain count over a scripted session, party by party, with what each party may see', async () => {
    await session();
    const items = await engagement('?by=party');
    expect(items.map((i) => i.key)).toEqual([deal.parties.A.id, deal.parties.B.id]);
    const [a, b] = items;
    expect(a).toMatchObject({ label: 'Bidder A', visible: 4, ...(await plainCount(deal.parties.A.id)) });
    expect(b).toMatchObject({ label: 'Bidder B', visible: 2, ...(await plainCount(deal.parties.B.id)) });
    // Spelled out, so the plain count itself is checked against the script.
    expect(a).toMatchObject({ views: 4, downloads: 1, users: 2, documents: 3, pagesViewed: 4, seconds: 3 + 2 + 2 + 1 + 4 });
    expect(b).toMatchObject({ views: 1, downloads: 1, users: 1, documents: 1, pagesViewed: 1, seconds: 5 });
    expect(a!.lastAt! >= b!.lastAt!).toBe(false);
  });

  it('answers a room with no activity with every party at zero and what it may see', async () => {
    expect(await engagement('?by=party')).toEqual([
      { key: deal.parties.A.id, label: 'Bidder A', visible: 4, views: 0, downloads: 0, users: 0, documents: 0, pagesViewed: 0, seconds: 0, lastAt: null },
      { key: deal.parties.B.id, label: 'Bidder B', visible: 2, views: 0, downloads: 0, users: 0, documents: 0, pagesViewed: 0, seconds: 0, lastAt: null },
    ]);
  });

  it('by folder with a party counts only that party: B read Finance, A read it too, B is shown its own', async () => {
    await session();
    const byFolder = await engagement(`?by=folder&partyId=${deal.parties.B.id}`);
    const finance = byFolder.find((f) => f.key === deal.folders.finance.id)!;
    expect(finance).toMatchObject({ label: '1 Finance', visible: 1, views: 1, downloads: 1, users: 1, documents: 1, pagesViewed: 1, seconds: 5 });
    expect(byFolder.find((f) => f.key === deal.folders.payroll.id)).toMatchObject({ label: '1.1 Payroll', visible: 1, views: 0, downloads: 0 });
    expect(byFolder.find((f) => f.key === deal.folders.legal.id)).toMatchObject({ label: '2 Legal', visible: 0, views: 0, downloads: 0, pagesViewed: 0 });
    const aFinance = (await engagement(`?by=folder&partyId=${deal.parties.A.id}`)).find((f) => f.key === deal.folders.finance.id)!;
    expect(aFinance).toMatchObject({ visible: 1, ...(await plainCount(deal.parties.A.id, [deal.docs.finance.id])) });
    expect(aFinance).toMatchObject({ views: 3, users: 2 });
  });

  it('by folder without a party adds the parties up and counts what any party may see; the deal team never counts', async () => {
    await session();
    const byFolder = await engagement('?by=folder');
    expect(byFolder.map((f) => f.label)).toEqual(['1 Finance', '1.1 Payroll', '2 Legal']);
    expect(byFolder.find((f) => f.key === deal.folders.legal.id)).toMatchObject({ visible: 2, views: 1, downloads: 0, users: 1, pagesViewed: 3, seconds: 8 });
    expect(byFolder.find((f) => f.key === deal.folders.finance.id)).toMatchObject({ visible: 1, views: 4, downloads: 1, users: 3 });
  });

  it('by document with a party counts only its members, and lists what it may see even unread', async () => {
    await session();
    const docs = await engagement(`?by=document&partyId=${deal.parties.B.id}`);
    expect(docs.map((d) => d.key).sort()).toEqual([deal.docs.finance.id, deal.docs.payroll.id].sort());
    expect(docs.find((d) => d.key === deal.docs.finance.id)).toMatchObject({ label: '1.1 finance', visible: 1, folderId: deal.folders.finance.id, ...(await plainCount(deal.parties.B.id, [deal.docs.finance.id])) });
    expect(docs.find((d) => d.key === deal.docs.payroll.id)).toMatchObject({ visible: 1, views: 0, downloads: 0, users: 0 });
    const reportRow = (await engagement(`?by=document&partyId=${deal.parties.A.id}`)).find((d) => d.key === report.id)!;
    expect(reportRow).toMatchObject({ views: 1, pagesViewed: 3, seconds: 8 });
  });

  it('by user lists every member of the party with their own figures and what they may see', async () => {
    await session();
    const users = await engagement(`?by=user&partyId=${deal.parties.A.id}`);
    expect(users.map((u) => u.key).sort()).toEqual([deal.users.buyerA.id, deal.users.advisorA.id].sort());
    expect(users.find((u) => u.key === deal.users.advisorA.id)).toMatchObject({ label: 'Adam Advisor', partyId: deal.parties.A.id, visible: 4, views: 2, downloads: 0, users: 1, pagesViewed: 0 });
    expect(users.find((u) => u.key === deal.users.buyerA.id)).toMatchObject({ label: 'Łukasz Ørsted', views: 2, downloads: 1, pagesViewed: 4, seconds: 12 });
    const all = await engagement('?by=user');
    expect(all.map((u) => u.partyId)).toEqual([deal.parties.A.id, deal.parties.A.id, deal.parties.B.id]);
    expect(all.map((u) => u.key)).not.toContain(deal.users.manager.id);
  });

  it('by day gives the timeline of a party, and from/to keep to a window', async () => {
    await session();
    const today = new Date().toISOString().slice(0, 10);
    expect(await engagement(`?by=day&partyId=${deal.parties.B.id}`)).toEqual([expect.objectContaining({ key: today, views: 1, downloads: 1, visible: 2 })]);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await engagement(`?by=party&from=${encodeURIComponent(later)}`)).map((p) => p.views)).toEqual([0, 0]);
    expect((await engagement(`?by=party&to=${encodeURIComponent(later)}`)).map((p) => p.views)).toEqual([4, 1]);
  });

  it('keeps a member who left answering for what they did while a member, not after', async () => {
    await session();
    expect((await deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`)).status).toBe(204);
    const [a] = await engagement('?by=party');
    expect(a).toMatchObject({ views: 4, users: 2 });
    const users = await engagement(`?by=user&partyId=${deal.parties.A.id}`);
    expect(users.find((u) => u.key === deal.users.advisorA.id)).toMatchObject({ views: 2, visible: 0 });
  });

  it('keeps each view’s totals equal to a plain count of its pages', async () => {
    await session();
    const reads: Array<{ downloadId: string; pages: number; seconds: number }> = await t.db('viewReads').select('downloadId', 'pages', 'seconds');
    expect(reads.length).toBe(3);
    for (const r of reads) {
      const rows: Array<{ seconds: number }> = await t.db('viewPages').where({ downloadId: r.downloadId }).select('seconds');
      expect({ pages: Number(r.pages), seconds: Number(r.seconds) }).toEqual({ pages: rows.length, seconds: rows.reduce((s, p) => s + Number(p.seconds), 0) });
    }
  });

  it('exports CSV with a formula-looking name escaped', async () => {
    // As a hostile import or an older version could have left it.
    await t.db('parties').where({ id: deal.parties.B.id }).update({ name: '=HYPERLINK("http://evil.example")' });
    const res = await deal.counsel.get(`${deal.roomPath}/engagement?by=party&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['key', 'label', 'visible', 'views', 'downloads', 'users', 'documents', 'pagesViewed', 'seconds', 'lastAt']);
    expect(rows.find((r) => r[0] === deal.parties.B.id)![1]).toBe(`'=HYPERLINK("http://evil.example")`);
  });

  it('records each read in the ledger, with what was asked', async () => {
    await engagement(`?by=folder&partyId=${deal.parties.A.id}`, deal.counsel);
    const event = await t.db('auditEvents').where({ action: 'engagement.read' }).orderBy('seq', 'desc').first();
    expect(event).toMatchObject({ actorId: deal.users.counsel.id, roomId: deal.room.id, decision: 'allow' });
    expect(JSON.parse(event.details)).toMatchObject({ by: 'folder', partyId: deal.parties.A.id });
  });

  it('refuses bad queries naming the field', async () => {
    for (const [query, field] of [
      ['?by=org', 'by'],
      ['?from=yesterday', 'from'],
      ['?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['?limit=3', 'limit'],
    ] as const) {
      const res = await deal.manager.get(`${deal.roomPath}/engagement${query}`);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.error.details)).toContain(field);
    }
  });
});

describe('page reports', () => {
  it('takes one page or a batch, adds the seconds of a page read twice, and caps nothing an honest viewer sends', async () => {
    const id = await openView(buyerA, report.id);
    await openedAgo(id, 300);
    expect((await pages(buyerA, report.id, id, { page: 4, seconds: 12 })).status).toBe(204);
    expect((await pages(buyerA, report.id, id, [{ page: 4, seconds: 8 }, { page: 2, seconds: 0 }, { page: 4, seconds: 1 }])).status).toBe(204);
    const rows = await t.db('viewPages').where({ downloadId: id }).orderBy('page').select('page', 'seconds');
    expect(rows.map((r: { page: number; seconds: number }) => [Number(r.page), Number(r.seconds)])).toEqual([[2, 0], [4, 21]]);
  });

  it('refuses a page past the copy’s last, and bad seconds, naming the field', async () => {
    const id = await openView(buyerA, report.id);
    await openedAgo(id, 300);
    for (const [body, field] of [
      [{ page: 5, seconds: 1 }, 'page'],
      [{ page: 0, seconds: 1 }, 'page'],
      [{ page: 1.5, seconds: 1 }, 'page'],
      [{ page: 1, seconds: -1 }, 'seconds'],
      [{ page: 1, seconds: 2.5 }, 'seconds'],
      [{ page: 1, seconds: 1e9 }, 'seconds'],
      [{ page: 1, seconds: '10' }, 'seconds'],
      [{ page: 1 }, 'seconds'],
      [{ page: 1, seconds: 1, userId: deal.users.buyerB.id }, 'userId'],
      [[{ page: 1, seconds: 1 }, { page: 9, seconds: 1 }], '1.page'],
      [[], 'body'],
    ] as const) {
      const res = await pages(buyerA, report.id, id, body as object);
      expect([res.status, Object.keys(res.body.error?.details ?? {})]).toEqual([400, expect.arrayContaining([field])]);
    }
    expect(await t.db('viewPages').where({ downloadId: id }).count('* as n').first()).toMatchObject({ n: expect.anything() });
    expect(Number((await t.db('viewPages').where({ downloadId: id }).count('* as n').first())!.n)).toBe(0);
  });

  it('never takes more seconds than have passed since the view opened, and caps a page', async () => {
    const id = await openView(buyerA, report.id);
    const tooMuch = await pages(buyerA, report.id, id, { page: 1, seconds: 60 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.details).toHaveProperty('seconds');
    await openedAgo(id, 3 * 3600);
    for (let i = 0; i < 3; i++) expect((await pages(buyerA, report.id, id, { page: 1, seconds: 900 })).status).toBe(204);
    const row = await t.db('viewPages').where({ downloadId: id, page: 1 }).first('seconds');
    expect(Number(row.seconds)).toBe(1800);
  });

  it('refuses a flood of reports on one view', async () => {
    const id = await openView(buyerA, report.id);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await pages(buyerA, report.id, id, { page: 1, seconds: 0 })).status);
    expect(statuses.slice(0, 30).every((s) => s === 204)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it("keeps nothing of the deal team's own views, yet checks them alike", async () => {
    const id = await openView(deal.manager, report.id);
    expect((await pages(deal.manager, report.id, id, { page: 1, seconds: 1 })).status).toBe(204);
    expect((await pages(deal.manager, report.id, id, { page: 5, seconds: 1 })).status).toBe(400);
    expect(await t.db('viewPages').where({ downloadId: id }).first()).toBeUndefined();
  });

  it('is forgotten when the person is erased, while their views stay deliveries', async () => {
    await session();
    expect(await t.db('viewPages').where({ userId: deal.users.buyerA.id }).first()).toBeDefined();
    expect((await deal.admin.post(`/api/users/${deal.users.buyerA.id}/erase`)).status).toBe(200);
    expect(await t.db('viewPages').where({ userId: deal.users.buyerA.id }).first()).toBeUndefined();
    expect(await t.db('viewReads').where({ userId: deal.users.buyerA.id }).first()).toBeUndefined();
    const [a] = await engagement('?by=party');
    expect(a).toMatchObject({ views: 4, downloads: 1, pagesViewed: 0, seconds: 0 });
  });
});

describe('the weekly engagement digest', () => {
  const nextMonday = () => new Date(Date.parse(weekStartOf(new Date().toISOString())) + 7 * 86_400_000 + 3_600_000).toISOString();

  it("mails the room's managers and counsel once a week, party by party, and no one else", async () => {
    await session();
    // The room was made last week, as far as the digest is concerned.
    await t.db('rooms').where({ id: deal.room.id }).update({ createdAt: new Date(Date.now() - 8 * 86_400_000).toISOString() });
    const job = engagementDigestJob(t.config);
    const at = nextMonday();
    await Promise.all([job.run(t.db, at), job.run(t.db, at)]);
    await job.run(t.db, new Date(Date.parse(at) + 86_400_000).toISOString());
    const mails: Array<{ toUserId: string; subject: string; textBody: string }> = await t.db('mailOutbox').where({ kind: 'engagement_digest' }).select('toUserId', 'subject', 'textBody');
    expect(mails.map((m) => m.toUserId).sort()).toEqual([deal.users.manager.id, deal.users.counsel.id, deal.users.counsel2.id].sort());
    const text = mails[0]!.textBody;
    expect(text).toContain('Bidder A: looked at 3 of the 4 documents it may see; 4 views, 1 download by 2 people; 4 pages read');
    expect(text).toContain('Bidder B: looked at 1 of the 2 documents it may see; 1 view, 1 download by 1 person');
    expect(mails[0]!.subject).toContain('Sale of Falcon');
    expect(await t.db('auditEvents').where({ action: 'engagement.digest', roomId: deal.room.id }).count('* as n').first()).toMatchObject({ n: expect.anything() });
  });

  it('sends nothing for a room made after the week ended', async () => {
    await session();
    // This week's Monday: the week that ended then was over before the room was made.
    await engagementDigestJob(t.config).run(t.db, new Date(Date.parse(weekStartOf(new Date().toISOString())) + 60_000).toISOString());
    expect(await t.db('mailOutbox').where({ kind: 'engagement_digest' }).first()).toBeUndefined();
  });
});
