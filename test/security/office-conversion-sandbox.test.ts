import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, type Deal } from '../support/world.js';
import { binary } from '../support/binary.js';
import { odtWithLinks, solidPng } from '../support/odf-document.js';
import { convertToPdf } from '../../server/pdf-intake/office-conversion.js';
import { probeOfficeSandbox, sandboxedCommand } from '../../server/pdf-intake/office-sandbox.js';
import { MINIMAL_ENV } from '../../server/pdf-intake/bounded-process.js';

// database-independent: left out of `npm run test:postgres` (package.json), since what this checks —
// LibreOffice's sandbox, a child process that never sees the database — is the same on either database; the API suites run there.

/**
 * LibreOffice converts untrusted documents (issue 15, "Sandboxing"). A document can link a file of
 * the server's disk (DATA_DIR/session-secret signs every session cookie) or a remote image (a
 * request from inside the network, and a beacon that the document was opened). Converted at upload,
 * the PDF holds neither, and no request leaves. The control case converts the same document outside
 * the sandbox and sees both happen, so the first test can fail.
 */
let t: TestApp;
let deal: Deal;
let beacon: http.Server;
let beaconPort: number;
const requests: string[] = [];
let document: Buffer;
let secret: string;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-sandbox-test-'));

/** A picture in DATA_DIR, 7 × 5 pixels: no other image in these PDFs has that size. */
const LOCAL_IMAGE = { width: 7, height: 5 };
/** The beacon's picture, 11 × 13 pixels. */
const REMOTE_IMAGE = { width: 11, height: 13 };

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  // The app made its cookie-signing key in DATA_DIR (no SESSION_SECRET given).
  secret = fs.readFileSync(path.join(t.dataDir, 'session-secret'), 'utf8').trim();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  fs.writeFileSync(path.join(t.dataDir, 'scan-of-passport.png'), solidPng(LOCAL_IMAGE.width, LOCAL_IMAGE.height));
  beacon = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(solidPng(REMOTE_IMAGE.width, REMOTE_IMAGE.height));
  });
  await new Promise<void>((resolve) => beacon.listen(0, '127.0.0.1', resolve));
  beaconPort = (beacon.address() as AddressInfo).port;
  document = odtWithLinks({
    paragraphs: ['Memo of Project Falcon: visible text.'],
    linkedSections: [`file://${t.dataDir}/session-secret`],
    linkedImages: [`file://${t.dataDir}/scan-of-passport.png`, `file://${t.dataDir}/session-secret`, `http://127.0.0.1:${beaconPort}/pixel.png`],
  });
}, 60_000);
afterAll(async () => {
  await new Promise((resolve) => beacon?.close(resolve));
  await t?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The sizes of the images a PDF holds, as "w×h". */
function imageSizes(pdf: Buffer): string[] {
  const file = path.join(scratch, `images-${Date.now()}.pdf`);
  fs.writeFileSync(file, pdf);
  const list = execFileSync('pdfimages', ['-list', file], { encoding: 'utf8' });
  return list
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => {
      const cols = l.trim().split(/\s+/);
      return `${cols[3]}×${cols[4]}`;
    });
}
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-', '-'], { input: pdf, encoding: 'utf8' });

it('runs conversions in a bwrap sandbox on this machine', async () => {
  expect(await probeOfficeSandbox()).toMatchObject({ available: true });
});

it('converts an uploaded document that links DATA_DIR/session-secret and a remote image into a PDF with neither, making no request', async () => {
  const up = await deal.manager.upload(`${deal.roomPath}/documents`, { data: document, name: 'memo.odt' }, {
    folderId: deal.folders.finance.id,
    entityId: deal.entities.gmbh.id,
    classification: 'standard',
    personalData: 'none',
  });
  expect(up.status).toBe(201);
  expect(up.body.mimeType).toBe('application/vnd.oasis.opendocument.text');
  const rendition = await t.db('stampRenditions').where({ versionId: up.body.versionId }).first();
  expect(rendition).toMatchObject({ status: 'ready', source: 'converted' });

  const delivered = await deal.manager.get(`/api/documents/${up.body.id}/content`).buffer(true).parse(binary);
  expect(delivered.status).toBe(200);
  const pdf = delivered.body as Buffer;
  const text = pdfText(pdf);
  expect(text).toContain('Memo of Project Falcon: visible text.');
  expect(text).not.toContain(secret);
  expect(pdf.toString('latin1')).not.toContain(secret);
  const sizes = imageSizes(pdf);
  expect(sizes).not.toContain(`${LOCAL_IMAGE.width}×${LOCAL_IMAGE.height}`);
  expect(sizes).not.toContain(`${REMOTE_IMAGE.width}×${REMOTE_IMAGE.height}`);
  expect(requests).toEqual([]);
}, 180_000);

it('(control) the same document converted without the sandbox does embed the local picture and call the remote server', async () => {
  const dir = fs.mkdtempSync(path.join(scratch, 'unsandboxed-'));
  const input = path.join(dir, 'memo.odt');
  fs.writeFileSync(input, document);
  const before = requests.length;
  const converted = await convertToPdf(input, dir, { sandbox: 'off' });
  const sizes = imageSizes(fs.readFileSync(converted));
  expect(sizes).toContain(`${LOCAL_IMAGE.width}×${LOCAL_IMAGE.height}`);
  expect(requests.length).toBeGreaterThan(before);
}, 180_000);

it('shows the converter nothing of the server: an environment of PATH, HOME and LANG, no DATA_DIR, no network', async () => {
  const sandbox = await probeOfficeSandbox();
  if (!sandbox.available) throw new Error(`no sandbox: ${sandbox.reason}`);
  const work = fs.mkdtempSync(path.join(scratch, 'work-'));
  fs.writeFileSync(path.join(work, 'own-file.txt'), 'mine');
  const inSandbox = (script: string) => {
    const { file, args } = sandboxedCommand(sandbox.bwrap, work, '/bin/sh', ['-c', script]);
    const r = spawnSync(file, args, { env: { ...process.env, GATEHOUSE_SERVER_SECRET: 'not for converters' }, encoding: 'utf8' });
    return { status: r.status, out: r.stdout.trim() };
  };
  expect(inSandbox('env').out.split('\n').map((l) => l.split('=')[0]).sort()).toEqual(Object.keys(MINIMAL_ENV(work)).sort().concat('PWD').sort());
  expect(inSandbox('cat own-file.txt')).toEqual({ status: 0, out: 'mine' });
  expect(inSandbox(`cat ${t.dataDir}/session-secret`).status).not.toBe(0);
  expect(inSandbox(`ls ${path.dirname(t.dataDir)}`).out).not.toContain(path.basename(t.dataDir));
  const etc = inSandbox('ls /etc').out.split('\n');
  for (const file of ['passwd', 'shadow', 'hostname', 'hosts']) expect(etc).not.toContain(file);
  const before = requests.length;
  const connect = inSandbox(`perl -MIO::Socket::INET -e 'IO::Socket::INET->new(PeerAddr => "127.0.0.1:${beaconPort}", Timeout => 3) or exit 7; exit 0'`);
  expect(connect.status).toBe(7);
  expect(requests.length).toBe(before);
});

describe('a conversion that outruns the intake budget', () => {
  let quick: TestApp;
  let quickDeal: Deal;
  beforeAll(async () => {
    quick = await startTestApp({ INTAKE_TIMEOUT_SECONDS: '1' });
    quickDeal = await buildDeal(quick);
  }, 60_000);
  afterAll(() => quick?.close());

  /** LibreOffice and bwrap processes this test process started that still run (zombies aside). */
  const converters = () => {
    const r = spawnSync('ps', ['-eo', 'ppid=,stat=,args='], { encoding: 'utf8' });
    return r.stdout
      .split('\n')
      .filter((l) => /soffice|oosplash|bwrap/.test(l) && !/ Z/.test(l) && l.includes('gatehouse-intake-'));
  };

  it('is stopped at the budget: the document is kept, unstampable with the reason, and no LibreOffice process stays', async () => {
    const up = await quickDeal.manager.upload(`${quickDeal.roomPath}/documents`, { data: Buffer.from('Minutes of the board.\n'.repeat(200)), name: 'minutes.txt' }, {
      folderId: quickDeal.folders.finance.id,
      entityId: quickDeal.entities.gmbh.id,
      classification: 'standard',
      personalData: 'none',
    });
    expect(up.status).toBe(201);
    // Stopped by the budget, not finished late: the intake says so in the reason it keeps.
    const rendition = await quick.db('stampRenditions').where({ versionId: up.body.versionId }).first();
    expect(rendition).toMatchObject({ status: 'unstampable', reason: 'not_converted' });
    expect(rendition.message).toMatch(/longer than the time allowed/);
    let left = converters();
    for (let i = 0; i < 30 && left.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = converters();
    }
    expect(left).toEqual([]);
    const content = await quickDeal.manager.get(`/api/documents/${up.body.id}/content`);
    expect(content.status).toBe(422);
  }, 60_000);
});
