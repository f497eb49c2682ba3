import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { jest } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { buildQuestionDeal, type QuestionDeal } from '../support/question-deal.js';
import { archiveWhenBuilt, flipByte, runVerify, unzipToFolder } from '../support/archive-files.js';
import { archiveBuilderOf } from '../../server/archives/archive-builder.js';

let t: TestApp;
let deal: QuestionDeal;
const folders: string[] = [];
afterEach(async () => {
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  // A build still running (a test that did not wait for it) ends before its database does.
  await archiveBuilderOf({ db: t.db, store: t.store, config: t.config }).stop();
  await t.close();
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const archives = () => `${deal.roomPath}/archives`;

async function start(body: object = {}, client = deal.counsel) {
  const res = await client.post(archives(), body);
  expect(res.status).toBe(202);
  return res.body as { id: string; status: string; created: boolean };
}

async function download(id: string, client = deal.counsel) {
  const res = await client.get(`${archives()}/${id}/content`).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  return res.body as Buffer;
}

async function unpacked(id: string) {
  const dir = await unzipToFolder(await download(id));
  folders.push(dir);
  return dir;
}

const ledgerLines = (dir: string) =>
  fs.readFileSync(path.join(dir, 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
const indexRows = (dir: string) => parse(fs.readFileSync(path.join(dir, 'index.csv')), { columns: true }) as Array<Record<string, string>>;

describe('whole-room archives', () => {
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildQuestionDeal(t);
  });

  it('builds in the background and answers 202 building, then ready with its size and SHA-256', async () => {
    const started = await start();
    expect(started).toMatchObject({ status: 'building', created: true });
    const ready = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, started.id);
    expect(ready).toMatchObject({ id: started.id, status: 'ready', partyId: null, documents: 3 });
    expect(ready.progress.done).toBe(ready.progress.total);
    const zip = await download(started.id);
    expect(zip.length).toBe(ready.size);
    expect(sha256(zip)).toBe(ready.sha256);
    const list = await deal.manager.get(archives());
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([started.id]);
  });

  it('unzips into a folder whose verify.mjs exits 0 with Node alone, from inside it or given the folder', async () => {
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);
    const run = await runVerify(dir);
    expect(run.output).toContain('OK:');
    expect(run.code).toBe(0);
    const { keyId } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(run.output).toContain(keyId);
    expect((await runVerify(dir, [dir])).code).toBe(0);
  });

  it('holds the index, every version of every document, the NDAs, the Q&A and the room ledger sealed by a signed checkpoint', async () => {
    await deal.ask(deal.buyerA, { subject: '=HYPERLINK("http://evil")' });
    const v2 = await deal.manager.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: await makePdf('finance v2'), name: 'finance.pdf' });
    expect(v2.status).toBe(201);
    await deal.manager.patch(`/api/documents/${deal.docs.legal.id}`, { title: '=cmd|calc!A1' }).expect(200);
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);

    const rows = indexRows(dir);
    expect(rows.map((r) => [r.documentId, r.version])).toEqual(
      expect.arrayContaining([[deal.docs.finance.id, '1'], [deal.docs.finance.id, '2'], [deal.docs.payroll.id, '1'], [deal.docs.legal.id, '1']]),
    );
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.file.startsWith('documents/')).toBe(true);
      expect(sha256(fs.readFileSync(path.join(dir, r.file)))).toBe(r.sha256);
    }
    // A title typed as a formula stays text in a spreadsheet.
    expect(rows.find((r) => r.documentId === deal.docs.legal.id)!.title).toBe("'=cmd|calc!A1");
    expect(rows.find((r) => r.documentId === deal.docs.finance.id && r.version === '2')!.sha256).toBe(v2.body.sha256);

    const ndas = JSON.parse(fs.readFileSync(path.join(dir, 'ndas.json'), 'utf8'));
    expect(ndas.map((n: { orgId: string }) => n.orgId).sort()).toEqual([deal.orgs.alpha.id, deal.orgs.beta.id].sort());
    for (const n of ndas) expect(sha256(fs.readFileSync(path.join(dir, n.file)))).toBe(n.sha256);
    const questions = JSON.parse(fs.readFileSync(path.join(dir, 'questions.json'), 'utf8'));
    expect(questions.map((q: { subject: string }) => q.subject)).toEqual(['=HYPERLINK("http://evil")']);

    const ledger = ledgerLines(dir);
    expect(ledger.every((e) => e.roomId === deal.room.id)).toBe(true);
    expect(ledger.at(-1)).toMatchObject({ action: 'archive.sealed', subjectId: id });
    expect(ledger.map((e) => e.action)).toEqual(expect.arrayContaining(['nda.confirm', 'question.ask', 'archive.start']));
    const checkpoints = JSON.parse(fs.readFileSync(path.join(dir, 'checkpoints.json'), 'utf8'));
    expect(checkpoints.at(-1)).toMatchObject({ seq: ledger.at(-1)!.seq, headHash: ledger.at(-1)!.hash });
    for (const name of ['README.txt', 'verify.mjs', 'ledger-public-key.pem', 'manifest.json', 'manifest.sig']) expect(fs.existsSync(path.join(dir, name))).toBe(true);
  });

  it('names the document when one byte of it was flipped, and exits non-zero', async () => {
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);
    const file = indexRows(dir).find((r) => r.documentId === deal.docs.payroll.id)!.file;
    flipByte(path.join(dir, file), 200);
    const run = await runVerify(dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`${file}: SHA-256`);
  });

  it('names the ledger line (and its seq) when one byte of it was flipped', async () => {
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);
    const ledgerFile = path.join(dir, 'ledger.jsonl');
    const text = fs.readFileSync(ledgerFile, 'utf8');
    const lines = text.split('\n');
    const n = Math.floor(lines.length / 2);
    const target = JSON.parse(lines[n - 1]!);
    // Inside the action's name: the line stays JSON, its content differs by one byte.
    const offset = Buffer.byteLength(lines.slice(0, n - 1).join('\n')) + (n > 1 ? 1 : 0) + lines[n - 1]!.indexOf('"action":"') + 11;
    flipByte(ledgerFile, offset);
    const run = await runVerify(dir);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`ledger.jsonl line ${n} (seq ${target.seq})`);
  });

  it('archives an empty room as a valid archive with an empty index', async () => {
    const room = await deal.manager.post('/api/rooms', { name: 'Empty', entityIds: [deal.entities.gmbh.id] });
    expect(room.status).toBe(201);
    const res = await deal.manager.post(`/api/rooms/${room.body.id}/archives`, {});
    expect(res.status).toBe(202);
    const ready = await archiveWhenBuilt(t, deal.manager, `/api/rooms/${room.body.id}`, res.body.id);
    expect(ready).toMatchObject({ status: 'ready', documents: 0 });
    const zip = await deal.manager.get(`/api/rooms/${room.body.id}/archives/${res.body.id}/content`).buffer(true).parse(binary);
    const dir = await unzipToFolder(zip.body);
    folders.push(dir);
    expect(indexRows(dir)).toEqual([]);
    expect((await runVerify(dir)).code).toBe(0);
  });

  it('gives two requests at once one archive while it builds, and a new one once it is ready', async () => {
    const [a, b] = await Promise.all([deal.counsel.post(archives(), {}), deal.manager.post(archives(), {})]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).toBe(b.body.id);
    expect([a.body.created, b.body.created].sort()).toEqual([false, true]);
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, a.body.id);
    const again = await start();
    expect(again.id).not.toBe(a.body.id);
    // A party archive is another scope: it never joins the room's.
    const party = await start({ partyId: deal.parties.A.id });
    expect(party.id).not.toBe(again.id);
  });

  it('serves byte ranges: 206 with Content-Range, 416 past the end, the whole file when If-Range names another archive', async () => {
    const { id } = await start();
    const ready = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const whole = await download(id);
    const part = await deal.counsel.get(`${archives()}/${id}/content`).set('Range', 'bytes=10-109').buffer(true).parse(binary);
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-109/${ready.size}`);
    expect(Buffer.compare(part.body, whole.subarray(10, 110))).toBe(0);
    const tail = await deal.counsel.get(`${archives()}/${id}/content`).set('Range', 'bytes=-50').buffer(true).parse(binary);
    expect(Buffer.compare(tail.body, whole.subarray(whole.length - 50))).toBe(0);
    const past = await deal.counsel.get(`${archives()}/${id}/content`).set('Range', `bytes=${ready.size}-`);
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${ready.size}`);
    const resumedElsewhere = await deal.counsel.get(`${archives()}/${id}/content`).set('Range', 'bytes=0-9').set('If-Range', '"another"').buffer(true).parse(binary);
    expect(resumedElsewhere.status).toBe(200);
    expect(resumedElsewhere.body.length).toBe(ready.size);
    const resumed = await deal.counsel.get(`${archives()}/${id}/content`).set('Range', 'bytes=0-9').set('If-Range', `"${ready.sha256}"`).buffer(true).parse(binary);
    expect(resumed.status).toBe(206);
    expect(part.headers['cache-control']).toBe('no-store');
    expect(part.headers['x-content-type-options']).toBe('nosniff');
  });

  it('records the start, the seal, the completion and every download of an archive in the room ledger', async () => {
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    await download(id);
    await deal.counsel.get(`${archives()}/${id}/content`).set('Range', 'bytes=0-9');
    const audit = await deal.counsel.get(`${deal.roomPath}/audit?limit=500`);
    const events = (audit.body.items as Array<{ action: string; subjectId: string; details: any }>).filter((e) => e.subjectId === id);
    const actions = events.map((e) => e.action);
    for (const a of ['archive.start', 'archive.sealed', 'archive.ready']) expect(actions).toContain(a);
    expect(actions.filter((a) => a === 'archive.download')).toHaveLength(2);
    expect((await deal.admin.get('/api/audit/verify')).body.ok).toBe(true);
  });

  it('answers 400 naming partyId for a party of another room or a made-up one, and for unknown fields', async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.gmbh.id] });
    const otherParty = await deal.manager.post(`/api/rooms/${other.body.id}/parties`, { name: 'Elsewhere', acquirerOrgId: deal.orgs.alpha.id });
    expect(otherParty.status).toBe(201);
    for (const partyId of [otherParty.body.id, 'made-up-party']) {
      const res = await deal.counsel.post(archives(), { partyId });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toHaveProperty('partyId');
    }
    const unknown = await deal.counsel.post(archives(), { partyId: deal.parties.A.id, status: 'ready' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toHaveProperty('status');
    expect((await deal.counsel.get(archives())).body.items).toEqual([]);
  });

  it('retakes a job whose process died mid-build, and never shows a half archive', async () => {
    // A process took the job and died: its lease ran out, nothing is under the archive's key.
    const { id } = await start();
    await t.db('archives').where({ id }).update({ claimedBy: 'dead-process', claimedUntil: new Date(Date.now() - 1000).toISOString(), filesDone: 2 });
    const row = await t.db('archives').where({ id }).first();
    expect(await t.store.stat(row.objectKey)).toBeNull();
    expect((await deal.counsel.get(`${archives()}/${id}/content`)).status).toBe(409);
    const ready = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    expect(ready.status).toBe('ready');
    expect((await t.db('archives').where({ id }).first()).attempts).toBeGreaterThanOrEqual(1);
    expect((await runVerify(await unpacked(id))).code).toBe(0);
  });

  it('leaves nothing in the store when the store fails mid-build, and builds it on the next try', async () => {
    const { id } = await start();
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    // The store fails on the second document read of the next archive.
    const get = t.store.get.bind(t.store);
    let reads = 0;
    const spy = jest.spyOn(t.store, 'get').mockImplementation(async (key: string, range?: { start: number; end: number }) => {
      if (key.startsWith('versions/') && ++reads === 2) throw Object.assign(new Error('store unreachable'), { name: 'StorageUnavailableError' });
      return get(key, range);
    });
    const second = await start({ partyId: deal.parties.A.id });
    await archiveBuilderOf({ db: t.db, store: t.store, config: t.config }).runOnce();
    expect(reads).toBeGreaterThanOrEqual(2);
    spy.mockRestore();
    const row = await t.db('archives').where({ id: second.id }).first();
    expect(row.status).toBe('building');
    expect(await t.store.stat(row.objectKey)).toBeNull();
    await t.db('archives').where({ id: second.id }).update({ claimedUntil: new Date(Date.now() - 1000).toISOString() });
    expect((await archiveWhenBuilt(t, deal.counsel, deal.roomPath, second.id)).status).toBe('ready');
    expect((await deal.counsel.get(`${archives()}/${id}`)).body.status).toBe('ready');
  });
  it('keeps no archive of a room whose purge began while it was built', async () => {
    const get = t.store.get.bind(t.store);
    const spy = jest.spyOn(t.store, 'get').mockImplementation(async (key: string, range?: { start: number; end: number }) => {
      // The purge starts while the archive reads the room's files.
      if (key.startsWith('versions/')) await t.db('rooms').where({ id: deal.room.id }).update({ purgeStartedAt: new Date().toISOString() });
      return get(key, range);
    });
    const { id } = await start();
    const done = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    spy.mockRestore();
    expect(done).toMatchObject({ status: 'failed' });
    expect(await t.store.stat((await t.db('archives').where({ id }).first()).objectKey)).toBeNull();
    const again = await deal.counsel.post(archives(), {});
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('purged');
  });
});

