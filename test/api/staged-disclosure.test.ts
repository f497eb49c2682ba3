/**
 * Staged disclosure and the document lifecycle (docs/http-api.md; API.md "Staged disclosure and the
 * document lifecycle"), row by row: uploads start as drafts, the deal team previews what publishing
 * would expose to each party and publishes, moves, renames, reorders, reclassifies, withdraws and
 * deletes, and reads the version history. Leaks of drafts through other channels are attacked in
 * test/security/staged-disclosure-attacks.test.ts.
 */
import { startTestApp, type Client, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { binary } from '../support/binary.js';
import { rowStoreKeyOf } from '../../server/datasets/row-store.js';
import { createHash } from 'node:crypto';

let t: TestApp;
let deal: Deal;
let anna: Client;
let bob: Client;
beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  // Both parties are covered for both entities; A may download Finance (and below), B the whole room, neither personal data above pseudonymised.
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, maxClassification: 'highly_confidential', maxPersonalData: 'identified' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: null, maxClassification: 'confidential', maxPersonalData: 'pseudonymised' });
  await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' }));
  anna = await deal.login('buyerA');
  bob = await deal.login('buyerB');
});
afterEach(() => t.close());

async function expectOk(res: PromiseLike<{ status: number; body: any }>, status = 200) {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

const upload = async (title: string, opts: { folderId?: string; entityId?: string; classification?: string; personalData?: string } = {}) =>
  (await expectOk(
    deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title), name: `${title}.pdf` }, {
      folderId: opts.folderId ?? deal.folders.finance.id,
      entityId: opts.entityId ?? deal.entities.gmbh.id,
      title,
      classification: opts.classification ?? 'standard',
      personalData: opts.personalData ?? 'none',
    }),
    201,
  )) as { id: string };

const listed = async (client: Client) => ((await expectOk(client.get(`${deal.roomPath}/documents`))).items as Array<{ id: string; title: string; index: string }>);
const titles = async (client: Client) => (await listed(client)).map((d) => d.title).sort();

describe('a room says how its uploads start', () => {
  it('as drafts by default; published at once when the deal team says so; outsiders never read the setting', async () => {
    const created = await expectOk(deal.manager.post('/api/rooms', { name: 'Sale of Kestrel', entityIds: [deal.entities.gmbh.id] }), 201);
    expect(created.uploadsStartAs).toBe('draft');
    expect((await expectOk(deal.manager.patch(`/api/rooms/${created.id}`, { uploadsStartAs: 'published', codeName: 'Project Kestrel' }))).uploadsStartAs).toBe('published');
    expect((await expectOk(deal.manager.get(`/api/rooms/${created.id}`))).codeName).toBe('Project Kestrel');
    const bad = await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'visible' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toHaveProperty('uploadsStartAs');
    expect(await expectOk(anna.get(deal.roomPath))).not.toHaveProperty('uploadsStartAs');
  });

  it('in a room that publishes at upload, a new document reaches the parties at once', async () => {
    await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' }));
    const doc = await upload('Board minutes');
    expect(await expectOk(deal.manager.get(`/api/documents/${doc.id}`))).toMatchObject({ status: 'published' });
    expect(await titles(anna)).toContain('Board minutes');
  });
});

describe('drafts', () => {
  it('are the deal team\'s alone: listed with their status for staff, absent for the parties whose grants would cover them', async () => {
    const doc = await upload('Draft forecast');
    const staff = (await listed(deal.manager)).find((d) => d.id === doc.id) as unknown as { status: string };
    expect(staff.status).toBe('draft');
    expect(await titles(anna)).not.toContain('Draft forecast');
    expect(await titles(bob)).not.toContain('Draft forecast');
    expect((await anna.get(`/api/documents/${doc.id}`)).status).toBe(404);
    expect((await expectOk(deal.manager.get(`${deal.roomPath}/documents?status=draft`))).items.map((d: { id: string }) => d.id)).toEqual([doc.id]);
  });
});

