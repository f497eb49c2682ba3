import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Request } from 'playwright-core';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import ExcelJS from 'exceljs';
import { CENSUS_CLASSIFICATION, CENSUS_HEADER, censusCsv, censusRow, generateCensus, type CensusPerson } from '../support/census.js';
import { screenshot as takeScreenshot, signIn, signOut, startE2e, type E2eWorld } from './browser.js';

/**
 * Datasets in the browser (docs/API.md, "Datasets"): the manager uploads an employee census, marks
 * the columns that identify people, maps the entity column's values to the room's targets and sees
 * what each party would receive; a bidder covered for one entity under a pseudonymised grant pages
 * through their own copy in the grid and downloads it. The deal (organisations, people, room,
 * parties, NDA, grant) is built through the API: it is not what this journey is about.
 */
let w: E2eWorld;
let deal: Deal;
let files: string;
let census: CensusPerson[];
const ENTITY_VALUES = ['Falcon GmbH', 'Falcon Ltd', 'Falcon BV'];
const number = (n: number) => new Intl.NumberFormat('en-GB').format(n);
const rowsOf = (entity: string) => census.filter((p) => p.entity === entity);

beforeAll(async () => {
  w = await startE2e();
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-datasets-'));
  census = generateCensus(2000, ENTITY_VALUES);
  deal = await buildDeal(w.t);
  // Bidder A (Alpha Capital and its advisor Lex & Co) is covered for Falcon GmbH only, and may have
  // personal data of the payroll folder pseudonymised.
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download', maxClassification: 'confidential', maxPersonalData: 'pseudonymised' });
}, 120_000);

afterAll(async () => {
  await w?.close();
  if (files) fs.rmSync(files, { recursive: true, force: true });
});

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception in the page.
  expect(w.consoleErrors).toEqual([]);
});

/** A picture for the README, with the pointer off the page so that no hover state shows. */
async function screenshot(page: E2eWorld['page'], name: string) {
  await page.mouse.move(0, 0);
  await takeScreenshot(page, name);
}

