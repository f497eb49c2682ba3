import fs from 'node:fs';
import type { Request as PlaywrightRequest } from 'playwright-core';
import { buildDeal, type Deal } from '../support/world.js';
import { makePdf } from '../support/fixtures.js';
import { parseCsv } from '../support/csv.js';
import type { Client } from '../support/test-app.js';
import { screenshot, signIn, startE2e, type E2eWorld } from './browser.js';

/**
 * Engagement in the browser (docs/API.md, "Engagement"): a bidder reads a six-page report in the
 * viewer and turns its pages; what the viewer reports reaches the server and shows in the deal
 * team's figures for the bidder's party. The manager opens the Engagement tab: the heat map of
 * parties × folders, each cell "looked at / may see", a drill-down to the party's documents and
 * people, a CSV export. An external user has no such tab, and the API answers them as for a
 * missing room. The deal and the other party's activity are built through the API.
 */
let w: E2eWorld;
let deal: Deal;
let report: string;
let buyerB: Client;

interface Item {
  key: string;
  label: string;
  visible: number;
  documents: number;
  views: number;
  pagesViewed: number;
  seconds: number;
  folderId?: string;
}

async function upload(name: string, folderId: string, entityId: string, pages = 1) {
  const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(name, pages), name: `${name}.pdf` }, { folderId, entityId, classification: 'standard', personalData: 'none' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

const figures = async (query: string): Promise<Item[]> => {
  const res = await deal.manager.get(`${deal.roomPath}/engagement${query}`);
  expect(res.status).toBe(200);
  return res.body.items as Item[];
};

beforeAll(async () => {
  w = await startE2e();
  deal = await buildDeal(w.t);
  // Bidder A (Alpha and its advisor) may see the whole room; Bidder B only Finance (Falcon GmbH).
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.gmbh.id] });
  await deal.grant({ partyId: deal.parties.A.id, folderId: null });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.finance.id });
  report = await upload('Annual report 2025', deal.folders.legal.id, deal.entities.ltd.id, 6);
  await upload('Budget 2026', deal.folders.finance.id, deal.entities.gmbh.id);
  await upload('Articles of association', deal.folders.legal.id, deal.entities.ltd.id);
  // Bidder B has read Finance and taken a copy; A's advisor glanced at it.
  buyerB = await deal.login('buyerB');
  expect((await buyerB.get(`/api/documents/${deal.docs.finance.id}/content?disposition=inline`)).status).toBe(200);
  expect((await buyerB.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(200);
  const advisorA = await deal.login('advisorA');
  expect((await advisorA.get(`/api/documents/${deal.docs.finance.id}/content?disposition=inline`)).status).toBe(200);
}, 120_000);

afterAll(() => w?.close());

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception (a CSP refusal of the charts' styles included).
  expect(w.consoleErrors).toEqual([]);
});

