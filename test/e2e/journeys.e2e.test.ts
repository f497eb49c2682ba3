import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN, Client } from '../support/test-app.js';
import type { Response as PlaywrightResponse } from 'playwright-core';
import { makePdf } from '../support/fixtures.js';
import { pdfText } from '../support/pdf-tools.js';
import { screenshot, signIn, signOut, startE2e, type E2eWorld } from './browser.js';

const PASSWORD = 'a long enough passphrase';
const people = {
  manager: { email: 'mia@seller.example', name: 'Mia Manager' },
  counsel: { email: 'carl@seller.example', name: 'Carl Counsel' },
  advisor: { email: 'adam@lex.example', name: 'Adam Advisor' },
  buyer: { email: 'anna@alpha.example', name: 'Anna Acquirer' },
};

let w: E2eWorld;
let files: string;

/**
 * The directory an administrator keeps (organisations, people, legal entities) is seeded through the
 * API; everything the deal team, counsel and the advisor do happens in the browser.
 */
beforeAll(async () => {
  w = await startE2e();
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-files-'));
  const admin = await Client.login(w.t.app, ADMIN.email, ADMIN.password);
  const seller = (await admin.get('/api/orgs')).body.items.find((o: { kind: string }) => o.kind === 'seller');
  const alpha = (await admin.post('/api/orgs', { name: 'Alpha Capital', kind: 'acquirer' })).body;
  const lex = (await admin.post('/api/orgs', { name: 'Lex & Co', kind: 'advisor' })).body;
  const add = (p: { email: string; name: string }, orgId: string, role: string) => admin.post('/api/users', { ...p, password: PASSWORD, orgId, role }).expect(201);
  await add(people.manager, seller.id, 'staff');
  await add(people.counsel, seller.id, 'staff');
  await add(people.advisor, lex.id, 'external');
  await add(people.buyer, alpha.id, 'external');
  await admin.post('/api/entities', { name: 'Falcon GmbH' }).expect(201);
  await admin.post('/api/entities', { name: 'Falcon Ltd' }).expect(201);
  await admin.post('/api/entities', { name: 'Eagle SA' }).expect(201);
}, 60_000);

afterAll(async () => {
  await w?.close();
  if (files) fs.rmSync(files, { recursive: true, force: true });
});

afterEach(() => {
  // Every journey runs without a console error or an uncaught exception in the page.
  expect(w.consoleErrors).toEqual([]);
});

