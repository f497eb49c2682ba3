import { ADMIN, Client } from '../support/test-app.js';
import { screenshot as takeScreenshot, signIn, startE2e, type E2eWorld } from './browser.js';

let w: E2eWorld;

beforeAll(async () => {
  // The outbox's worker runs as in a real process: with no SMTP server, mail is written to files and read in the outbox.
  w = await startE2e({ mailWorker: true });
}, 60_000);

afterAll(async () => {
  await w?.close();
});

afterEach(() => {
  // The journey runs without a console error or an uncaught exception in the page (refusals it
  // provokes on purpose are taken out where it provokes them).
  expect(w.consoleErrors).toEqual([]);
});

/** Chromium logs every 4xx answer as a console error: one the journey provokes on purpose is no fault. */
function expectRefusalLogged(status: number, path: RegExp) {
  const index = w.consoleErrors.findIndex((line) => line.includes(`status of ${status}`) && path.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  w.consoleErrors.splice(index, 1);
}

/** A picture for the README, with the pointer off the page so that no hover state shows. */
async function screenshot(page: E2eWorld['page'], name: string) {
  await page.mouse.move(0, 0);
  await takeScreenshot(page, name);
}

const csv = (...lines: string[]) => Buffer.from(['email,name,organisation,kind,role', ...lines].join('\n') + '\n');

describe('the administration screens in Chromium', () => {
  it('lets an administrator build the directory from an empty database and read the invitations it sends', async () => {
    const { page } = w;
    const dialog = page.getByRole('dialog');
    await signIn(page, ADMIN.email, ADMIN.password);

    // A new room needs target entities; with none yet, the dialog leads the administrator to them.
    await page.getByRole('button', { name: 'New room' }).click();
    await dialog.getByText('No legal entities are registered yet.').waitFor();
    await dialog.getByRole('link', { name: /Add the group’s legal entities/ }).click();
    await page.getByRole('heading', { name: 'Legal entities of the seller group' }).waitFor();
    await page.getByText('No legal entities yet.').waitFor();

    // The tree: Falcon Holding at the top, Falcon Ltd added under it, Falcon GmbH added at the top and moved under it.
    await page.getByRole('button', { name: 'Add entity' }).click();
    await dialog.getByLabel('Entity name').fill('Falcon Holding');
    await dialog.getByRole('button', { name: 'Add entity' }).click();
    await page.getByText('Falcon Holding added at the top.').waitFor();
    await page.getByRole('button', { name: 'Add an entity under Falcon Holding' }).click();
    expect(await dialog.getByLabel('Parent entity').inputValue()).not.toBe('');
    await dialog.getByLabel('Entity name').fill('Falcon Ltd');
    await dialog.getByRole('button', { name: 'Add entity' }).click();
    await page.getByText('Falcon Ltd added under Falcon Holding.').waitFor();
    await page.getByRole('button', { name: 'Add entity' }).click();
    await dialog.getByLabel('Entity name').fill('Falcon GmbH');
    await dialog.getByRole('button', { name: 'Add entity' }).click();
    await page.getByText('Falcon GmbH added at the top.').waitFor();
    await page.getByRole('button', { name: 'Move Falcon GmbH' }).click();
    await dialog.getByLabel('Parent entity').selectOption({ label: 'Falcon Holding' });
    await dialog.getByRole('button', { name: 'Move' }).click();
    await page.getByText('Falcon GmbH moved under Falcon Holding.').waitFor();
    const tree = page.getByRole('list', { name: 'Entity tree' });
    const holding = tree.getByRole('listitem').filter({ has: page.getByText('Falcon Holding', { exact: true }) });
    await holding.getByRole('listitem').filter({ hasText: 'Falcon GmbH' }).waitFor();
    expect(await holding.getByRole('listitem').count()).toBe(2);

    // A move under its own subtree is the server's to refuse; the dialog says why, naming the field.
    await page.getByRole('button', { name: 'Move Falcon Holding' }).click();
    await dialog.getByLabel('Parent entity').selectOption({ label: 'Falcon Holding › Falcon GmbH' });
    await dialog.getByRole('button', { name: 'Move' }).click();
    await dialog.getByRole('alert').filter({ hasText: /^Parent entity: / }).waitFor();
    expect(await dialog.getByLabel('Parent entity').getAttribute('aria-invalid')).toBe('true');
    expectRefusalLogged(400, /\/api\/entities\//);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await holding.getByRole('listitem').count()).toBe(2);

    await page.getByLabel('Search entities').fill('GmbH');
    await page.getByRole('list', { name: 'Entities matching GmbH' }).getByText('Falcon Holding › Falcon GmbH').waitFor();
    await page.getByLabel('Search entities').fill('');
    await tree.waitFor();
    await screenshot(page, 'admin-entities');

    // Organisations: an acquirer and an advisor.
    await page.getByRole('link', { name: 'Organisations' }).click();
    await page.getByRole('heading', { name: 'Organisations', exact: true }).waitFor();
    for (const [name, kind] of [['Alpha Capital', 'acquirer'], ['Lex & Co', 'advisor']]) {
      await page.getByRole('button', { name: 'New organisation' }).click();
      await dialog.getByLabel('Organisation name').fill(name);
      await dialog.getByLabel('Kind').selectOption(kind);
      await dialog.getByRole('button', { name: 'Add organisation' }).click();
      await page.getByText(`${name} added.`).waitFor();
    }
    await page.getByRole('button', { name: 'Rename Lex & Co' }).click();
    await dialog.getByLabel('Organisation name').fill('Lex & Partners');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('cell', { name: 'Lex & Partners', exact: true }).waitFor();
    await page.getByLabel('Kind').selectOption('advisor');
    await page.getByRole('cell', { name: 'Alpha Capital', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Lex & Partners', exact: true }).waitFor();
    await page.getByLabel('Kind').selectOption('');
    await page.getByRole('cell', { name: 'Alpha Capital', exact: true }).waitFor();
    await screenshot(page, 'admin-orgs');

    // People: an external person of the acquirer and a colleague of the seller group, both invited.
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.getByRole('button', { name: 'Invite person' }).click();
    await dialog.getByLabel('Email').fill('anna@alpha.example');
    await dialog.getByLabel('Name').fill('Anna Acquirer');
    await dialog.getByLabel('Organisation').selectOption({ label: 'Alpha Capital' });
    expect(await dialog.getByLabel('Role').locator('option').allTextContents()).toEqual(['External']);
    await screenshot(page, 'admin-invite');
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent to anna@alpha.example.').waitFor();
    await page.getByRole('button', { name: 'Invite person' }).click();
    await dialog.getByLabel('Email').fill('mia@seller.example');
    await dialog.getByLabel('Name').fill('Mia Manager');
    await dialog.getByLabel('Organisation').selectOption({ label: 'Seller Group' });
    expect(await dialog.getByLabel('Role').locator('option').allTextContents()).toEqual(['Staff', 'Administrator']);
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent to mia@seller.example.').waitFor();
    await page.getByLabel('Status').selectOption('invited');
    const row = (name: string) => page.getByRole('row').filter({ hasText: name });
    await row('Mia Manager').getByText('Invited', { exact: true }).waitFor();
    await row('Anna Acquirer').getByText('Invited', { exact: true }).waitFor();
    await row(ADMIN.email).waitFor({ state: 'detached' }); // active: filtered out
    await page.getByRole('button', { name: 'Re-invite Anna Acquirer' }).click();
    await page.getByText('A new invitation went to anna@alpha.example').waitFor();
    await screenshot(page, 'admin-people');

    // A bulk import: the dry run finds the wrong row and Import stays off until a clean dry run.
    await page.getByRole('link', { name: 'Import people' }).click();
    const file = page.getByLabel('Spreadsheet (CSV or XLSX)');
    const importButton = page.getByRole('button', { name: 'Import', exact: true });
    await file.setInputFiles({
      name: 'bidders.csv',
      mimeType: 'text/csv',
      buffer: csv(
        'ben@beta.example,Ben Bidder,Beta Holdings,acquirer,external',
        'lara@lex.example,Lara Lawyer,Lex & Partners,advisor,external',
        'anna@alpha.example,Anna Acquirer,Alpha Capital,acquirer,external',
        'not-an-address,Bad Row,Beta Holdings,acquirer,external',
      ),
    });
    expect(await importButton.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run of bidders.csv' }).waitFor();
    await page.getByText(/One row is wrong: nothing can be imported/).waitFor();
    const badRow = page.getByRole('row').filter({ hasText: 'not-an-address' });
    await badRow.getByText('Error', { exact: true }).waitFor();
    await badRow.getByText(/^email: /).waitFor();
    await page.getByRole('row').filter({ hasText: 'anna@alpha.example' }).getByText('Already there', { exact: true }).waitFor();
    expect(await importButton.isDisabled()).toBe(true);
    await screenshot(page, 'admin-import-dry-run');

    await file.setInputFiles({
      name: 'bidders-corrected.csv',
      mimeType: 'text/csv',
      buffer: csv(
        'ben@beta.example,Ben Bidder,Beta Holdings,acquirer,external',
        'lara@lex.example,Lara Lawyer,Lex & Partners,advisor,external',
        'anna@alpha.example,Anna Acquirer,Alpha Capital,acquirer,external',
        'bea@beta.example,Bea Bidder,Beta Holdings,acquirer,external',
      ),
    });
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run of bidders-corrected.csv' }).waitFor();
    await page.getByText(/Nothing has been written yet\. 3 to invite · 1 new organisation · 1 already there\./).waitFor();
    await page.getByRole('row').filter({ hasText: 'ben@beta.example' }).getByText('Invite, and create the organisation').waitFor();
    expect(await importButton.isDisabled()).toBe(false);
    await importButton.click();
    await page.getByRole('heading', { name: 'Imported bidders-corrected.csv' }).waitFor();
    await page.getByText('3 invited · 1 new organisation · 1 already there.').waitFor();
    expect(await importButton.isDisabled()).toBe(true);
    await screenshot(page, 'admin-import');

    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.getByLabel('Organisation').selectOption({ label: 'Beta Holdings' });
    await row('Ben Bidder').getByText('Invited', { exact: true }).waitFor();
    await row('Bea Bidder').getByText('Invited', { exact: true }).waitFor();

    // The outbox: the invitations, and one read with its link.
    await page.getByRole('link', { name: 'Outbox' }).click();
    const annasMail = page.getByRole('button', { name: /^Read “.*” to anna@alpha\.example$/ });
    await page.getByRole('button', { name: /to ben@beta\.example$/ }).waitFor();
    expect(await annasMail.count()).toBe(2); // the invitation and the re-invitation
    // The worker delivers in the background; the list shows it on Refresh.
    for (let tries = 0; (await page.getByRole('cell', { name: 'Queued', exact: true }).count()) > 0; tries++) {
      expect(tries).toBeLessThan(20);
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    expect(await page.getByRole('cell', { name: 'Sent', exact: true }).count()).toBe(6);
    await screenshot(page, 'admin-outbox');
    await annasMail.first().click();
    await dialog.getByText('anna@alpha.example', { exact: true }).waitFor();
    const link = dialog.getByRole('link', { name: /\/invitation#token=/ });
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(/^https?:\/\/[^/]+\/invitation#token=[^\s]+$/);
    await screenshot(page, 'admin-mail');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Disabling is asked twice, then shows at once.
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.getByRole('button', { name: 'Disable Mia Manager' }).click();
    await dialog.getByText('can no longer sign in').waitFor();
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await row('Mia Manager').getByText('Disabled', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Disable Mia Manager' }).count()).toBe(0);
  });

  it('offers the administration area to administrators only', async () => {
    const { page } = w;
    const admin = await Client.login(w.t.app, ADMIN.email, ADMIN.password);
    const seller = (await admin.get('/api/orgs?kind=seller')).body.items[0];
    const colleague = { email: 'sam@seller.example', name: 'Sam Staff', password: 'a long enough passphrase' };
    await admin.post('/api/users', { ...colleague, orgId: seller.id, role: 'staff' }).expect(201);

    await signIn(page, colleague.email, colleague.password);
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await page.goto('/admin/people');
    await page.getByText('Organisations, people and legal entities are kept by an administrator.').waitFor();
    expect(await page.getByRole('button', { name: 'Invite person' }).count()).toBe(0);

    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    expect(await page.getByRole('link', { name: 'Organisations' }).getAttribute('aria-current')).toBe('page');
  });
});
