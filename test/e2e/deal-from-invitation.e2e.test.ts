import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import type { Page } from 'playwright-core';
import { ADMIN } from '../support/test-app.js';
import { startSmtpSink, to, type SmtpSink } from '../support/smtp-sink.js';
import { makePdf } from '../support/fixtures.js';
import { pdfText } from '../support/pdf-tools.js';
import { totpCode, TOTP_PERIOD_MS } from '../../server/auth/totp.js';
import { screenshot, signIn, signOut, startE2e, type E2eWorld } from './browser.js';

/**
 * Issue 17's Done-when: a deal run from an empty directory, where every person arrives by the link in
 * a mail that left over real SMTP. Nobody types a URL but the start page and the links read off the
 * mail server, and no API is called by hand: the administrator, the deal team, counsel and the
 * bidders do everything in Chromium.
 */
const people = {
  manager: { email: 'mia@seller.example', name: 'Mia Manager', password: 'mia chooses a long passphrase' },
  counsel: { email: 'carl@seller.example', name: 'Carl Counsel', password: 'carl chooses a long passphrase' },
  buyer: { email: 'anna@alpha.example', name: 'Anna Acquirer', password: 'anna chooses a long passphrase' },
  advisor: { email: 'adam@lex.example', name: 'Adam Advisor', password: 'adam chooses a long passphrase' },
  banker: { email: 'bea@lex.example', name: 'Bea Banker', password: 'bea chooses a long passphrase' },
};

let w: E2eWorld;
let smtp: SmtpSink;
let files: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  // The worker polls the outbox often, so a journey waits for mail as briefly as a person would.
  w = await startE2e({ env: { SMTP_URL: smtp.url, MAIL_POLL_SECONDS: '0.5' }, mailWorker: true });
  files = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-invitation-'));
}, 60_000);

afterAll(async () => {
  await w?.close();
  await smtp?.stop();
  if (files) fs.rmSync(files, { recursive: true, force: true });
});

/** Refusals a journey provokes on purpose: the browser logs each failed request as a console error. */
const provoked: RegExp[] = [];
const provoke = (status: number, path: RegExp) => provoked.push(new RegExp(`status of ${status} .*${path.source}`));

afterEach(() => {
  // Nothing else went wrong in the page: no other failed request, no uncaught exception.
  expect(w.consoleErrors.filter((e) => !provoked.some((p) => p.test(e)))).toEqual([]);
  w.consoleErrors.length = 0;
  provoked.length = 0;
});

/** The mail to `email` whose subject matches, as it arrived over SMTP. */
const mailTo = (email: string, subject: RegExp) => smtp.waitFor((m) => to(email)(m) && subject.test(m.subject ?? ''), 20_000);

/** The one link of a mail that starts with the server's PUBLIC_URL (the text part; the HTML has the same). */
function linkIn(mail: ParsedMail, pathPrefix: string): string {
  const links = (mail.text ?? '').match(/https?:\/\/\S+/g) ?? [];
  const link = links.find((l) => new URL(l).pathname.startsWith(pathPrefix));
  if (!link) throw new Error(`no ${pathPrefix} link in "${mail.subject}":\n${mail.text}`);
  expect(new URL(link).origin).toBe(w.baseUrl);
  return link;
}

/** Opens an invitation mail's link and chooses a password; leaves the person signed in on their room list. */
async function acceptInvitation(page: Page, person: { email: string; password: string }) {
  const link = linkIn(await mailTo(person.email, /invited/i), '/invitation');
  await page.context().clearCookies();
  await page.goto(link);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  // The secret left the address bar as soon as the page read it.
  expect(new URL(page.url()).hash).toBe('');
  return {
    async choosePassword() {
      await page.getByLabel('New password').fill(person.password);
      await page.getByRole('button', { name: 'Set password and sign in' }).click();
    },
  };
}

/** The code an authenticator app shows for a step after `usedStep`, waiting only if the server would not take it yet. */
async function nextCode(secret: string, usedStep: number): Promise<{ code: string; step: number }> {
  const step = usedStep + 1;
  // The server accepts one step either side of its own: wait until `step` is at most one ahead.
  while (Math.floor(Date.now() / TOTP_PERIOD_MS) + 1 < step) await new Promise((r) => setTimeout(r, 500));
  return { code: totpCode(secret, step * TOTP_PERIOD_MS), step };
}