describe('publishing with a preview', () => {
  it('counts per party what it would gain — documents, personal data, highly confidential — by the access rule, and publishing gives exactly that', async () => {
    const plain = await upload('Plain memo');
    const personal = await upload('Staff list', { personalData: 'identified' });
    const secret = await upload('Valuation', { classification: 'highly_confidential' });
    const legal = await upload('Side letter', { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id });
    const preview = await expectOk(deal.manager.get(`${deal.roomPath}/publish/preview?all=true`));
    expect(preview.documents).toBe(4);
    const byParty = Object.fromEntries(preview.parties.map((p: { name: string }) => [p.name, p]));
    // A: Finance only, every level of sensitivity. B: the whole room up to confidential and pseudonymised.
    expect(byParty['Bidder A']).toMatchObject({ partyId: deal.parties.A.id, documents: 3, personalData: 1, highlyConfidential: 1 });
    expect(byParty['Bidder B']).toMatchObject({ partyId: deal.parties.B.id, documents: 2, personalData: 0, highlyConfidential: 0 });

    expect(await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { all: true }))).toEqual({ published: 4 });
    const drafts = [plain, personal, secret, legal].map((d) => d.id);
    expect((await listed(anna)).filter((d) => drafts.includes(d.id))).toHaveLength(3);
    expect((await listed(bob)).filter((d) => drafts.includes(d.id)).map((d) => d.title).sort()).toEqual(['Plain memo', 'Side letter']);
    // Published once: a second publish finds nothing left to publish.
    expect(await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { all: true }))).toEqual({ published: 0 });
  });

  it('never takes an empty selection for the whole room: every draft only when asked for in so many words', async () => {
    await upload('Unselected');
    for (const body of [{}, { documentIds: [] }]) {
      const res = await deal.manager.post(`${deal.roomPath}/publish`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty('documentIds');
    }
    for (const query of ['', '?documentIds=', '?documentIds=,']) expect((await deal.manager.get(`${deal.roomPath}/publish/preview${query}`)).status).toBe(400);
    expect(await titles(anna)).not.toContain('Unselected');
  });

  it('by named documents or by a folder\'s subtree, and names an unknown document or folder', async () => {
    const inPayroll = await upload('Payroll 2025', { folderId: deal.folders.payroll.id });
    const inFinance = await upload('Cash flow');
    const inLegal = await upload('Claims', { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id });
    const subtree = await expectOk(deal.manager.get(`${deal.roomPath}/publish/preview?folderId=${deal.folders.finance.id}`));
    expect(subtree.documents).toBe(2);
    const named = await expectOk(deal.manager.get(`${deal.roomPath}/publish/preview?documentIds=${inLegal.id}`));
    expect(named.documents).toBe(1);
    expect(named.parties.find((p: { partyId: string }) => p.partyId === deal.parties.A.id).documents).toBe(0);

    const unknown = await deal.manager.get(`${deal.roomPath}/publish/preview?documentIds=${inLegal.id},no-such-id`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toHaveProperty('documentIds');
    const noFolder = await deal.manager.post(`${deal.roomPath}/publish`, { folderId: 'no-such-folder' });
    expect(noFolder.status).toBe(400);
    expect(noFolder.body.error.details).toHaveProperty('folderId');

    expect(await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { folderId: deal.folders.payroll.id }))).toEqual({ published: 1 });
    expect(await titles(anna)).toEqual(expect.arrayContaining(['Payroll 2025']));
    expect(await titles(anna)).not.toContain('Cash flow');
    expect(await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [inFinance.id, inPayroll.id] }))).toEqual({ published: 1 });
    expect(await titles(anna)).toContain('Cash flow');
  });

  it('is the manager\'s: counsel may not preview or publish, a party member gets what a hidden room gives', async () => {
    await upload('Draft');
    expect((await deal.counsel.get(`${deal.roomPath}/publish/preview?all=true`)).status).toBe(403);
    expect((await deal.counsel.post(`${deal.roomPath}/publish`, { all: true })).status).toBe(403);
    expect((await anna.post(`${deal.roomPath}/publish`, { all: true })).status).toBe(403);
    expect(await titles(anna)).not.toContain('Draft');
  });

  it('records each publication on the ledger, with the version published', async () => {
    const doc = await upload('Audit report');
    await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [doc.id] }));
    const events = (await expectOk(deal.counsel.get(`${deal.roomPath}/audit?action=document.publish`))).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subjectId: doc.id, decision: 'allow', actorId: deal.users.manager.id, details: expect.objectContaining({ from: 'draft' }) });
  });
});

