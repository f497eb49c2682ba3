import { startTestApp, ADMIN, Client, type TestApp } from '../support/test-app.js';
import { makePdf } from '../support/fixtures.js';
import { pdfText } from '../support/pdf-tools.js';
import { binary } from '../support/binary.js';
import { FUTURE, PAST } from '../support/world.js';

/**
 * The whole story through HTTP, as the people of docs/access-rule.md live it: the admin sets up the directory,
 * a manager opens the room for one target entity with two bidder parties, counsel confirms one party's
 * NDA, that party's acquirer and advisor list and download stamped PDFs, the other party sees nothing,
 * and counsel's termination ends it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const PASSWORD = 'story-passphrase-2026';
const expectOk = async (res: PromiseLike<{ status: number; body: any }>, status = 200) => {
  const r = await res;
  expect({ status: r.status, body: r.body }).toEqual({ status, body: expect.anything() });
  return r.body;
};

it('walks a sale from set-up to termination', async () => {
  // — the admin: organisations, users, entities
  const admin = await Client.login(t.app, ADMIN.email, ADMIN.password);
  const seller = (await expectOk(admin.get('/api/orgs'))).items[0];
  const alpha = await expectOk(admin.post('/api/orgs', { name: 'Alpha Capital', kind: 'acquirer' }), 201);
  const lex = await expectOk(admin.post('/api/orgs', { name: 'Lex & Partners', kind: 'advisor' }), 201);
  const beta = await expectOk(admin.post('/api/orgs', { name: 'Beta Holdings', kind: 'acquirer' }), 201);
  const mkUser = (email: string, name: string, orgId: string, role: string) => expectOk(admin.post('/api/users', { email, name, password: PASSWORD, orgId, role }), 201);
  const managerUser = await mkUser('mia@seller.example', 'Mia Manager', seller.id, 'staff');
  const counselUser = await mkUser('carl@seller.example', 'Carl Counsel', seller.id, 'staff');
  const anna = await mkUser('anna@alpha.example', 'Anna Acquirer', alpha.id, 'external');
  const adam = await mkUser('adam@lex.example', 'Adam Advisor', lex.id, 'external');
  const bob = await mkUser('bob@beta.example', 'Bob Bidder', beta.id, 'external');
  const target = await expectOk(admin.post('/api/entities', { name: 'Falcon Logistics GmbH' }), 201);

  // — the manager: room, parties, folders, documents, grants
  const manager = await Client.login(t.app, managerUser.email, PASSWORD);
  const room = await expectOk(manager.post('/api/rooms', { name: 'Sale of Falcon Logistics', codeName: 'Project Falcon', entityIds: [target.id] }), 201);
  expect(room).toMatchObject({ status: 'open', codeName: 'Project Falcon', entityIds: [target.id], uploadsStartAs: 'draft' });
  const r = `/api/rooms/${room.id}`;
  await expectOk(manager.post(`${r}/staff`, { userId: counselUser.id, role: 'counsel' }), 201);
  const partyA = await expectOk(manager.post(`${r}/parties`, { name: 'Bidder A', acquirerOrgId: alpha.id, advisorOrgIds: [lex.id] }), 201);
  const partyB = await expectOk(manager.post(`${r}/parties`, { name: 'Bidder B', acquirerOrgId: beta.id }), 201);
  await expectOk(manager.post(`${r}/parties/${partyA.id}/members`, { userId: anna.id }), 201);
  await expectOk(manager.post(`${r}/parties/${partyA.id}/members`, { userId: adam.id }), 201);
  await expectOk(manager.post(`${r}/parties/${partyB.id}/members`, { userId: bob.id }), 201);
  const finance = await expectOk(manager.post(`${r}/folders`, { name: 'Finance' }), 201);
  const audits = await expectOk(manager.post(`${r}/folders`, { name: 'Audited accounts', parentId: finance.id }), 201);
  expect([finance.index, audits.index]).toEqual(['1', '1.1']);
  const accounts = await expectOk(
    manager.upload(`${r}/documents`, { data: await makePdf('Annual accounts 2025', 3), name: 'accounts-2025.pdf' }, {
      folderId: audits.id, entityId: target.id, title: 'Annual accounts 2025', classification: 'confidential', personalData: 'none',
    }),
    201,
  );
  expect(accounts).toMatchObject({ version: 1, mimeType: 'application/pdf' });
  await expectOk(manager.post(`${r}/grants`, { partyId: partyA.id, folderId: finance.id, level: 'download', maxClassification: 'confidential', maxPersonalData: 'none' }), 201);
  await expectOk(manager.post(`${r}/grants`, { partyId: partyB.id, folderId: null, level: 'download', maxClassification: 'confidential', maxPersonalData: 'none' }), 201);
  // — the upload is a draft until the deal team publishes it: the preview says who would gain it
  expect(await expectOk(manager.get(`/api/documents/${accounts.id}`))).toMatchObject({ status: 'draft' });
  const preview = await expectOk(manager.get(`${r}/publish/preview?folderId=${finance.id}`));
  expect(preview).toMatchObject({ documents: 1 });
  // No NDA is confirmed yet: once published, the accounts still reach no one.
  expect(preview.parties.map((p: { name: string; documents: number }) => [p.name, p.documents])).toEqual([['Bidder A', 0], ['Bidder B', 0]]);
  expect(await expectOk(manager.post(`${r}/publish`, { folderId: finance.id }))).toEqual({ published: 1 });
  expect(await expectOk(manager.get(`/api/documents/${accounts.id}`))).toMatchObject({ status: 'published', publishedBy: managerUser.id });

  // — before any NDA: party A sees the room's name and their NDA status, nothing else
  const annaClient = await Client.login(t.app, anna.email, PASSWORD);
  expect((await annaClient.get(r)).body).toMatchObject({ name: 'Sale of Falcon Logistics', nda: { covered: false, entityIds: [] } });
  expect((await annaClient.get(`${r}/documents`)).body.error.code).toBe('nda_required');

  // — the manager registers Alpha's NDA; counsel confirms it (four eyes)
  const nda = await expectOk(
    manager.upload(`${r}/ndas`, { data: await makePdf('Confidentiality agreement, signed'), name: 'alpha-nda.pdf' }, {
      orgId: alpha.id, kind: 'nda', signedAt: PAST, effectiveAt: PAST, expiresAt: FUTURE, entityIds: [target.id], coversRepresentatives: true,
    }),
    201,
  );
  const counsel = await Client.login(t.app, counselUser.email, PASSWORD);
  expect(await expectOk(counsel.post(`${r}/ndas/${nda.id}/confirm`))).toMatchObject({ status: 'confirmed', confirmedBy: counselUser.id });

  // — the acquirer and its advisor list and download stamped PDFs
  const adamClient = await Client.login(t.app, adam.email, PASSWORD);
  for (const [client, person] of [[annaClient, anna], [adamClient, adam]] as const) {
    const list = await expectOk(client.get(`${r}/documents`));
    expect(list.items).toEqual([expect.objectContaining({ id: accounts.id, title: 'Annual accounts 2025', index: '1.1.1', access: 'download' })]);
    const res = await client.get(`/api/documents/${accounts.id}/content`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=/);
    const downloadId = res.headers['x-download-id'];
    expect(downloadId).toMatch(/^[0-9A-Z]{12}$/);
    const text = pdfText(res.body as Buffer).replace(/\s+/g, ' ');
    expect(text).toContain('Annual accounts 2025'); // the original text is intact
    expect(text).toContain(downloadId);
    expect(text).toContain(person.email);
    expect(text).toContain('Project Falcon');
  }

  // — the other party, with a grant but no NDA, sees nothing of the content
  const bobClient = await Client.login(t.app, bob.email, PASSWORD);
  expect((await bobClient.get(`${r}/documents`)).body.error.code).toBe('nda_required');
  expect((await bobClient.get(`/api/documents/${accounts.id}/content`)).status).toBe(403);

  // — counsel terminates; access ends on the next request
  await expectOk(counsel.post(`${r}/ndas/${nda.id}/terminate`, { reason: 'Alpha withdrew from the process' }));
  expect((await annaClient.get(`${r}/documents`)).body.error.code).toBe('nda_required');
  expect((await adamClient.get(`/api/documents/${accounts.id}/content`)).status).toBe(403);

  // — and the ledger holds it all, unbroken
  const verify = await expectOk(admin.get('/api/audit/verify'));
  expect(verify).toMatchObject({ ok: true });
  const trail = await expectOk(counsel.get(`${r}/audit?limit=1000`));
  const actions = trail.items.map((e: { action: string }) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['room.create', 'nda.register', 'nda.confirm', 'document.download', 'nda.terminate']));
  expect(trail.items.filter((e: { action: string; decision: string }) => e.action === 'document.list' && e.decision === 'deny').length).toBeGreaterThan(0);
});
