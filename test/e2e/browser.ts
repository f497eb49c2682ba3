import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('docs/screenshots');
/** `npm run screenshots` sets this: the journeys then refresh the README's pictures. */
export const TAKE_SCREENSHOTS = process.env.E2E_SCREENSHOTS === '1';

export interface E2eWorld {
  t: TestApp;
  server: Server;
  baseUrl: string;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far, for the "no console errors" bar. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** A port nothing listens on right now, so the server's PUBLIC_URL can name it before it starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface E2eOptions {
  /** More configuration, e.g. SMTP_URL of a test's mail server. */
  env?: Record<string, string>;
  /** Run the outbox's worker, as a real process does, so mail leaves while the journey runs. */
  mailWorker?: boolean;
}

/**
 * A real Gatehouse on 127.0.0.1 (fresh DATA_DIR and database) and Debian's Chromium, headless, on a
 * fresh profile. The client must have been built (`npm run build:client`; `npm run test:e2e` does it).
 * PUBLIC_URL is the server's own address, so links in its mails lead back to it.
 */
export async function startE2e(options: E2eOptions = {}): Promise<E2eWorld> {
  if (!fs.existsSync('client/dist/index.html')) throw new Error('client/dist is missing: run `npm run build:client` first');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ PUBLIC_URL: baseUrl, ...options.env }, { mailWorker: options.mailWorker });
  const server = await new Promise<Server>((resolve) => {
    const s = t.app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    baseURL: baseUrl,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  const onConsole = (msg: ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    // The session probe on first load answers 401 when nobody is signed in: that is the answer, not a fault.
    if (msg.location().url.endsWith('/api/me') && /401/.test(msg.text())) return;
    consoleErrors.push(`${msg.text()} (${msg.location().url})`);
  };
  page.on('console', onConsole);
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  return {
    t,
    server,
    baseUrl,
    context,
    page,
    consoleErrors,
    close: async () => {
      await context.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, email: string, password: string) {
  // Each journey starts signed out, whatever the one before it left behind.
  await page.context().clearCookies();
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Data rooms' }).waitFor();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

export async function screenshot(page: Page, name: string) {
  if (!TAKE_SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let fonts and layout settle; no animation is in flight in these views.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}