describe('engagement in Chromium', () => {
  it("reports the pages a bidder reads in the viewer, and the seconds on each, into their party's figures", async () => {
    const { page } = w;
    // What the viewer sends, as it sends it.
    const reports: Array<Array<{ page: number; seconds: number }>> = [];
    const onReport = (r: PlaywrightRequest) => {
      if (/\/views\/[^/]+\/pages$/.test(r.url()) && r.method() === 'POST') reports.push(r.postDataJSON());
    };
    page.on('request', onReport);

    await signIn(page, deal.users.buyerA.email, 'a long enough passphrase');
    const opened = page.waitForResponse((r) => r.url().includes(`/api/documents/${report}/content?disposition=inline`));
    await page.goto(`/rooms/${deal.room.id}/documents/${report}`);
    const downloadId = (await opened).headers()['x-download-id'];
    expect(downloadId).toBeTruthy();
    await page.getByText('6 pages').waitFor();
    await page.locator('canvas[aria-label="Page 1 of 6"]').waitFor();
    // Reading page 1, then page 3.
    await page.waitForTimeout(2600);
    await page.locator('[data-page="3"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(2600);
    // Leaving the viewer sends what was read since the last report.
    const sent = page.waitForResponse((r) => r.url().endsWith(`/views/${downloadId}/pages`) && r.request().method() === 'POST');
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Documents' }).click();
    expect((await sent).status()).toBe(204);
    page.off('request', onReport);

    // Whole seconds, within the server's bounds, about pages 1 and 3 of this view only.
    const pages = new Map<number, number>();
    for (const batch of reports) {
      for (const { page: n, seconds } of batch) {
        expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 900).toBe(true);
        pages.set(n, (pages.get(n) ?? 0) + seconds);
      }
    }
    expect([...pages.keys()].sort()).toEqual([1, 3]);
    expect(pages.get(1)).toBeGreaterThanOrEqual(2);
    expect(pages.get(3)).toBeGreaterThanOrEqual(2);

    const [a, b] = await figures('?by=party');
    expect(a).toMatchObject({ key: deal.parties.A.id, pagesViewed: 2 });
    expect(a!.seconds).toBe(pages.get(1)! + pages.get(3)!);
    // Bidder B's figures hold none of it.
    expect(b).toMatchObject({ key: deal.parties.B.id, pagesViewed: 0, seconds: 0 });
    const [reportRow] = (await figures(`?by=document&partyId=${deal.parties.A.id}`)).filter((d) => d.key === report);
    expect(reportRow).toMatchObject({ pagesViewed: 2, views: 1 });
  });

  it('shows the deal team a heat map of parties × folders, drills down to a party, and exports the figures', async () => {
    const { page } = w;
    await signIn(page, deal.users.manager.email, 'a long enough passphrase');
    await page.goto(`/rooms/${deal.room.id}`);
    await page.getByRole('navigation', { name: 'Room sections' }).getByRole('link', { name: 'Engagement' }).click();
    await page.waitForURL(`**/rooms/${deal.room.id}/engagement`);

    // The parties' totals: "looked at / may see", as the API counts them.
    const [a, b] = await figures('?by=party');
    const summary = page.getByRole('table', { name: "Each party's engagement" });
    await summary.waitFor();
    await expect(summary.getByRole('row', { name: /Bidder A/ }).getByRole('cell').first().textContent()).resolves.toBe(`${a!.documents} / ${a!.visible}`);
    await expect(summary.getByRole('row', { name: /Bidder B/ }).getByRole('cell').first().textContent()).resolves.toBe(`${b!.documents} / ${b!.visible}`);

    // The heat map is drawn (a canvas with ink on it), and its figures are in its table.
    const chart = page.locator('.engagement-heat-map canvas').first();
    await chart.waitFor();
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('.engagement-heat-map canvas');
      if (!canvas || canvas.width === 0) return false;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i]! < 100 && data[i + 2]! > 60) return true; // the navy of a looked-at cell
      return false;
    });
    await page.getByRole('region', { name: 'Parties × folders' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'engagement-heat-map');

    const legalOfA = (await figures(`?by=folder&partyId=${deal.parties.A.id}`)).find((f) => f.key === deal.folders.legal.id)!;
    expect(legalOfA).toMatchObject({ documents: 1, visible: 3 });
    await page.getByText('The heat map as a table').click();
    const cell = page.getByRole('button', { name: `Bidder A, ${legalOfA.label}: looked at 1 of 3 documents it may see` });
    await expect(cell.textContent()).resolves.toBe('1 / 3');
    // Bidder B may see nothing in Legal: no figure to drill into.
    expect(await page.getByRole('button', { name: new RegExp(`^Bidder B, ${legalOfA.label}:`) }).count()).toBe(0);

    // Drill-down: that party's documents in that folder, and its people.
    await cell.click();
    const drill = page.getByRole('region', { name: `Bidder A in ${legalOfA.label}` });
    await drill.waitFor();
    const documents = drill.getByRole('table', { name: `Documents: Bidder A in ${legalOfA.label}` });
    const reportRow = documents.getByRole('row', { name: /Annual report 2025/ });
    await expect(reportRow.getByRole('cell').nth(3).textContent()).resolves.toBe('2'); // pages read
    expect(await documents.getByRole('row').count()).toBe(1 + 3); // the header and Legal's three documents
    expect(await documents.getByRole('row', { name: /finance/i }).count()).toBe(0);
    const people = drill.getByRole('table', { name: 'People: Bidder A' });
    await people.getByRole('row', { name: /Łukasz Ørsted/ }).waitFor();
    await people.getByRole('row', { name: /Adam Advisor/ }).waitFor();
    // The whole party: Finance's documents too.
    await drill.getByRole('button', { name: 'All folders' }).click();
    await page.getByRole('region', { name: 'Bidder A', exact: true }).getByRole('row', { name: /finance/i }).first().waitFor();

    // CSV export of the parties' figures: the same numbers.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).first().click()]);
    const rows = parseCsv(fs.readFileSync((await download.path())!, 'utf8'));
    const header = rows[0]!;
    const rowOf = (label: string) => rows.find((r) => r[header.indexOf('label')] === label)!;
    expect(rowOf('Bidder A')[header.indexOf('documents')]).toBe(String(a!.documents));
    expect(rowOf('Bidder A')[header.indexOf('pagesViewed')]).toBe('2');
    expect(rowOf('Bidder B')[header.indexOf('visible')]).toBe(String(b!.visible));

    // The timeline has a line per party.
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.locator('.engagement-timeline canvas').first().waitFor();
  });

  it('gives an external user no Engagement tab, and the 404 of a missing room at the API', async () => {
    const { page } = w;
    await signIn(page, deal.users.buyerB.email, 'a long enough passphrase');
    await page.goto(`/rooms/${deal.room.id}/engagement`);
    // The room's documents, not the figures.
    await page.getByRole('navigation', { name: 'Room sections' }).waitFor();
    expect(await page.getByRole('link', { name: 'Engagement' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Engagement' }).count()).toBe(0);
    const answer = await page.request.get(`/api/rooms/${deal.room.id}/engagement?by=party`);
    expect(answer.status()).toBe(404);
    const missing = await page.request.get('/api/rooms/00000000-0000-4000-8000-000000000000/engagement?by=party');
    expect(await answer.json()).toEqual(await missing.json());
  });
});
