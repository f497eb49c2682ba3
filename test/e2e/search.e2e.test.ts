import type { Page } from 'playwright-core';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { pdfOfPages } from '../support/scanned-pdf.js';
import type { Client } from '../support/test-app.js';
import { screenshot as takeScreenshot, signIn, startE2e, type E2eWorld } from './browser.js';

/**
 * Full-text search in the browser (docs/API.md, "Search"): the manager uploads a text PDF and a
 * scanned one; once their words are indexed (the test runs the indexer itself, as a server's
 * background worker would, so nothing waits on a clock) the details panel says so. A bidder
 * searches from the room's header, by keyboard, finds a word only the scan's picture holds, and
 * opens the viewer at that page; a word on a text page opens marked in the page's text layer,
 * found without its accent. Words only in a draft or in a document of a folder the bidder's party
 * has no grant for read as words that exist nowhere; a snippet holding markup reads as text; a
 * query too long is refused by name; an expert, who has no document of the room, has no search.
 * The deal (people, parties, NDA, grant, the documents other than the two uploads) is built
 * through the API: it is not what this is about.
 */
let w: E2eWorld;
let deal: Deal;
let bidderApi: Client;

const HOSTILE = '<img src=x onerror="window.__searchInjected=1">';
/** Three text pages: the hostile markup on page 2, the escrow and the German notice period on page 3. */
const ESCROW_PAGES = [
  ['Escrow terms for the sale of Falcon GmbH', 'Schedule 4 to the share purchase agreement'],
  ['Security review of the data room export', `A title held ${HOSTILE} as typed.`],
  ['The indemnity escrow amounts to EUR 4.2 million.', 'Die Kündigungsfrist beträgt drei Monate.'],
];

/** A PDF of text pages set in 11-point Helvetica: a text layer both pdftotext and pdf.js read. */
async function textPdf(pages: string[][]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 56, y: 780 - i * 18, size: 11, font }));
  }
  return Buffer.from(await doc.save());
}