describe('a deal run from invitations, in Chromium, with mail over SMTP', () => {
  it('takes the deal from an empty directory to a bidder downloading a stamped document', async () => {
    const { page } = w;

    // The administrator builds the directory and invites the deal team.
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Administration' }).click();
    const dialog = page.getByRole('dialog');
    await page.getByRole('link', { name: 'Legal entities' }).click();
    await page.getByRole('button', { name: 'Add entity' }).click();
    await dialog.getByLabel('Entity name').fill('Falcon Holding BV');
    await dialog.getByRole('button', { name: 'Add entity' }).click();
    await page.getByRole('button', { name: 'Add an entity under Falcon Holding BV' }).click();
    await dialog.getByLabel('Entity name').fill('Falcon GmbH');
    await dialog.getByRole('button', { name: 'Add entity' }).click();
    await page.getByText('Falcon GmbH added under Falcon Holding BV.').waitFor();

    await page.getByRole('link', { name: 'Organisations' }).click();
    for (const [name, kind] of [['Alpha Capital', 'Acquirer'], ['Lex & Co', 'Advisor']]) {
      await page.getByRole('button', { name: 'New organisation' }).click();
      await dialog.getByLabel('Organisation name').fill(name);
      await dialog.getByLabel('Kind').selectOption({ label: kind });
      await dialog.getByRole('button', { name: 'Add organisation' }).click();
      await page.getByRole('cell', { name, exact: true }).waitFor();
    }

    await page.getByRole('link', { name: 'People', exact: true }).click();
    for (const person of [people.manager, people.counsel]) {
      await page.getByRole('button', { name: 'Invite person' }).click();
      await dialog.getByLabel('Email').fill(person.email);
      await dialog.getByLabel('Name').fill(person.name);
      await dialog.getByLabel('Organisation').selectOption({ label: 'Seller Group' });
      await dialog.getByLabel('Role').selectOption({ label: 'Staff' });
      await dialog.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByRole('cell', { name: person.email }).waitFor();
    }
    await signOut(page);

    // The manager accepts from the mail, opens a room and fills it.
    const managerInvitation = await acceptInvitation(page, people.manager);
    await page.getByLabel('New password').fill('password1234');
    await page.getByText('Not a commonly used password — not met').waitFor({ state: 'attached' });
    await screenshot(page, 'invitation-accept');
    await managerInvitation.choosePassword();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();

    await page.getByRole('button', { name: 'New room' }).click();
    await page.getByLabel('Room name').fill('Sale of Falcon');
    await page.getByLabel('Code name').fill('Project Falcon');
    await page.getByLabel('Falcon GmbH').check();
    // This journey's uploads reach the bidder as they land; staged disclosure has its own journey.
    await page.getByLabel('Published at once').check();
    await page.getByRole('button', { name: 'Open room' }).click();
    await page.getByRole('heading', { name: 'Sale of Falcon' }).waitFor();
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill('Finance');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('button', { name: '1 Finance' }).click();
    await page.getByLabel('Choose files to upload').setInputFiles([
      { name: 'Financial statements 2025.pdf', mimeType: 'application/pdf', buffer: await makePdf('Financial statements of Falcon GmbH') },
    ]);
    await page.getByLabel('Entity').selectOption({ label: 'Falcon GmbH' });
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.getByRole('heading', { name: /Upload finished — 1 of 1 done/ }).waitFor();
    await page.getByRole('button', { name: 'Dismiss' }).click();

    // Counsel on the team; the bidder's party; its people invited from the party's card.
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

    await page.getByRole('button', { name: 'Invite people to Bidder A' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite people to Bidder A' });
    // An address of someone in another organisation is refused, and the alert names the field.
    await invite.getByLabel('Email').fill(people.buyer.email);
    await invite.getByLabel('Name').fill(people.buyer.name);
    await invite.getByLabel('Organisation').selectOption({ label: 'Alpha Capital (acquirer)' });
    await screenshot(page, 'party-invite');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.getByText(`Invitation mailed to ${people.buyer.name} (${people.buyer.email}), now a member of Bidder A.`).waitFor();
    // An address of someone in another organisation is refused, and the alert names the field.
    provoke(409, /\/invitations\)$/);
    await invite.getByLabel('Email').fill(people.counsel.email);
    await invite.getByLabel('Name').fill('Someone Else');
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.getByRole('alert').filter({ hasText: 'Email: this address belongs to a user of another organisation.' }).waitFor();
    expect(await invite.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await invite.getByLabel('Email').fill(people.advisor.email);
    await invite.getByLabel('Name').fill(people.advisor.name);
    await invite.getByLabel('Organisation').selectOption({ label: 'Lex & Co (advisor)' });
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.getByText(`Invitation mailed to ${people.advisor.name} (${people.advisor.email}), now a member of Bidder A.`).waitFor();
    await invite.getByRole('button', { name: 'Done' }).click();
    const members = page.getByRole('list', { name: 'Members of Bidder A' });
    await members.getByText(people.buyer.name).waitFor();
    await members.getByText(people.advisor.name).waitFor();

    // What Bidder A may take, and the NDA Alpha Capital signed (covering its advisors), awaiting counsel.
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.getByRole('button', { name: 'Grant Bidder A access to 1 Finance' }).click();
    await page.getByLabel('Access level').selectOption('download');
    await page.getByRole('button', { name: 'Save grant' }).click();
    await page.getByRole('button', { name: "Revoke Bidder A's download grant on 1 Finance" }).waitFor();
    await page.getByRole('link', { name: 'NDAs' }).click();
    await page.getByRole('button', { name: 'Register NDA' }).click();
    await page.getByLabel('Signed PDF').setInputFiles({ name: 'NDA Alpha Capital.pdf', mimeType: 'application/pdf', buffer: await makePdf('Confidentiality agreement Alpha Capital') });
    await page.getByLabel('Counterparty').selectOption({ label: 'Alpha Capital (acquirer)' });
    await page.getByRole('dialog').getByRole('button', { name: 'Register NDA' }).click();
    await page.getByText('Awaiting counsel').waitFor();
    await signOut(page);

    // The buyer accepts; until counsel confirms, the room shows her only its gate.
    await (await acceptInvitation(page, people.buyer)).choosePassword();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('heading', { name: "Your organisation's confidentiality agreement has not been confirmed yet" }).waitFor();
    await signOut(page);

    // Counsel accepts and confirms: four eyes, not the manager who registered it.
    await (await acceptInvitation(page, people.counsel)).choosePassword();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('link', { name: 'NDAs' }).click();
    await page.getByRole('button', { name: 'Confirm the NDA of Alpha Capital' }).click();
    await page.getByText('NDA confirmed.').waitFor();
    await signOut(page);

    // The buyer's "access open" mail leads her, signed out, to sign in and straight into the room.
    const accessOpen = await mailTo(people.buyer.email, /^Access open/);
    expect(accessOpen.subject).toBe('Access open: Project Falcon');
    expect(accessOpen.text).not.toContain('Sale of Falcon'); // a bidder knows the deal by its code name only
    await page.goto(linkIn(accessOpen, '/rooms/'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(people.buyer.email);
    await page.getByLabel('Password').fill(people.buyer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Financial statements 2025', exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download Financial statements 2025' }).click()]);
    const saved = path.join(files, 'statements.pdf');
    await download.saveAs(saved);
    const text = pdfText(fs.readFileSync(saved));
    expect(text).toContain(people.buyer.email);
    expect(text).toContain('Project Falcon');
    await signOut(page);

    // The advisor's "access open" mail says to accept the invitation first; then its link opens the room.
    const advisorAccess = await mailTo(people.advisor.email, /^Access open/);
    await (await acceptInvitation(page, people.advisor)).choosePassword();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();
    await page.goto(linkIn(advisorAccess, '/rooms/'));
    await page.getByRole('link', { name: 'Download Financial statements 2025' }).waitFor();
    await signOut(page);
  }, 240_000);

  it('makes a person invited to a room that requires a second factor enrol before they enter', async () => {
    const { page } = w;
    await signIn(page, people.manager.email, people.manager.password);
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Require two-step verification for bidders in this room').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved. Bidders now need two-step verification in this room.').waitFor();
    // An allow-list entry that is no address is refused by its line; a good one is saved as the server normalises it.
    const allowlist = page.getByLabel('Allowed addresses for Bidder A');
    provoke(400, /\/ip-allowlist\)$/);
    await allowlist.fill('127.0.0.1\nnot-an-address');
    await page.getByRole('button', { name: 'Save allow-list of Bidder A' }).click();
    await page.getByRole('alert').filter({ hasText: '“not-an-address”' }).waitFor();
    await allowlist.fill('127.0.0.0/8');
    await page.getByRole('button', { name: 'Save allow-list of Bidder A' }).click();
    await page.getByText('Saved: Bidder A may connect from 1 range.').waitFor();
    await screenshot(page, 'room-settings');

    await page.getByRole('link', { name: 'Parties & team' }).click();
    await page.getByRole('button', { name: 'Invite people to Bidder A' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite people to Bidder A' });
    await invite.getByLabel('Email').fill(people.banker.email);
    await invite.getByLabel('Name').fill(people.banker.name);
    await invite.getByLabel('Organisation').selectOption({ label: 'Lex & Co (advisor)' });
    await invite.getByRole('button', { name: 'Send invitation' }).click();
    await invite.getByText(/^Invitation mailed to Bea Banker/).waitFor();
    await invite.getByRole('button', { name: 'Done' }).click();
    await signOut(page);

    await (await acceptInvitation(page, people.banker)).choosePassword();
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    await page.getByRole('button', { name: 'Set up two-step verification' }).click();
    const secret = (await page.getByLabel('Setup key').innerText()).replace(/\s+/g, '');
    const first = await nextCode(secret, Math.floor(Date.now() / TOTP_PERIOD_MS) - 1);
    await page.getByLabel('One-time code').fill(first.code);
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('list', { name: 'Recovery codes' }).waitFor();
    await screenshot(page, 'invitation-second-factor');
    // The code that turned it on counts once: signing in takes the next one.
    await page.getByLabel('One-time code').fill((await nextCode(secret, first.step)).code);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();
    await page.getByRole('link', { name: 'Sale of Falcon' }).click();
    await page.getByRole('link', { name: 'Download Financial statements 2025' }).waitFor();
    await signOut(page);
  }, 120_000);

  it('resets a forgotten password from the mailed link, and signs every other session out', async () => {
    const { page } = w;
    // A session of counsel's elsewhere (kept aside as its cookie), which the reset must end.
    await signIn(page, people.counsel.email, people.counsel.password);
    // Once the room list is in, no answer is on its way that could set the cookie again after it is cleared.
    await page.getByRole('link', { name: 'Sale of Falcon' }).waitFor();
    const elsewhere = await page.context().cookies();
    await page.context().clearCookies();
    await page.goto('/');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(people.counsel.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('If an account exists for that address, a link to set a new password is on its way.').waitFor();

    const link = linkIn(await mailTo(people.counsel.email, /^Reset your Gatehouse password/), '/reset-password');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').filter({ hasText: 'New password: at least 12 characters' }).waitFor();
    await page.getByLabel('New password').fill('carl has a brand new passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('Your password was changed and every other session of your account was signed out.').waitFor();
    await page.context().addCookies(elsewhere);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(people.counsel.email);
    await page.getByLabel('Password').fill('carl has a brand new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Data rooms' }).waitFor();

    // How counsel hears of new documents: kept by the server, as the page shows after a reload.
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Daily digest').check();
    await page.getByRole('button', { name: 'Save notification setting' }).click();
    await page.getByText('Saved. New documents: daily digest.').waitFor();
    await screenshot(page, 'account');
    await page.reload();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    expect(await page.getByLabel('Daily digest').isChecked()).toBe(true);

    // The link worked once.
    provoke(400, /\/api\/auth\/password\/reset\)$/);
    await page.goto(link);
    await page.getByLabel('New password').fill('yet another long passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').filter({ hasText: 'This link to reset your password is no longer valid' }).waitFor();
  }, 60_000);
});
