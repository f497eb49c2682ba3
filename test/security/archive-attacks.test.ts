import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { binary } from '../support/binary.js';
import { makePdf } from '../support/fixtures.js';
import { buildQuestionDeal, type QuestionDeal } from '../support/question-deal.js';
import { archiveWhenBuilt, flipByte, runVerify, unzipToFolder } from '../support/archive-files.js';
import { readZip } from '../support/zip-files.js';
import { archiveBuilderOf } from '../../server/archives/archive-builder.js';
import { MANIFEST_SIGNATURE_PREFIX } from '../../server/archives/verify.mjs';

let t: TestApp;
let deal: QuestionDeal;
let archiveId: string;
let dir: string;
let zip: Buffer;
let keyId: string;

const archives = () => `${deal.roomPath}/archives`;
const copyOf = (from: string) => {
  const to = fs.mkdtempSync(path.join(path.dirname(from), 'copy-'));
  fs.cpSync(from, to, { recursive: true });
  return to;
};

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildQuestionDeal(t);
  // Titles an attacker (or a careless deal team) would type: they must never become paths.
  for (const title of ['../../../etc/passwd', '/absolute/path', 'C:\\Windows\\win.ini', 'same name', 'SAME NAME', 'evil\u202Efdp.exe', 'a'.repeat(400), 'CON', 'trailing dots...', 'tab\tand\nnewline']) {
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: await makePdf('hostile title'), name: 'x.pdf' }, {
      folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id, classification: 'standard', personalData: 'none', title,
    });
    if (res.status !== 201) throw new Error(`${JSON.stringify(title)}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const res = await deal.counsel.post(archives(), {});
  expect(res.status).toBe(202);
  archiveId = res.body.id;
  const ready = await archiveWhenBuilt(t, deal.counsel, deal.roomPath, archiveId);
  keyId = ready.keyId;
  zip = (await deal.counsel.get(`${archives()}/${archiveId}/content`).buffer(true).parse(binary)).body;
  dir = await unzipToFolder(zip);
}, 120_000);

afterAll(async () => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await archiveBuilderOf({ db: t.db, store: t.store, config: t.config }).stop();
  await t.close();
});

describe('who may reach archives', () => {
  it('answers external members and experts exactly as for a room that does not exist, on every archive route', async () => {
    const missingRoom = `/api/rooms/${randomUUID()}/archives`;
    for (const caller of [deal.buyerA, deal.advisorA, deal.buyerB, deal.expert]) {
      const routes: Array<[string, () => Promise<{ status: number; body: unknown }>, () => Promise<{ status: number; body: unknown }>]> = [
        ['POST', () => caller.post(archives(), {}), () => caller.post(missingRoom, {})],
        ['list', () => caller.get(archives()), () => caller.get(missingRoom)],
        ['read', () => caller.get(`${archives()}/${archiveId}`), () => caller.get(`${missingRoom}/${archiveId}`)],
        ['content', () => caller.get(`${archives()}/${archiveId}/content`), () => caller.get(`${missingRoom}/${archiveId}/content`)],
      ];
      for (const [name, real, missing] of routes) {
        const [a, b] = [await real(), await missing()];
        expect([name, a.status]).toEqual([name, 404]);
        expect(a.body).toEqual(b.body);
      }
    }
    expect((await t.db('archives').count({ n: '*' }).first())!.n).toEqual(expect.anything());
    expect(Number((await t.db('archives').count({ n: '*' }).first())!.n)).toBe(1);
  });

  it("answers 404 for an archive id of another room, even to that room's own counsel asking under this one", async () => {
    const other = await deal.manager.post('/api/rooms', { name: 'Other deal', entityIds: [deal.entities.gmbh.id] });
    const started = await deal.manager.post(`/api/rooms/${other.body.id}/archives`, {});
    expect(started.status).toBe(202);
    await archiveWhenBuilt(t, deal.manager, `/api/rooms/${other.body.id}`, started.body.id);
    for (const suffix of ['', '/content']) {
      expect((await deal.manager.get(`${archives()}/${started.body.id}${suffix}`)).status).toBe(404);
      expect((await deal.manager.get(`/api/rooms/${other.body.id}/archives/${archiveId}${suffix}`)).status).toBe(404);
    }
    // Counsel of this room only: the other room is not theirs at all.
    expect((await deal.counsel.get(`/api/rooms/${other.body.id}/archives/${started.body.id}`)).status).toBe(404);
  });

  it('records refused attempts in the ledger', async () => {
    await deal.buyerA.get(`${archives()}/${archiveId}/content`);
    const audit = await deal.counsel.get(`${deal.roomPath}/audit?limit=1000`);
    expect(audit.body.items.some((e: { action: string; decision: string; actorId: string }) => e.action === 'archive.download' && e.decision === 'deny' && e.actorId === deal.users.buyerA.id)).toBe(true);
  });
});

describe('the ZIP as hostile input to whoever unpacks it', () => {
  it('names every entry safely: no absolute path, no dot segment, no control or bidi character, no duplicate, no over-long segment', async () => {
    const names = (await readZip(zip)).map((e) => e.name);
    const lower = new Set<string>();
    for (const name of names) {
      expect(name.startsWith('/')).toBe(false);
      expect(/^[A-Za-z]:/.test(name)).toBe(false);
      expect(name.includes('\\')).toBe(false);
      expect(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(name)).toBe(false);
      for (const segment of name.split('/')) {
        expect(['', '.', '..']).not.toContain(segment);
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
        expect(/[<>:"|?*]/.test(segment)).toBe(false);
      }
      expect(lower.has(name.toLowerCase())).toBe(false);
      lower.add(name.toLowerCase());
    }
    expect(names.filter((n) => n.startsWith('documents/'))).toHaveLength(13);
  });
});

describe('verify.mjs against a doctored archive', () => {
  it('exits 0 on the archive as built', async () => {
    expect((await runVerify(dir)).code).toBe(0);
  });

  it('names a file added after sealing', async () => {
    const copy = copyOf(dir);
    fs.writeFileSync(path.join(copy, 'documents', 'planted.pdf'), 'planted');
    const run = await runVerify(copy);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('documents/planted.pdf: not listed in the manifest');
  });

  it('names a file removed', async () => {
    const copy = copyOf(dir);
    const victim = fs.readdirSync(path.join(copy, 'documents'))[0]!;
    fs.rmSync(path.join(copy, 'documents', victim));
    const run = await runVerify(copy);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`documents/${victim}: missing`);
  });

  it('refuses a manifest edited to reach outside the folder, and its broken signature', async () => {
    const copy = copyOf(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
    manifest.files.push({ path: '../../etc/passwd', size: 1, sha256: '0'.repeat(64) }, { path: '/etc/hostname', size: 1, sha256: '0'.repeat(64) });
    fs.writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
    const run = await runVerify(copy);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('refuses the path "../../etc/passwd"');
    expect(run.output).toContain('refuses the path "/etc/hostname"');
    expect(run.output).toContain('manifest.sig: not a valid signature');
  });

  it('names the cut when the ledger lost its last line (the seal), or a line in the middle', async () => {
    const cut = copyOf(dir);
    const ledger = fs.readFileSync(path.join(cut, 'ledger.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(cut, 'ledger.jsonl'), `${ledger.slice(0, -1).join('\n')}\n`);
    const run = await runVerify(cut);
    expect(run.code).not.toBe(0);
    expect(run.output).toContain("its last line is not the archive's seal");
    const middle = copyOf(dir);
    fs.writeFileSync(path.join(middle, 'ledger.jsonl'), `${[...ledger.slice(0, 3), ...ledger.slice(4)].join('\n')}\n`);
    const run2 = await runVerify(middle);
    expect(run2.code).not.toBe(0);
    expect(run2.output).toContain('ledger.jsonl');
  });

  it('exposes a forger who re-signed with a key of their own: the key id it prints is not the server\'s', async () => {
    const copy = copyOf(dir);
    const file = fs.readdirSync(path.join(copy, 'documents'))[0]!;
    flipByte(path.join(copy, 'documents', file), 100);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
    const { createHash } = await import('node:crypto');
    const entry = manifest.files.find((f: { path: string }) => f.path === `documents/${file}`);
    entry.sha256 = createHash('sha256').update(fs.readFileSync(path.join(copy, 'documents', file))).digest('hex');
    fs.writeFileSync(path.join(copy, 'ledger-public-key.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
    manifest.keyId = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
    manifest.files.find((f: { path: string }) => f.path === 'ledger-public-key.pem').sha256 = createHash('sha256').update(fs.readFileSync(path.join(copy, 'ledger-public-key.pem'))).digest('hex');
    manifest.files.find((f: { path: string }) => f.path === 'ledger-public-key.pem').size = fs.statSync(path.join(copy, 'ledger-public-key.pem')).size;
    const bytes = Buffer.from(JSON.stringify(manifest));
    fs.writeFileSync(path.join(copy, 'manifest.json'), bytes);
    fs.writeFileSync(path.join(copy, 'manifest.sig'), sign(null, Buffer.concat([Buffer.from(MANIFEST_SIGNATURE_PREFIX), bytes]), privateKey).toString('base64'));
    const run = await runVerify(copy);
    // The server's checkpoints are signed with the real key: they no longer verify, and the key id differs.
    expect(run.code).not.toBe(0);
    expect(run.output).not.toContain(keyId);
    expect(run.output).toContain('checkpoints.json');
  });
});

describe('bad requests', () => {
  it('refuses malformed bodies with 400 naming the field, and leaves nothing behind', async () => {
    const before = Number((await t.db('archives').count({ n: '*' }).first())!.n);
    for (const body of [{ partyId: 42 }, { partyId: '' }, { partyId: 'x'.repeat(65) }, { partyId: null }, { extra: true }]) {
      const res = await deal.counsel.post(archives(), body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.error.details).length).toBeGreaterThan(0);
    }
    const party = await deal.counsel.post(archives(), { partyId: deal.parties.B.id.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
    expect(party.status).toBe(400);
    expect(party.body.error.details).toHaveProperty('partyId');
    expect(Number((await t.db('archives').count({ n: '*' }).first())!.n)).toBe(before);
  });

  it('answers 409 for the content of an archive still building, and 404 for a made-up archive id', async () => {
    const res = await deal.counsel.post(archives(), { partyId: deal.parties.B.id });
    const early = await deal.counsel.get(`${archives()}/${res.body.id}/content`);
    expect([409, 200]).toContain(early.status);
    if (early.status === 409) expect(early.body.error.code).toBe('invalid_state');
    await archiveWhenBuilt(t, deal.counsel, deal.roomPath, res.body.id);
    expect((await deal.counsel.get(`${archives()}/${randomUUID()}`)).status).toBe(404);
    expect((await deal.counsel.get(`${archives()}/${'../'.repeat(3)}`)).status).toBe(404);
  });
});