describe('versions follow the document\'s stage', () => {
  it('a new version of a published document is published at once; of a draft, it stays a draft', async () => {
    const published = await upload('Lease');
    await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [published.id] }));
    const draft = await upload('Lease amendment');
    for (const id of [published.id, draft.id]) {
      await expectOk(deal.manager.upload(`/api/documents/${id}/versions`, { data: await makePdf('Second version'), name: 'v2.pdf' }), 201);
    }
    expect((await expectOk(deal.manager.get(`/api/documents/${published.id}`))).status).toBe('published');
    expect((await expectOk(deal.manager.get(`/api/documents/${draft.id}`))).status).toBe('draft');
    expect((await expectOk(anna.get(`/api/documents/${published.id}`))).version).toBe(2);
    expect((await anna.get(`/api/documents/${draft.id}`)).status).toBe(404);
  });

  it('the history lists every version, who stored it, and which parties received it; any version\'s file for the deal team, nothing for outsiders', async () => {
    const doc = await upload('Tax return');
    await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [doc.id] }));
    const first = await expectOk(anna.get(`/api/documents/${doc.id}/content`).buffer(true).parse(binary));
    expect(first).toBeDefined();
    await expectOk(deal.manager.upload(`/api/documents/${doc.id}/versions`, { data: await makePdf('Tax return, corrected'), name: 'v2.pdf' }), 201);
    const history = (await expectOk(deal.counsel.get(`/api/documents/${doc.id}/versions`))).items;
    expect(history.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(history[0]).toMatchObject({ createdBy: deal.users.manager.id, createdByName: 'Mia Manager', receivedBy: [] });
    expect(history[1].receivedBy).toEqual([expect.objectContaining({ partyId: deal.parties.A.id, partyName: 'Bidder A', orgId: deal.orgs.alpha.id, deliveries: 1 })]);

    const old = await deal.counsel.get(`/api/documents/${doc.id}/versions/${history[1].versionId}/original`).buffer(true).parse(binary);
    expect(old.status).toBe(200);
    expect(old.headers['x-download-id']).toBeTruthy();
    expect(createHash('sha256').update(old.body).digest('hex')).toBe(history[1].sha256);
    // Outsiders have the current version only: the history is a 404 like a document they cannot see.
    for (const path of [`/api/documents/${doc.id}/versions`, `/api/documents/${doc.id}/versions/${history[1].versionId}/original`]) {
      const res = await anna.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual((await anna.get('/api/documents/no-such-document/versions')).body);
    }
    expect((await deal.manager.get(`/api/documents/${doc.id}/versions/no-such-version/original`)).status).toBe(404);
  });
});