describe('the web client in Chromium', () => {
  it('lets a manager set up a room, a party and its permissions', async () => {
    const { page } = w;
    await signIn(page, people.manager.email, PASSWORD);

    await page.getByRole('button', { name: 'New room' }).click();
    await page.getByLabel('Room name').fill('Sale of Falcon');
    await page.getByLabel('Code name').fill('Project Falcon');
    await page.getByLabel('Falcon GmbH').check();
    await page.getByLabel('Falcon Ltd').check();
    // This journey's uploads reach the bidder as they land; staged disclosure has its own journey.
    await page.getByLabel('Published at once').check();
    await page.getByRole('button', { name: 'Open room' }).click();
    await page.getByRole('heading', { name: 'Sale of Falcon' }).waitFor();

    // The index: 1 Finance, 1.1 Payroll.
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill('Finance');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('button', { name: '1 Finance' }).waitFor();
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill('Payroll');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('button', { name: '1.1 Payroll' }).waitFor();

    // Files into 1 Finance, then personal data into 1.1 Payroll.
    await page.getByRole('button', { name: '1 Finance' }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([
      { name: 'Financial statements 2025.pdf', mimeType: 'application/pdf', buffer: await makePdf('Financial statements of Falcon GmbH', 1000) },
      { name: 'Management accounts Q3.pdf', mimeType: 'application/pdf', buffer: await makePdf('Management accounts of Falcon GmbH') },
    ]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 2 of 2 done/ }).waitFor();
    await page.getByRole('button', { name: '1.1 Payroll' }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([{ name: 'Payroll register.pdf', mimeType: 'application/pdf', buffer: await makePdf('Payroll register of Falcon GmbH') }]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByLabel('Classification').selectOption('confidential');
    await page.getByLabel('Personal data').selectOption('identified');
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 3 of 3 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // A whole folder, as dropped from the desktop: its structure becomes folder 2 of the index.
    const legal = path.join(files, 'Legal');
    fs.mkdirSync(legal);
    fs.writeFileSync(path.join(legal, 'Articles of association.pdf'), await makePdf('Articles of Falcon Ltd'));
    fs.writeFileSync(path.join(legal, 'Shareholder agreement.pdf'), await makePdf('Shareholder agreement of Falcon Ltd'));
    await page.getByRole('button', { name: 'All documents' }).click();
    await page.getByLabel('Choose a folder to upload').setInputFiles(legal);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon Ltd' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 2 of 2 done/ }).waitFor();
    await page.getByRole('button', { name: '2 Legal', exact: true }).click();
    await page.getByRole('link', { name: 'Shareholder agreement', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Articles of association', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /Legal$/ }).count()).toBe(1);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('button', { name: 'All documents' }).click();
    await page.getByRole('cell', { name: 'Payroll register Personal data' }).waitFor();
    await screenshot(page, 'documents');

    // The team and the bidder.
    await page.getByRole('link', { name: 'Parties & team' }).click();
    await page.getByRole('button', { name: 'Add team member' }).click();
    await page.getByLabel('Colleague').selectOption({ label: `${people.counsel.name} — ${people.counsel.email}` });
    await page.getByLabel('Role in this room').selectOption('counsel');
    await page.getByRole('button', { name: 'Add to room' }).click();
    await page.getByText(people.counsel.email).waitFor();
    await page.getByRole('button', { name: 'Invite party' }).click();
    await page.getByLabel('Party name').fill('Bidder A');
    await page.getByLabel('Acquirer').selectOption({ label: 'Alpha Capital' });
    await page.getByLabel('Lex & Co').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Invite party' }).click();
    await page.getByRole('heading', { name: 'Bidder A' }).waitFor();
    await page.getByRole('button', { name: 'Add member to Bidder A' }).click();
    await page.getByLabel('Person').selectOption({ label: `${people.advisor.name} — ${people.advisor.email} (Lex & Co)` });
    await page.getByRole('dialog').getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('list', { name: 'Members of Bidder A' }).getByText(people.advisor.name).waitFor();
    await screenshot(page, 'parties');

    // Permissions: Bidder A may download 1 Finance and below, up to confidential and identified personal data.
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.getByRole('button', { name: 'Grant Bidder A access to 1 Finance' }).click();
    await page.getByLabel('Access level').selectOption('download');
    await page.getByLabel('Up to classification').selectOption('confidential');
    await page.getByLabel('Up to personal data').selectOption('identified');
    await page.getByRole('button', { name: 'Save grant' }).click();
    await page.getByRole('button', { name: "Revoke Bidder A's download grant on 1 Finance" }).waitFor();
    await screenshot(page, 'permissions');

    // The signed NDA Alpha Capital returned, covering its advisors: registered, pending counsel.
    await page.getByRole('link', { name: 'NDAs' }).click();
    await page.getByRole('button', { name: 'Register NDA' }).click();
    await page.getByLabel('Signed PDF').setInputFiles({ name: 'NDA Alpha Capital.pdf', mimeType: 'application/pdf', buffer: await makePdf('Confidentiality agreement Alpha Capital') });
    await page.getByLabel('Counterparty').selectOption({ label: 'Alpha Capital (acquirer)' });
    await page.getByRole('dialog').getByRole('button', { name: 'Register NDA' }).click();
    await page.getByText('Awaiting counsel').waitFor();

    await page.getByRole('link', { name: 'Data rooms' }).first().click();
    await page.getByRole('link', { name: 'Sale of Falcon' }).waitFor();
    await screenshot(page, 'rooms');
    await signOut(page);
  });

  it("shows an advisor only the confidentiality gate until counsel confirms the NDA", async () => {
    const { page } = w;
    await signIn(page, people.advisor.email, PASSWORD);
    await screenshot(page, 'rooms-advisor');
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('heading', { name: "Your organisation's confidentiality agreement has not been confirmed yet" }).waitFor();
    expect(await page.getByText('Financial statements').count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Folders' }).count()).toBe(0);
    await screenshot(page, 'nda-gate');
    await signOut(page);
  });

  it("lets counsel confirm the party's NDA, four-eyes", async () => {
    const { page } = w;
    await signIn(page, people.counsel.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('link', { name: 'NDAs' }).click();
    await page.getByRole('button', { name: 'Confirm the NDA of Alpha Capital' }).click();
    await page.getByText('NDA confirmed.').waitFor();
    await page.getByRole('cell', { name: /confirmed by Carl Counsel/ }).waitFor();
    await screenshot(page, 'ndas');

    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('cell', { name: 'Nda confirm' }).first().waitFor();
    await screenshot(page, 'audit');
    await page.getByRole('link', { name: 'Trace a leak' }).click();
    await page.getByText('Drop the leaked file here').waitFor();
    await signOut(page);
  });

  it('lets an advisor of the party browse, view a stamped PDF inline and download it', async () => {
    const { page } = w;
    await signIn(page, people.advisor.email, PASSWORD);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();

    // Exactly what the grant allows: 1 Finance and 1.1 Payroll, never 2 Legal.
    await page.getByRole('link', { name: 'Financial statements 2025', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Payroll register', exact: true }).waitFor();
    expect(await page.getByText('Shareholder agreement').count()).toBe(0);
    expect(await page.getByRole('button', { name: '2 Legal', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Upload files' }).count()).toBe(0);
    await page.getByLabel('Search documents').fill('payroll');
    await page.getByRole('heading', { name: 'Search results for “payroll”' }).waitFor();
    await page.getByText('1 document', { exact: true }).waitFor();
    await page.getByLabel('Search documents').fill('');
    await page.getByRole('button', { name: '1 Finance' }).click();
    await page.getByRole('link', { name: 'Management accounts Q3', exact: true }).waitFor();
    await screenshot(page, 'documents-advisor');

    // Inline: the stamped copy, drawn by pdf.js from byte ranges of one download.
    const ranges: Array<{ url: string; status: number; range: string; bytes: number }> = [];
    const onResponse = async (r: PlaywrightResponse) => {
      if (!r.url().includes('/content?disposition=inline')) return;
      ranges.push({ url: r.url(), status: r.status(), range: r.headers()['content-range'] ?? '', bytes: (await r.body()).length });
    };
    page.on('response', onResponse);
    const inline = page.waitForResponse((r) => r.url().includes('/content?disposition=inline'));
    await page.getByRole('link', { name: 'View Financial statements 2025' }).click();
    const response = await inline;
    expect(response.status()).toBe(206);
    expect(response.headers()['content-type']).toBe('application/pdf');
    const downloadId = response.headers()['x-download-id'];
    expect(downloadId).toBeTruthy();
    await page.getByText('1000 pages').waitFor();
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas[aria-label="Page 1 of 1000"]');
      if (!canvas || canvas.width === 0) return false;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 128) return true; // some ink on the page
      return false;
    });
    await screenshot(page, 'viewer');
    page.off('response', onResponse);
    // Every further range named the first one's download (the same stamped copy), and the viewer
    // fetched less than the whole file to show the first pages.
    const size = Number(/\/(\d+)$/.exec(ranges[0]!.range)?.[1]);
    expect(ranges.length).toBeGreaterThan(1);
    expect(ranges.slice(1).every((r) => r.status === 206 && new URL(r.url).searchParams.get('download') === downloadId)).toBe(true);
    expect(ranges.reduce((n, r) => n + r.bytes, 0)).toBeLessThan(size);

    // Download: the stamped file, naming who took it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('Financial statements 2025.pdf');
    const saved = path.join(files, 'downloaded.pdf');
    await download.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(bytes);
    expect(text).toContain(people.advisor.email);
    expect(text).toContain('Project Falcon');
    await signOut(page);
  });
});
