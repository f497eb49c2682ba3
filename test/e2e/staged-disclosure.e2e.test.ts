import fs from 'node:fs';
import JSZip from 'jszip';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { makePdf } from '../support/fixtures.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { CHROMIUM, screenshot as takeScreenshot, signIn, startE2e, type E2eWorld } from './browser.js';

/**
 * Staged disclosure in the browser (docs/API.md, "Staged disclosure and the document lifecycle"):
 * the manager makes the room's uploads drafts, uploads documents, and a bidder — signed in at the
 * same time in a browser of their own — sees none of them until the manager has previewed what each
 * party would gain and published them. A withdrawn document leaves the bidder's list and its link
 * stops working. The deal team arranges the index by dragging, and the server keeps that order.
 * The deal (people, parties, NDA, grant) is built through the API: it is not what this is about.
 */
let w: E2eWorld;
let deal: Deal;
let bidderBrowser: Browser;
let bidderContext: BrowserContext;
let bidder: Page;
const bidderErrors: string[] = [];

const NEW_DOCS = { lease: 'Lease agreement', supplier: 'Supplier contract', staff: 'Employment contracts' };

beforeAll(async () => {
  w = await startE2e();
  deal = await buildDeal(w.t);
  // Bidder A is covered for both entities and may download anything, personal data included: what
  // it gains from a publication is then exactly what is published.
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null, level: 'download', maxClassification: 'highly_confidential', maxPersonalData: 'identified' });

  // The bidder's own browser: a session of theirs beside the manager's, as two people at two desks.
  bidderBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  bidderContext = await bidderBrowser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: w.baseUrl, acceptDownloads: true });
  bidder = await bidderContext.newPage();
  bidder.setDefaultTimeout(10_000);
  bidder.on('console', (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    if (msg.location().url.endsWith('/api/me') && /401/.test(msg.text())) return;
    bidderErrors.push(`${msg.text()} (${msg.location().url})`);
  });
  bidder.on('pageerror', (err) => bidderErrors.push(`uncaught: ${err.message}`));
}, 120_000);

afterAll(async () => {
  await bidderContext?.close();
  await bidderBrowser?.close();
  await w?.close();
});

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception in either page.
  expect(w.consoleErrors).toEqual([]);
  expect(bidderErrors).toEqual([]);
});

/** Chromium logs every 4xx answer as a console error: one the journey provokes on purpose is no fault. */
function expectRefusalLogged(status: number, path: RegExp) {
  const index = w.consoleErrors.findIndex((line) => line.includes(`status of ${status}`) && path.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  w.consoleErrors.splice(index, 1);
}

/** A picture for the README, with the pointer off the page so that no hover state shows. */
async function screenshot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  await takeScreenshot(page, name);
}

/** The titles in the documents table of a page, in the order shown. */
async function titlesShown(page: Page): Promise<string[]> {
  await page.locator('.documents-table').first().waitFor();
  return page.locator('.documents-table .doc-link').allTextContents();
}

/** The deal team's list of a folder, by the index the server gives each document. */
async function folderOrder(folderId: string): Promise<string[]> {
  const res = await deal.manager.get(`${deal.roomPath}/documents?folderId=${folderId}`);
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ title: string; index: string }>)
    .sort((a, b) => Number(a.index.split('.').pop()) - Number(b.index.split('.').pop()))
    .map((d) => d.title);
}

const idOf = async (title: string): Promise<string> => {
  const res = await deal.manager.get(`${deal.roomPath}/documents?q=${encodeURIComponent(title)}`);
  return (res.body.items as Array<{ id: string; title: string }>).find((d) => d.title === title)!.id;
};

/** Drags `handle` with the mouse onto `target`, in small steps, as a hand would. */
async function drag(page: Page, handle: Locator, target: Locator) {
  const from = (await handle.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2 - 12, { steps: 4 });
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2 + 1, { steps: 2 });
  await page.mouse.up();
}

