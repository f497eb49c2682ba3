import fs from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { ADMIN, Client } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { certificateSignatureValid } from '../../server/purge/deletion-certificate.js';
import { screenshot, signIn, startE2e, type E2eWorld } from './browser.js';

let w: E2eWorld;
let deal: Deal;

beforeAll(async () => {
  w = await startE2e();
  deal = await buildDeal(w.t);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('retention and purge in Chromium', () => {
  it('lets an administrator keep a closed room for a set time, then purge its files only after typing its name, and hands out the signed certificate', async () => {
    const { page } = w;
    const admin = await Client.login(w.t.app, ADMIN.email, ADMIN.password);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto(`/rooms/${deal.room.id}`);
    await page.getByRole('link', { name: 'Settings' }).click();

    // Retention on a room still open: saved, and the API holds it.
    await page.getByLabel('Days kept after closing').fill('30');
    await page.getByRole('region', { name: 'Retention' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The files are purged 30 days after the room closes').waitFor();
    expect((await admin.get(deal.roomPath)).body.retainDays).toBe(30);
    // An open room cannot be purged: the page says so and offers no button.
    await page.getByText("A room's files can be purged once the room is closed.").waitFor();
    expect(await page.getByRole('button', { name: 'Purge files…' }).count()).toBe(0);

    expect((await admin.post(`${deal.roomPath}/close`)).status).toBe(200);
    const roomName: string = (await admin.get(deal.roomPath)).body.name;
    await page.reload();
    await page.getByRole('button', { name: 'Purge files…' }).click();
    const dialog = page.getByRole('dialog');
    const purge = dialog.getByRole('button', { name: 'Purge files for good' });
    // Nothing is purged by a name almost typed.
    await dialog.getByLabel('Room name').fill(roomName.slice(0, -1));
    expect(await purge.isDisabled()).toBe(true);
    await dialog.getByLabel('Room name').fill(roomName);
    expect(await purge.isDisabled()).toBe(false);
    await screenshot(page, 'room-purge-confirmation');
    await purge.click();
    await page.getByText(/^Purged on /).waitFor();
    expect(await page.getByRole('region', { name: 'Retention' }).count()).toBe(0);

    // The files are gone for staff too, and the certificate offered is the signed one.
    expect((await admin.get(`/api/documents/${deal.docs.finance.id}/content`)).status).toBe(410);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the certificate' }).click()]);
    const { certificate, publicKey } = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    expect(certificate.roomId).toBe(deal.room.id);
    expect(certificate.counts.deleted).toBeGreaterThan(0);
    expect(certificateSignatureValid(createPublicKey(publicKey), certificate)).toBe(true);
    expect(certificateSignatureValid(createPublicKey(publicKey), { ...certificate, roomName: `${certificate.roomName}.` })).toBe(false);
    expect(w.consoleErrors).toEqual([]);
  });
});