describe('party archives ("as disclosed")', () => {
  let onlyB: { id: string };
  beforeEach(async () => {
    t = await startTestApp();
    deal = await buildQuestionDeal(t);
    // B sees the whole room within its NDA (Falcon GmbH), a folder of its own included.
    const bFolder = await deal.manager.post(`${deal.roomPath}/folders`, { name: 'For B' });
    onlyB = (await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('B only'), name: 'b.pdf' }, { folderId: bFolder.body.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' })).body;
    await deal.grant({ partyId: deal.parties.B.id, folderId: null });
    await deal.ask(deal.buyerB, { subject: 'B asks in secret' });
  });

  it("holds exactly the documents the party's members can list, and nothing of another party", async () => {
    const listed = new Set<string>();
    for (const member of [deal.buyerA, deal.advisorA]) {
      const res = await member.get(`${deal.roomPath}/documents`);
      expect(res.status).toBe(200);
      for (const d of res.body.items) listed.add(d.id);
    }
    expect(listed.size).toBeGreaterThan(0);
    const { id } = await start({ partyId: deal.parties.A.id });
    const ready = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    expect(ready).toMatchObject({ status: 'ready', partyId: deal.parties.A.id, documents: listed.size });
    const dir = await unpacked(id);
    expect((await runVerify(dir)).code).toBe(0);
    expect(new Set(indexRows(dir).map((r) => r.documentId))).toEqual(listed);
    expect(indexRows(dir).map((r) => r.documentId)).not.toContain(onlyB.id);

    // Only the party's own NDAs (Alpha's; Lex is covered by it), its own questions, and no event of B.
    const ndas = JSON.parse(fs.readFileSync(path.join(dir, 'ndas.json'), 'utf8'));
    expect(ndas.map((n: { orgId: string }) => n.orgId)).toEqual([deal.orgs.alpha.id]);
    const everything = fs.readdirSync(dir, { recursive: true }).join('\n') + fs.readFileSync(path.join(dir, 'questions.json'), 'utf8') + fs.readFileSync(path.join(dir, 'ledger.jsonl'), 'utf8') + fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
    for (const secret of ['B asks in secret', deal.users.buyerB.id, deal.parties.B.id, deal.orgs.beta.id, onlyB.id, 'Beta Holdings', 'Bidder B']) expect(everything).not.toContain(secret);
    const ledger = ledgerLines(dir);
    expect(ledger.some((e) => e.actorId === deal.users.buyerA.id)).toBe(true);
    expect(ledger.at(-1)).toMatchObject({ action: 'archive.sealed', subjectId: id });
  });

  it('holds each document in the version last delivered to the party, with the delivery ids, else the current one', async () => {
    const view = await deal.buyerA.get(`/api/documents/${deal.docs.finance.id}/content?disposition=inline`);
    expect(view.status).toBe(200);
    const downloadId = view.headers['x-download-id'];
    const v1 = (await deal.manager.get(`/api/documents/${deal.docs.finance.id}/versions`)).body.items[0];
    expect((await deal.manager.upload(`/api/documents/${deal.docs.finance.id}/versions`, { data: await makePdf('finance v2'), name: 'finance.pdf' })).status).toBe(201);
    const { id } = await start({ partyId: deal.parties.A.id });
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);
    const finance = indexRows(dir).filter((r) => r.documentId === deal.docs.finance.id);
    expect(finance).toHaveLength(1);
    expect(finance[0]).toMatchObject({ version: '1', sha256: v1.sha256, downloadIds: downloadId, versions: '2' });
    const payroll = indexRows(dir).find((r) => r.documentId === deal.docs.payroll.id)!;
    expect(payroll).toMatchObject({ version: '1', downloadIds: '' });
    expect((await runVerify(dir)).code).toBe(0);
  });

  it('archives what the party could view when the room closed, in a closed room', async () => {
    const before = (await deal.buyerB.get(`${deal.roomPath}/documents`)).body.items.map((d: { id: string }) => d.id).sort();
    expect((await deal.manager.post(`${deal.roomPath}/close`)).status).toBe(200);
    const { id } = await start({ partyId: deal.parties.B.id });
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, id);
    const dir = await unpacked(id);
    expect([...new Set(indexRows(dir).map((r) => r.documentId))].sort()).toEqual(before);
    expect((await runVerify(dir)).code).toBe(0);
  });
});