describe('staged disclosure in Chromium', () => {
  it('keeps uploads from the bidder until the manager has previewed and published them, and takes back a withdrawn one', async () => {
    const { page } = w;
    await signIn(page, deal.users.manager.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();

    // The deal team decides, in the room's settings, that uploads start as drafts.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('As drafts').check();
    await page.getByRole('button', { name: 'Save publishing setting' }).click();
    await page.getByText('Saved. New uploads start as drafts.').waitFor();
    expect((await deal.manager.get(deal.roomPath)).body.uploadsStartAs).toBe('draft');

    // Three documents into 2 Legal through the upload dialog: two plain, one highly confidential with personal data.
    await page.getByRole('link', { name: 'Documents' }).click();
    await page.getByText('Uploads start as drafts: no one outside the deal team sees them until they are published.').waitFor();
    await page.getByRole('button', { name: '2 Legal', exact: true }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([
      { name: `${NEW_DOCS.lease}.pdf`, mimeType: 'application/pdf', buffer: await makePdf('Lease agreement of Falcon Ltd') },
      { name: `${NEW_DOCS.supplier}.pdf`, mimeType: 'application/pdf', buffer: await makePdf('Supplier contract of Falcon Ltd') },
    ]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon Ltd' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 2 of 2 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([{ name: `${NEW_DOCS.staff}.pdf`, mimeType: 'application/pdf', buffer: await makePdf('Employment contracts of Falcon Ltd') }]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon Ltd' });
    await page.getByLabel('Classification').selectOption('highly_confidential');
    await page.getByLabel('Personal data').selectOption('identified');
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 1 of 1 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // The deal team sees each document's stage; the stage filter narrows the list to the drafts.
    const row = (title: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    for (const title of Object.values(NEW_DOCS)) await row(title).getByText('Draft', { exact: true }).waitFor();
    await row('legal').getByText('Published', { exact: true }).waitFor();
    await page.getByLabel('Stage').selectOption('draft');
    await page.getByRole('heading', { name: '2 Legal · drafts' }).waitFor();
    await page.getByText('3 documents', { exact: true }).waitFor();
    expect((await titlesShown(page)).sort()).toEqual(Object.values(NEW_DOCS).sort());

    // The bidder, signed in meanwhile, sees the room as it was: no draft, no stage, no hint of either.
    await signIn(bidder, deal.users.buyerA.email, PASSWORD);
    await bidder.getByRole('link', { name: 'Sale of Falcon' }).click();
    await bidder.getByRole('link', { name: 'legal', exact: true }).waitFor();
    for (const title of Object.values(NEW_DOCS)) expect(await bidder.getByText(title).count()).toBe(0);
    expect(await bidder.getByText('Published', { exact: true }).count()).toBe(0);
    expect(await bidder.getByLabel('Stage').count()).toBe(0);
    expect(await bidder.getByRole('region', { name: 'Publishing' }).count()).toBe(0);
    expect(await bidder.getByRole('button', { name: /^(Move|Details of) / }).count()).toBe(0);

    // The manager picks the three drafts and previews: Bidder A would gain all three, one of them
    // with personal data and highly confidential; Bidder B (no NDA, no grant) nothing.
    for (const title of Object.values(NEW_DOCS)) await page.getByLabel(`Select ${title} for publication`).check();
    await page.getByText('3 selected').waitFor();
    await page.getByRole('button', { name: 'Preview publication' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish 3 selected documents' });
    const partyRow = (name: string) => dialog.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    await partyRow('Bidder A').waitFor();
    expect(await partyRow('Bidder A').getByRole('cell').allTextContents()).toEqual(['3', '1', '1']);
    expect(await partyRow('Bidder B').getByRole('cell').allTextContents()).toEqual(['0', '0', '0']);
    // A party gaining personal data stands out, in the table and above it.
    await partyRow('Bidder A').getByText('Gains personal data').waitFor();
    expect(await partyRow('Bidder A').getAttribute('class')).toContain('exposure-personal');
    await dialog.getByRole('note').getByText('Personal data would go to Bidder A (1 document).').waitFor();
    await dialog.getByText('Publishing makes 3 documents visible outside the deal team: Bidder A 3 (1 with personal data, 1 highly confidential).', { exact: false }).waitFor();
    await screenshot(page, 'publish-preview');
    await dialog.getByRole('button', { name: 'Publish 3 documents' }).click();
    await page.getByRole('status').getByText('Published 3 documents.').waitFor();
    await page.getByText('No drafts here').waitFor();
    const published = (await deal.manager.get(`${deal.roomPath}/documents?folderId=${deal.folders.legal.id}&status=published`)).body.items.map((d: { title: string }) => d.title);
    expect(published.sort()).toEqual(['legal', ...Object.values(NEW_DOCS)].sort());

    // The bidder's next look shows them, without stages.
    await bidder.reload();
    await bidder.getByRole('link', { name: NEW_DOCS.lease, exact: true }).waitFor();
    expect(await titlesShown(bidder)).toEqual(expect.arrayContaining(Object.values(NEW_DOCS)));
    expect(await bidder.getByText('Published', { exact: true }).count()).toBe(0);

    // The bidder takes a copy of the lease: its link is one they hold from now on.
    const contentUrl = await bidder.getByRole('link', { name: `Download ${NEW_DOCS.lease}` }).getAttribute('href');
    expect(contentUrl).toMatch(/\/content\?disposition=attachment$/);
    const before = await bidderContext.request.get(contentUrl!);
    expect(before.status()).toBe(200);
    expect((await before.body()).subarray(0, 5).toString()).toBe('%PDF-');

    // The manager withdraws the lease, saying why. Its versions show who received it; a document
    // that left the deal team is not offered for deletion.
    await page.getByLabel('Stage').selectOption('');
    await page.getByRole('button', { name: `Details of ${NEW_DOCS.lease}` }).click();
    const details = page.getByRole('region', { name: `Details of ${NEW_DOCS.lease}` });
    const versions = details.getByRole('region', { name: `Versions of ${NEW_DOCS.lease}` });
    await versions.getByText('Bidder A', { exact: true }).waitFor();
    await versions.getByText(/1 delivery/).waitFor();
    await versions.getByRole('link', { name: `Download version 1 of ${NEW_DOCS.lease}` }).waitFor();
    expect(await details.getByRole('button', { name: `Delete ${NEW_DOCS.lease}` }).count()).toBe(0);
    await details.getByRole('button', { name: `Withdraw ${NEW_DOCS.lease}` }).click();
    await details.getByLabel(`Why is ${NEW_DOCS.lease} withdrawn?`).fill('Superseded by the amended lease');
    await details.getByRole('button', { name: 'Withdraw document' }).click();
    await page.getByRole('status').getByText(`Withdrew ${NEW_DOCS.lease}.`).waitFor();
    await row(NEW_DOCS.lease).getByText('Withdrawn', { exact: true }).waitFor();
    expect((await deal.manager.get(`/api/documents/${await idOf(NEW_DOCS.lease)}`)).body).toMatchObject({ status: 'withdrawn', withdrawnReason: 'Superseded by the amended lease' });

    // The bidder's list no longer has it, and the link they held answers as for a document that never was.
    await bidder.reload();
    await bidder.getByRole('link', { name: NEW_DOCS.supplier, exact: true }).waitFor();
    expect(await bidder.getByRole('link', { name: NEW_DOCS.lease, exact: true }).count()).toBe(0);
    const after = await bidderContext.request.get(contentUrl!);
    expect(after.status()).toBe(404);
    expect((await after.json()).error.code).toBe('not_found');
  });

  it('deletes a draft that never left the deal team, from its details', async () => {
    const { page } = w;
    await page.goto(`/rooms/${deal.room.id}`);
    await page.getByRole('button', { name: '1 Finance', exact: true }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([{ name: 'Draft memo.pdf', mimeType: 'application/pdf', buffer: await makePdf('A memo never sent') }]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 1 of 1 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('button', { name: 'Details of Draft memo' }).click();
    const details = page.getByRole('region', { name: 'Details of Draft memo' });
    await details.getByText('No one outside the deal team').waitFor();
    await details.getByRole('button', { name: 'Delete Draft memo' }).click();
    await details.getByRole('button', { name: 'Delete document' }).click();
    await page.getByRole('status').getByText('Deleted Draft memo.').waitFor();
    await page.getByRole('link', { name: 'Draft memo', exact: true }).waitFor({ state: 'detached' });
    expect((await deal.manager.get(`${deal.roomPath}/documents?q=memo`)).body.items).toEqual([]);
  });

  it('reorders documents and folders by drag and drop, with the mouse and with the keyboard, in the order the server keeps', async () => {
    const { page } = w;
    await page.goto(`/rooms/${deal.room.id}`);
    await page.getByRole('button', { name: '2 Legal', exact: true }).click();
    const initial = await folderOrder(deal.folders.legal.id);
    expect(initial).toHaveLength(4);
    expect(await titlesShown(page)).toEqual(initial);

    // The mouse: the last document's handle dropped on the first row takes the first place.
    const last = initial[3]!;
    const firstRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: initial[0]!, exact: true }) });
    await drag(page, page.getByRole('button', { name: `Move ${last} (2.4)` }), firstRow);
    await page.getByRole('status').getByText(`Moved ${last}: now 2.1.`).waitFor();
    const dragged = [last, ...initial.slice(0, 3)];
    expect(await folderOrder(deal.folders.legal.id)).toEqual(dragged);
    const rowOf = (title: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    await rowOf(last).getByRole('cell', { name: '2.1', exact: true }).waitFor();
    expect(await titlesShown(page)).toEqual(dragged);

    // The keyboard: pick up the (new) first document, one place down, drop.
    const handle = page.getByRole('button', { name: `Move ${dragged[0]} (2.1)` });
    await handle.focus();
    await page.keyboard.press('Space');
    await page.locator('.drag-chip').getByText(`2.1 ${dragged[0]}`, { exact: true }).waitFor();
    await page.keyboard.press('ArrowDown');
    // Where it would go, shown beside it and said to a screen reader.
    await page.locator('.drag-chip').getByText(`2.1 ${dragged[0]} goes to place 2.2.`).waitFor();
    await page.locator('[id^="DndLiveRegion"]').getByText(`2.1 ${dragged[0]} goes to place 2.2.`).waitFor({ state: 'attached' });
    await page.keyboard.press('Space');
    await page.getByRole('status').getByText(`Moved ${dragged[0]}: now 2.2.`).waitFor();
    const keyed = [dragged[1]!, dragged[0]!, dragged[2]!, dragged[3]!];
    expect(await folderOrder(deal.folders.legal.id)).toEqual(keyed);
    await rowOf(keyed[3]!).getByRole('cell', { name: '2.4', exact: true }).waitFor();

    // A document dropped on a folder of the index goes last into it.
    await drag(page, page.getByRole('button', { name: `Move ${keyed[3]} (2.4)` }), page.getByRole('button', { name: '1 Finance', exact: true }));
    await page.getByRole('status').getByText(new RegExp(`^Moved ${keyed[3]}: now 1\\.\\d+\\.$`)).waitFor();
    const moved = (await deal.manager.get(`/api/documents/${await idOf(keyed[3]!)}`)).body;
    expect(moved.folderId).toBe(deal.folders.finance.id);
    expect(await folderOrder(deal.folders.legal.id)).toEqual(keyed.slice(0, 3));

    // A folder: 2 Legal dragged onto 1 Finance takes its place at the top of the index.
    await drag(page, page.getByRole('button', { name: 'Move Legal (2)' }), page.getByRole('button', { name: '1 Finance', exact: true }));
    await page.getByRole('status').getByText('Moved folder Legal: now 1.').waitFor();
    const folders = (await deal.manager.get(`${deal.roomPath}/folders`)).body.items as Array<{ id: string; index: string }>;
    expect(Object.fromEntries(folders.map((f) => [f.id, f.index]))).toEqual({ [deal.folders.legal.id]: '1', [deal.folders.finance.id]: '2', [deal.folders.payroll.id]: '2.1' });
    await page.getByRole('button', { name: '2.1 Payroll', exact: true }).waitFor();
  });

  it('imports a ZIP as drafts, naming a refused entry, and hands the bidder a folder as one ZIP', async () => {
    const { page } = w;
    await page.goto(`/rooms/${deal.room.id}`);
    await page.getByRole('button', { name: '1 Legal', exact: true }).click();
    const zip = async (entries: Record<string, Buffer>) => {
      const z = new JSZip();
      for (const [name, data] of Object.entries(entries)) z.file(name, data, { createFolders: false });
      return z.generateAsync({ type: 'nodebuffer' });
    };

    // An entry that would leave the folder: the whole archive is refused, the entry named, nothing created.
    await page.getByRole('button', { name: 'Import ZIP' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a ZIP archive' });
    await dialog.getByLabel('ZIP archive').setInputFiles({ name: 'escape.zip', mimeType: 'application/zip', buffer: await zip({ 'Board/minutes.pdf': await makePdf('Minutes'), '../escape.pdf': await makePdf('Escape') }) });
    await dialog.getByLabel('Entity').selectOption({ label: 'Falcon Ltd' });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByRole('alert').getByText(/^Entry “\.\.\/escape\.pdf”: /).waitFor();
    expectRefusalLogged(400, /\/imports\)$/);
    expect((await deal.manager.get(`${deal.roomPath}/documents?q=minutes`)).body.items).toEqual([]);

    // A good archive: its folder becomes a subfolder, its files drafts.
    await dialog.getByLabel('ZIP archive').setInputFiles({ name: 'board.zip', mimeType: 'application/zip', buffer: await zip({ 'Board/minutes.pdf': await makePdf('Minutes'), 'Board/resolutions.pdf': await makePdf('Resolutions') }) });
    await dialog.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('status').getByText('Imported board.zip: 2 documents and 1 new folder, as drafts.', { exact: false }).waitFor();
    await page.getByRole('button', { name: '1.1 Board', exact: true }).click();
    for (const title of ['minutes', 'resolutions']) {
      await page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) }).getByText('Draft', { exact: true }).waitFor();
    }

    // The bidder's "Download folder" is a ZIP of what they may download there: the drafts are not in it.
    await bidder.goto(`/rooms/${deal.room.id}`);
    await bidder.getByRole('button', { name: '1 Legal', exact: true }).click();
    const [download] = await Promise.all([bidder.waitForEvent('download'), bidder.getByRole('link', { name: 'Download folder' }).click()]);
    const archive = await JSZip.loadAsync(fs.readFileSync((await download.path())!));
    const names = Object.keys(archive.files);
    const inLegal = async (status: string) =>
      (await deal.manager.get(`${deal.roomPath}/documents?folderId=${deal.folders.legal.id}&status=${status}`)).body.items.map((d: { title: string }) => d.title) as string[];
    const published = await inLegal('published');
    expect(published.length).toBeGreaterThan(0);
    for (const title of published) expect(names.some((n) => n.includes(title))).toBe(true);
    for (const title of ['minutes', 'resolutions', ...(await inLegal('withdrawn'))]) expect(names.some((n) => n.includes(title))).toBe(false);

    // The permission matrix goes out as a spreadsheet; a file that is not one is refused, saying so.
    await page.getByRole('link', { name: 'Permissions' }).click();
    const exported = await page.context().request.get((await page.getByRole('link', { name: 'Export permissions' }).getAttribute('href'))!);
    expect(exported.status()).toBe(200);
    expect((await exported.body()).subarray(0, 2).toString()).toBe('PK');
    await page.getByRole('button', { name: 'Import permissions' }).click();
    const grants = page.getByRole('dialog', { name: 'Import permissions' });
    await grants.getByLabel('Permission spreadsheet (XLSX)').setInputFiles({ name: 'notes.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await zip({ 'hello.txt': Buffer.from('not a workbook') }) });
    await grants.getByRole('button', { name: 'Check the file' }).click();
    // The server's reason, and what it names (here the file), each on its own line.
    await grants.getByRole('alert').getByText(/permission matrix/).waitFor();
    await grants.getByRole('alert').getByRole('listitem').filter({ hasText: /^file: / }).waitFor();
    expectRefusalLogged(400, /\/grants\/import\?dryRun=true\)$/);
    expect(await grants.getByRole('button', { name: /^Apply/ }).count()).toBe(0);
    await grants.getByRole('button', { name: 'Close' }).click();
  });

  it('shows counsel the stages, the record and the versions, and nothing to change them with', async () => {
    const { page } = w;
    await signIn(page, deal.users.counsel.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    const lease = page.getByRole('row').filter({ has: page.getByRole('link', { name: NEW_DOCS.lease, exact: true }) });
    await lease.getByText('Withdrawn', { exact: true }).waitFor();
    await page.getByLabel('Stage').selectOption('withdrawn');
    await page.getByRole('heading', { name: 'All documents · withdrawn documents' }).waitFor();
    await page.getByText('1 document', { exact: true }).waitFor();
    expect(await titlesShown(page)).toEqual([NEW_DOCS.lease]);
    expect(await page.getByRole('region', { name: 'Publishing' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Move / }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);

    await page.getByRole('button', { name: `Details of ${NEW_DOCS.lease}` }).click();
    const details = page.getByRole('region', { name: `Details of ${NEW_DOCS.lease}` });
    await details.getByText('“Superseded by the amended lease”', { exact: false }).waitFor();
    await details.getByRole('region', { name: `Versions of ${NEW_DOCS.lease}` }).getByText('Bidder A', { exact: true }).waitFor();
    for (const name of ['Save changes', `Withdraw ${NEW_DOCS.lease}`, `Delete ${NEW_DOCS.lease}`, `Upload a new version of ${NEW_DOCS.lease}`]) {
      expect(await details.getByRole('button', { name }).count()).toBe(0);
    }
  });
});