describe('moving, renaming, reordering and reclassifying', () => {
  it('reorders within a folder and moves between folders with contiguous numbering, and refuses a position out of range naming it', async () => {
    await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' }));
    const a = await upload('Alpha');
    const b = await upload('Bravo');
    const indexOf = async (id: string) => (await expectOk(deal.manager.get(`/api/documents/${id}`))).index;
    // Finance holds finance.pdf (1.1), Alpha (1.2), Bravo (1.3).
    expect([await indexOf(a.id), await indexOf(b.id)]).toEqual(['1.2', '1.3']);
    expect((await expectOk(deal.manager.patch(`/api/documents/${b.id}`, { position: 1 }))).index).toBe('1.1');
    expect([await indexOf(deal.docs.finance.id), await indexOf(a.id)]).toEqual(['1.2', '1.3']);

    const moved = await expectOk(deal.manager.patch(`/api/documents/${b.id}`, { folderId: deal.folders.legal.id, title: 'Bravo (legal)' }));
    expect(moved).toMatchObject({ folderId: deal.folders.legal.id, index: '2.2', title: 'Bravo (legal)' });
    expect([await indexOf(deal.docs.finance.id), await indexOf(a.id)]).toEqual(['1.1', '1.2']);

    for (const position of [0, -1, 1.5, 4, '2']) {
      const res = await deal.manager.patch(`/api/documents/${a.id}`, { position });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty('position');
    }
    const elsewhere = await deal.manager.patch(`/api/documents/${a.id}`, { folderId: 'no-such-folder' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.details).toHaveProperty('folderId');
    expect((await deal.manager.patch(`/api/documents/${a.id}`, {})).status).toBe(400);
    expect(await indexOf(a.id)).toBe('1.2');
  });

  it('access follows a move or a reclassification on the next request', async () => {
    await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' }));
    const doc = await upload('Pension plan');
    expect(await titles(anna)).toContain('Pension plan');
    await expectOk(deal.manager.patch(`/api/documents/${doc.id}`, { folderId: deal.folders.legal.id }));
    expect(await titles(anna)).not.toContain('Pension plan');
    expect(await titles(bob)).toContain('Pension plan');
    await expectOk(deal.manager.patch(`/api/documents/${doc.id}`, { classification: 'highly_confidential' }));
    expect(await titles(bob)).not.toContain('Pension plan');
    expect((await bob.get(`/api/documents/${doc.id}`)).status).toBe(404);
  });

  it('renames, moves and reorders folders, recomputing every index below; never into its own subtree', async () => {
    const tax = await expectOk(deal.manager.post(`${deal.roomPath}/folders`, { name: 'Tax', parentId: deal.folders.finance.id }), 201);
    expect(tax.index).toBe('1.2');
    const folders = async () => Object.fromEntries((await expectOk(deal.manager.get(`${deal.roomPath}/folders`))).items.map((f: { name: string; index: string }) => [f.name, f.index]));
    expect(await expectOk(deal.manager.patch(`${deal.roomPath}/folders/${deal.folders.legal.id}`, { position: 1, name: 'Legal & regulatory' }))).toMatchObject({ index: '1', name: 'Legal & regulatory' });
    expect(await folders()).toEqual({ 'Legal & regulatory': '1', Finance: '2', Payroll: '2.1', Tax: '2.2' });
    expect(await expectOk(deal.manager.patch(`${deal.roomPath}/folders/${deal.folders.payroll.id}`, { parentId: deal.folders.legal.id }))).toMatchObject({ index: '1.1' });
    expect(await folders()).toEqual({ 'Legal & regulatory': '1', Payroll: '1.1', Finance: '2', Tax: '2.1' });
    expect((await expectOk(deal.manager.get(`/api/documents/${deal.docs.payroll.id}`))).index).toBe('1.1.1');

    for (const parentId of [deal.folders.finance.id, tax.id]) {
      const res = await deal.manager.patch(`${deal.roomPath}/folders/${deal.folders.finance.id}`, { parentId });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty('parentId');
    }
    const top = await expectOk(deal.manager.patch(`${deal.roomPath}/folders/${tax.id}`, { parentId: null, position: 1 }));
    expect(top.index).toBe('1');
    expect(await folders()).toEqual({ Tax: '1', 'Legal & regulatory': '2', Payroll: '2.1', Finance: '3' });
    expect((await deal.manager.patch(`${deal.roomPath}/folders/${tax.id}`, { position: 9 })).status).toBe(400);
  });
});

describe('withdrawing', () => {
  it('ends outsiders\' access from the next request, keeps the reason for the deal team, and a named publish puts it back', async () => {
    await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' }));
    const doc = await upload('Customer contract');
    const taken = await anna.get(`/api/documents/${doc.id}/content`).buffer(true).parse(binary);
    expect(taken.status).toBe(200);
    expect(await expectOk(deal.manager.post(`/api/documents/${doc.id}/withdraw`, { reason: 'Superseded by the signed version' }))).toEqual({ status: 'withdrawn' });
    expect((await anna.get(`/api/documents/${doc.id}`)).status).toBe(404);
    // A link handed out before (a resumed range of the same delivery) stops too.
    const resumed = await anna.get(`/api/documents/${doc.id}/content?download=${taken.headers['x-download-id']}`).set('Range', 'bytes=0-99');
    expect(resumed.status).toBe(404);
    expect(await expectOk(deal.manager.get(`/api/documents/${doc.id}`))).toMatchObject({
      status: 'withdrawn', withdrawnReason: 'Superseded by the signed version', withdrawnBy: deal.users.manager.id,
    });
    const reason = await deal.manager.post(`/api/documents/${doc.id}/withdraw`, { reason: '' });
    expect(reason.status).toBe(400);
    expect(reason.body.error.details).toHaveProperty('reason');

    expect((await expectOk(deal.manager.get(`${deal.roomPath}/publish/preview?all=true`))).documents).toBe(0);
    expect(await expectOk(deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [doc.id] }))).toEqual({ published: 1 });
    expect(await titles(anna)).toContain('Customer contract');
  });
});