describe('datasets in Chromium', () => {
  it('lets the manager upload a census, classify its columns, map its entities and see what each party would receive', async () => {
    const { page } = w;
    await signIn(page, deal.users.manager.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('button', { name: '1.1 Payroll' }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([{ name: 'Employee census.csv', mimeType: 'text/csv', buffer: censusCsv(census) }]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByLabel('Classification').selectOption('confidential');
    await page.getByLabel('Personal data').selectOption('identified');
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 1 of 1 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // The column editor, from the dataset's row in the list.
    await page.getByRole('link', { name: 'Columns of Employee census' }).click();
    await page.getByRole('heading', { name: 'Columns of Employee census' }).waitFor();
    await page.getByText('2,000 rows × 9 columns').waitFor();
    for (const name of ['Employee ID', 'Name', 'Email']) await page.getByLabel(`Role of ${name}`, { exact: true }).selectOption('direct');
    for (const name of ['Birth date', 'Postcode', 'Salary']) await page.getByLabel(`Role of ${name}`, { exact: true }).selectOption('quasi');

    // The subject column is offered among direct identifiers only.
    const subject = page.getByLabel('Subject column');
    expect(await subject.locator('option').allTextContents()).toEqual(['None', 'Employee ID', 'Name', 'Email']);
    await subject.selectOption({ label: 'Employee ID' });
    await page.getByLabel('Entity column').selectOption({ label: 'Entity' });

    // Every value of the entity column with its rows (2,000 rows: all of them are read).
    await page.getByText('Every value of Entity in all 2,000 rows.').waitFor();
    const values = page.getByRole('table').filter({ hasText: 'Value of Entity' });
    for (const value of ENTITY_VALUES) {
      const row = values.getByRole('row').filter({ has: page.getByRole('rowheader', { name: value, exact: true }) });
      expect(await row.getByRole('cell').first().textContent()).toBe(number(rowsOf(value).length));
    }
    await page.getByLabel('Entity for “Falcon GmbH”').selectOption({ label: 'Falcon GmbH' });
    await page.getByLabel('Entity for “Falcon Ltd”').selectOption({ label: 'Falcon Ltd' });
    const bv = rowsOf('Falcon BV').length;
    await page.getByText(`${number(bv)} rows have a value mapped to no entity: these rows go to no one outside the deal team.`).waitFor();

    // What each party would receive under this draft: Bidder A the GmbH rows, pseudonymised and generalised; Bidder B nothing.
    const partyA = page.getByRole('article', { name: 'Bidder A' });
    await partyA.getByText('Pseudonymised', { exact: true }).first().waitFor();
    await partyA.getByText(`${number(rowsOf('Falcon GmbH').length)} rows of 2,000`).waitFor();
    await partyA.getByText('covered for Falcon GmbH', { exact: false }).waitFor();
    expect(await partyA.locator('.dataset-treatment-pseudonymised dd').textContent()).toBe('Employee ID, Name, Email');
    expect(await partyA.locator('.dataset-treatment-generalised dd').textContent()).toBe('Birth date, Postcode, Salary');
    expect(await partyA.locator('.dataset-treatment-stored dd').textContent()).toBe('Entity, Department, Grade');
    await page.getByRole('article', { name: 'Bidder B' }).getByText('No access').waitFor();
    // Tall enough for the columns, the entity map and the preview in one picture.
    await page.setViewportSize({ width: 1440, height: 1120 });
    await screenshot(page, 'dataset-columns');
    await page.setViewportSize({ width: 1440, height: 900 });

    // A subject column that is no longer a direct identifier is named by its label before anything is sent.
    await page.getByLabel('Role of Employee ID', { exact: true }).selectOption('quasi');
    await page.getByRole('button', { name: 'Save classification' }).click();
    await page.getByRole('alert').filter({ hasText: /^Subject column: / }).waitFor();
    expect(await subject.getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Role of Employee ID', { exact: true }).selectOption('direct');

    await page.getByRole('button', { name: 'Save classification' }).click();
    await page.getByText('Saved. Every delivery of this dataset from now on follows this classification.').waitFor();
    const saved = (await deal.manager.get(`/api/documents/${await datasetId()}/dataset`)).body;
    expect(saved.subjectColumn).toMatchObject({ name: 'Employee ID' });
    expect(saved.entityColumn).toMatchObject({ name: 'Entity' });
    expect(saved.entityMap).toEqual({ 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id });
    expect(saved.sheets[0].columns.filter((c: { role: string }) => c.role !== 'none').map((c: { name: string; role: string }) => `${c.name}:${c.role}`)).toEqual([
      'Employee ID:direct', 'Name:direct', 'Email:direct', 'Birth date:quasi', 'Postcode:quasi', 'Salary:quasi',
    ]);

    // The deal team's own grid holds every row, those of Falcon BV too, as stored.
    await page.getByRole('link', { name: 'Open the grid' }).click();
    await page.getByText('2,000 rows × 9 columns · the deal team’s copy').waitFor();
    const first = page.getByRole('grid', { name: 'Employee census' }).locator('[role="row"][aria-rowindex="2"]:not([aria-busy])');
    expect((await first.getByRole('gridcell').allTextContents()).slice(0, 3)).toEqual([census[0]!.employeeId, census[0]!.name, census[0]!.email]);
    await signOut(page);
  });

  it('shows counsel the classification read only', async () => {
    const { page } = w;
    await signIn(page, deal.users.counsel.email, PASSWORD);
    await page.goto(`/rooms/${deal.room.id}/documents/${await datasetId()}/columns`);
    await page.getByText('Read only: the room’s managers classify datasets.').waitFor();
    const role = page.getByLabel('Role of Name', { exact: true });
    expect([await role.inputValue(), await role.isDisabled()]).toEqual(['direct', true]);
    expect(await page.getByLabel('Entity for “Falcon GmbH”').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save classification' }).count()).toBe(0);
    await page.getByRole('article', { name: 'Bidder A' }).getByText('Pseudonymised', { exact: true }).first().waitFor();
    await signOut(page);
  });

  it('shows the bidder only their rows, pseudonymised, in a grid that loads as it scrolls, and downloads that copy', async () => {
    const { page } = w;
    const gmbh = rowsOf('Falcon GmbH');
    await signIn(page, deal.users.buyerA.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    const rowRequests: string[] = [];
    const aborted: string[] = [];
    const onRequest = (r: Request) => r.url().includes('/rows?') && rowRequests.push(r.url());
    const onFailed = (r: Request) => r.url().includes('/rows?') && aborted.push(r.url());
    page.on('request', onRequest);
    page.on('requestfailed', onFailed);
    await page.getByRole('link', { name: 'View Employee census' }).click();

    const grid = page.getByRole('grid', { name: 'Employee census' });
    await page.getByText(`${number(gmbh.length)} rows × 9 columns in your copy`).waitFor();
    const note = page.getByRole('note', { name: 'What was done to your copy' });
    await note.getByText('Pseudonymised: Employee ID, Name, Email', { exact: false }).waitFor();
    await note.getByText('Generalised: Birth date, Postcode, Salary', { exact: false }).waitFor();
    await note.getByText('Rows: only those of the entity your organisation’s NDA covers (of the 2 entities in this deal).').waitFor();
    // Only the rows in view are in the DOM, whatever the sheet's length.
    expect(await grid.getByRole('row').count()).toBeLessThan(60);

    // A page asked for and scrolled away from before it answers is aborted.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/rows\?.*offset=200&/, async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await grid.evaluate((el) => (el.scrollTop = 250 * 32));
    await waitUntil(() => rowRequests.some((u) => u.includes('offset=200&')));
    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await waitUntil(() => aborted.some((u) => u.includes('offset=200&')));
    release();
    await page.unroute(/\/rows\?.*offset=200&/);

    // Far down: the last rows load, the bidder's own, pseudonymised.
    const last = grid.locator(`[role="row"][aria-rowindex="${gmbh.length + 1}"]:not([aria-busy])`);
    await last.waitFor();
    const cells = await last.getByRole('gridcell').allTextContents();
    expect(cells[0]).toMatch(/^P-[0-9A-F]{16}$/);
    expect(cells[6]).toBe('Falcon GmbH');
    const shown = await grid.locator('[role="row"]:not([aria-busy]) [role="gridcell"]:nth-child(8)').allTextContents();
    expect(shown.length).toBeGreaterThan(10);
    expect(new Set(shown)).toEqual(new Set(['Falcon GmbH']));
    expect(await grid.getByRole('row').count()).toBeLessThan(60);
    const lastPage = Math.floor((gmbh.length - 1) / 200) * 200;
    expect(rowRequests.some((u) => u.includes(`offset=${lastPage}&`))).toBe(true);
    await screenshot(page, 'dataset-grid');
    page.off('request', onRequest);
    page.off('requestfailed', onFailed);

    // The download is the same copy as a file: the bidder's rows only, identifiers pseudonymised.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('Employee census.csv');
    const saved = path.join(files, 'census.csv');
    await download.saveAs(saved);
    const [header, ...rows] = parse(fs.readFileSync(saved, 'utf8').replace(/^\uFEFF/, '')) as string[][];
    expect(header).toEqual([...CENSUS_HEADER]);
    expect(rows).toHaveLength(gmbh.length);
    for (const row of rows) {
      expect(row.slice(0, 3).every((v) => /^P-[0-9A-F]{16}$/.test(v))).toBe(true);
      expect(row[3]).toMatch(/^\d{4}$/);
      expect(row[5]).toMatch(/^\d+–\d+$/);
      expect(row[6]).toBe('Falcon GmbH');
    }
    const text = rows.flat().join('\n');
    for (const p of gmbh.slice(0, 50)) {
      expect(text).not.toContain(p.email);
      expect(text).not.toContain(p.employeeId);
    }
    await signOut(page);
  });

  it("lets a bidder switch between the sheets of their copy, learnt from the copy itself", async () => {
    // A workbook filed under Falcon GmbH: its Staff sheet scoped by the entity column, its Notes
    // sheet the file's entity's, which the bidder's NDA covers — both sheets are the bidder's.
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Staff').addRows([[...CENSUS_HEADER], ...census.slice(0, 60).map(censusRow)]);
    book.addWorksheet('Notes').addRows([['Topic', 'Note'], ['Pensions', 'Defined benefit scheme closed in 2019'], ['Works council', 'Consulted on the sale']]);
    const uploaded = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from(await book.xlsx.writeBuffer()), name: 'Staff book.xlsx' }, {
      folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'confidential', personalData: 'identified',
    });
    expect(uploaded.status).toBe(201);
    const classified = await deal.manager.put(`/api/documents/${uploaded.body.id}/dataset`, {
      columns: CENSUS_CLASSIFICATION.columns.map((c) => ({ ...c, sheet: 'Staff' })),
      subjectColumn: { sheet: 'Staff', name: 'Employee ID' },
      entityColumn: { sheet: 'Staff', name: 'Entity' },
      entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
    });
    expect(classified.status).toBe(200);

    const { page } = w;
    await signIn(page, deal.users.buyerA.email, PASSWORD);
    await page.goto(`/rooms/${deal.room.id}/documents/${uploaded.body.id}`);
    const tabs = page.getByRole('tablist', { name: 'Sheets' });
    await tabs.getByRole('tab', { name: 'Staff', selected: true }).waitFor();
    expect(await tabs.getByRole('tab').allTextContents()).toEqual(['Staff', 'Notes']);
    const gmbh = census.slice(0, 60).filter((p) => p.entity === 'Falcon GmbH').length;
    await page.getByText(`${number(gmbh)} rows × 9 columns in your copy`).waitFor();

    await tabs.getByRole('tab', { name: 'Notes' }).click();
    const grid = page.getByRole('grid', { name: 'Staff book, sheet Notes' });
    await grid.getByRole('gridcell', { name: 'Consulted on the sale' }).waitFor();
    await page.getByText('2 rows × 2 columns in your copy').waitFor();
    expect(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toContain('sheet=Notes');
    await signOut(page);
  });
});

/** Polls a condition of what the page did (requests seen, aborted) until it holds, or fails after 10 s. */
async function waitUntil(condition: () => boolean, timeout = 10_000) {
  const until = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`still not so after ${timeout} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function datasetId(): Promise<string> {
  const list = (await deal.manager.get(`${deal.roomPath}/documents?q=census`)).body.items as Array<{ id: string; title: string }>;
  return list.find((d) => d.title === 'Employee census')!.id;
}