async function uploadThroughApi(name: string, folderId: string, entityId: string, data: Buffer) {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data, name }, { folderId, entityId, classification: 'standard', personalData: 'none' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

beforeAll(async () => {
  w = await startE2e();
  deal = await buildDeal(w.t);
  // Bidder A: covered for both entities, may view 1 Finance only (2 Legal is not theirs).
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view' });
  bidderApi = await deal.login('buyerA');
  // More pages holding one word than a page of results shows.
  await uploadThroughApi('Board minutes.pdf', deal.folders.finance.id, deal.entities.gmbh.id, await makePdf('Board minutes', 25));
  // A word only in 2 Legal, and one only in a draft of 1 Finance: neither is Bidder A's to find.
  await uploadThroughApi('Arbitration.pdf', deal.folders.legal.id, deal.entities.ltd.id, await textPdf([['Pending arbitration with Quetzalcoatl Shipping.']]));
  expect((await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' })).status).toBe(200);
  await uploadThroughApi('Tax memo.pdf', deal.folders.finance.id, deal.entities.gmbh.id, await textPdf([['Draft memo: Xylophonic restructuring of the holding.']]));
  expect((await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' })).status).toBe(200);
  // An expert on the room's staff: the Q&A assigned to them, no document.
  const expert = await deal.admin.post('/api/users', { email: 'eva@seller.example', name: 'Eva Expert', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' });
  expect(expert.status).toBe(201);
  expect((await deal.manager.post(`${deal.roomPath}/staff`, { userId: expert.body.id, role: 'expert' })).status).toBe(201);
}, 120_000);

afterAll(() => w?.close());

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception.
  expect(w.consoleErrors).toEqual([]);
});

/** Chromium logs every 4xx answer as a console error: one the journey provokes on purpose is no fault. */
function expectRefusalLogged(status: number, path: RegExp) {
  const index = w.consoleErrors.findIndex((line) => line.includes(`status of ${status}`) && path.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  w.consoleErrors.splice(index, 1);
}

async function screenshot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  await takeScreenshot(page, name);
}

/** Searches from the room's header by keyboard: type, Enter. */
async function searchFor(page: Page, words: string) {
  const box = page.getByRole('search').getByLabel('Search the words in the room’s documents');
  await box.fill(words);
  await box.press('Enter');
}

const results = (page: Page) => page.getByRole('region', { name: /^Pages that hold/ });
/** Where page `n` of the open PDF sits against the window: its top, and the window's height. */
const placeOfPage = (page: Page, n: number) =>
  page.evaluate((number) => {
    const box = document.querySelector(`.pdf-page-box[data-page="${number}"]`)!;
    return { top: box.getBoundingClientRect().top, height: window.innerHeight, focused: document.activeElement === box };
  }, n);

const documentOf = async (client: Client, title: string) => {
  const list = await deal.manager.get(`${deal.roomPath}/documents?q=${encodeURIComponent(title)}`);
  const id = (list.body.items as Array<{ id: string; title: string }>).find((d) => d.title === title)!.id;
  return (await client.get(`/api/documents/${id}`)).body as { id: string; index: string; title: string };
};

describe('full-text search in Chromium', () => {
  it('indexes a text PDF and a scan the manager uploads, and says so in the details', async () => {
    const { page } = w;
    await signIn(page, deal.users.manager.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('button', { name: '1 Finance', exact: true }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([
      { name: 'Escrow terms.pdf', mimeType: 'application/pdf', buffer: await textPdf(ESCROW_PAGES) },
      {
        name: 'Site survey.pdf',
        mimeType: 'application/pdf',
        buffer: await pdfOfPages([
          { kind: 'text', lines: ['Site survey of the Falcon GmbH plant in Bremen.', 'The findings are on the next page.'] },
          { kind: 'scan', lines: ['Roof membrane replaced in 2019 by Hanseatic Roofing.', 'No asbestos was found in the turbine hall.'] },
          { kind: 'text', lines: ['Signed by the surveyor.'] },
        ]),
      },
    ]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 2 of 2 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    await page.getByRole('button', { name: 'Details of Site survey' }).click();
    const details = page.getByRole('region', { name: 'Details of Site survey' });
    await details.getByText('Being indexed', { exact: true }).waitFor();
    // The background indexer's work, done now: extraction, and OCR of the scanned page.
    expect(await w.t.indexText()).toBeGreaterThanOrEqual(5);
    // The panel asks again while the document is being indexed.
    await details.getByText('Searchable', { exact: true }).waitFor();

    // The deal team finds words in every document of the room, drafts and 2 Legal included.
    await searchFor(page, 'Quetzalcoatl');
    await results(page).getByRole('heading', { name: /Arbitration$/ }).waitFor();
    await searchFor(page, 'Xylophonic');
    await results(page).getByRole('heading', { name: /Tax memo$/ }).waitFor();
  });

  it('takes a bidder by keyboard from a word only a scanned page holds to that page in the viewer', async () => {
    const { page } = w;
    const survey = await documentOf(bidderApi, 'Site survey');
    await signIn(page, deal.users.buyerA.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await searchFor(page, 'asbestos');
    await page.waitForURL(/\/search\?q=asbestos$/);

    const list = results(page);
    const documentItem = list.getByRole('listitem').filter({ has: page.getByRole('heading', { name: `${survey.index} Site survey` }) });
    const hit = documentItem.getByRole('link', { name: /^page 2 / });
    await hit.waitFor();
    expect(await hit.locator('mark').allTextContents()).toEqual(['asbestos']);
    expect(await list.getByRole('link').count()).toBe(1);

    // Keyboard: from the search box, Tab reaches the hit; Enter opens it.
    await page.getByRole('search').getByLabel('Search the words in the room’s documents').focus();
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if (await hit.evaluate((el) => el === document.activeElement)) break;
    }
    expect(await hit.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/documents/${survey.id}\\?page=2&q=asbestos$`));
    await page.getByRole('heading', { name: `${survey.index} Site survey` }).waitFor();
    // At page 2, focused; the word is in the picture, not in a text layer, and the viewer says so.
    await page.getByRole('status').getByText('Page 2: “asbestos” is not in the page’s text layer, so it cannot be marked.', { exact: false }).waitFor();
    const place = await placeOfPage(page, 2);
    expect(place.top).toBeGreaterThanOrEqual(-2);
    expect(place.top).toBeLessThan(place.height / 3);
    expect(place.focused).toBe(true);

    // Back to the results from the viewer's breadcrumb.
    await page.getByRole('link', { name: 'Search results for “asbestos”' }).click();
    await hit.waitFor();
  });

  it('opens a hit on a text page at that page with the word marked, found and marked without its accent', async () => {
    const { page } = w;
    const escrow = await documentOf(bidderApi, 'Escrow terms');
    await searchFor(page, 'kundigungsfrist');
    const hit = results(page).getByRole('link', { name: /^page 3 / });
    await hit.waitFor();
    expect(await hit.locator('mark').allTextContents()).toEqual(['Kündigungsfrist']);
    await hit.click();
    await page.waitForURL(new RegExp(`/documents/${escrow.id}\\?page=3&q=kundigungsfrist$`));
    await page.getByRole('status').getByText('Page 3: “kundigungsfrist” is marked once.').waitFor();
    const marks = page.locator('.pdf-page-box[data-page="3"] .pdf-text-layer mark.pdf-hit');
    expect(await marks.allTextContents()).toEqual(['Kündigungsfrist']);
    const place = await placeOfPage(page, 3);
    expect(place.top).toBeGreaterThanOrEqual(-2);
    expect(place.top).toBeLessThan(place.height / 3);
    // The mark sits on the drawn word: inside the page, in its upper part (the line is near the top).
    const box = (await page.locator('.pdf-page-box[data-page="3"]').boundingBox())!;
    const mark = (await marks.first().boundingBox())!;
    expect(mark.width).toBeGreaterThan(20);
    expect(mark.x).toBeGreaterThan(box.x);
    expect(mark.y).toBeGreaterThan(box.y);
    expect(mark.y + mark.height).toBeLessThan(box.y + box.height / 4);
  });

  it('answers a word only in a draft or in another party’s folder as one that exists nowhere', async () => {
    const { page } = w;
    await page.getByRole('link', { name: 'Search results for “kundigungsfrist”' }).click();
    for (const word of ['Xylophonic', 'Quetzalcoatl', 'Nowhereatallword']) {
      await searchFor(page, word);
      await results(page).getByText(`No document you can open holds “${word}”.`).waitFor();
      expect(await results(page).getByRole('link').count()).toBe(0);
    }
  });

  it('loads more results into the document they belong to, its pages in order', async () => {
    const { page } = w;
    const minutes = await documentOf(bidderApi, 'Board minutes');
    await searchFor(page, 'minutes');
    const documentItem = results(page).getByRole('listitem').filter({ has: page.getByRole('heading', { name: `${minutes.index} Board minutes` }) });
    const hits = documentItem.getByRole('link', { name: /^page \d+ / });
    await hits.first().waitFor();
    expect(await hits.count()).toBe(20);
    await results(page).getByText('20 pages in 1 document so far, best first.').waitFor();
    await results(page).getByRole('button', { name: 'More results' }).click();
    await results(page).getByText('25 pages in 1 document, best first.').waitFor();
    expect(await results(page).getByRole('button', { name: 'More results' }).count()).toBe(0);
    const pages = (await hits.locator('.search-hit-page').allTextContents()).map((t) => Number(t.replace('page ', '')));
    expect(pages).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('shows markup in a page’s text as text, and names what is wrong with a query it refuses', async () => {
    const { page } = w;
    await searchFor(page, 'onerror');
    const hit = results(page).getByRole('link', { name: /^page 2 / });
    await hit.waitFor();
    expect(await hit.textContent()).toContain('<img src=x onerror="window.__searchInjected=1">');
    expect(await hit.locator('mark').allTextContents()).toEqual(['onerror']);
    expect(await results(page).locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __searchInjected?: number }).__searchInjected)).toBeUndefined();

    // The server takes at most 500 characters: a longer query is refused, and the page says why.
    await searchFor(page, 'falcon '.repeat(80));
    await results(page).getByRole('alert').getByText('This search cannot be run. The search words: at most 500 characters — this search has 559 characters.').waitFor();
    expectRefusalLogged(400, /\/search\?/);

    // Several documents, each with its pages: the picture for the README.
    await searchFor(page, 'Falcon');
    await results(page).getByRole('heading', { name: /Site survey$/ }).waitFor();
    await results(page).getByRole('heading', { name: /Escrow terms$/ }).waitFor();
    await screenshot(page, 'search');
  });

  it('offers no search to an expert, who has no document of the room', async () => {
    const { page } = w;
    await signIn(page, 'eva@seller.example', PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByText('Expert', { exact: true }).waitFor();
    expect(await page.getByRole('search').count()).toBe(0);
  });
});