describe('deleting', () => {
  it("removes a dataset's stored rows with it, in both forms: the file and the row store deliveries read", async () => {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from('Name,Salary\nAnna,1\nBert,2\n'), name: 'census-mistake.csv' }, {
      folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'identified',
    });
    expect(res.status).toBe(201);
    const [{ objectKey }] = (await t.db('documentVersions').where({ documentId: res.body.id }).select('objectKey')) as Array<{ objectKey: string }>;
    expect(await t.store.stat(rowStoreKeyOf(objectKey))).not.toBeNull();
    expect((await deal.manager.delete(`/api/documents/${res.body.id}`)).status).toBe(204);
    expect(await t.store.stat(objectKey)).toBeNull();
    expect(await t.store.stat(rowStoreKeyOf(objectKey))).toBeNull();
  });

  it('removes a document that never left the deal team, rows and stored file; a delivered one must be withdrawn instead', async () => {
    await expectOk(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' }));
    const kept = await upload('Viewed once');
    const viewed = await anna.get(`/api/documents/${kept.id}/content?disposition=inline`).buffer(true).parse(binary);
    expect(viewed.status).toBe(200);
    const refused = await deal.manager.delete(`/api/documents/${kept.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('delivered');
    expect((await expectOk(deal.manager.get(`/api/documents/${kept.id}`))).status).toBe('published');

    const mistake = await upload('Wrong file');
    const own = await deal.manager.get(`/api/documents/${mistake.id}/original`).buffer(true).parse(binary);
    expect(own.status).toBe(200);
    const objectsBefore = ((await t.db('documentVersions').where({ documentId: mistake.id }).select('objectKey')) as Array<{ objectKey: string }>).map((v) => v.objectKey);
    expect(objectsBefore).toHaveLength(1);
    expect(await t.store.stat(objectsBefore[0])).not.toBeNull();
    expect((await deal.manager.delete(`/api/documents/${mistake.id}`)).status).toBe(204);
    expect((await deal.manager.get(`/api/documents/${mistake.id}`)).status).toBe(404);
    expect(await t.db('documents').where({ id: mistake.id }).first()).toBeUndefined();
    for (const key of objectsBefore) expect(await t.store.stat(key)).toBeNull();
    // The numbering closes over the gap; the ledger still verifies and holds the deletion.
    expect((await expectOk(deal.manager.get(`/api/documents/${kept.id}`))).index).toBe('1.2');
    expect((await expectOk(deal.admin.get('/api/audit/verify'))).ok).toBe(true);
    const deletion = (await expectOk(deal.counsel.get(`${deal.roomPath}/audit?action=document.delete`))).items;
    expect(deletion[0]).toMatchObject({ subjectId: mistake.id, details: expect.objectContaining({ versions: [expect.objectContaining({ version: 1 })] }) });
  });
});
