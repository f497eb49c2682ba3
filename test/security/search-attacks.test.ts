import { randomUUID } from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type request from 'supertest';
import { Client, startTestApp, type TestApp } from '../support/test-app.js';
import { buildDeal, PASSWORD, type Deal } from '../support/world.js';
import { streamBody, writePdf } from '../support/handmade-pdf.js';
import { pdfOfPages } from '../support/scanned-pdf.js';
import { afterResponseTasksSettled } from '../../server/service-context.js';
import { MAX_QUERY_LENGTH } from '../../server/search/schema.js';

/**
 * Full-text search attacked (API.md "Search", issue 21): what a bidder probing for what they may not
 * see, a careless deal team, a hostile file and a misconfigured operator would try. A word the
 * bidder may not find must read exactly as a word that exists nowhere — status, body and headers —
 * and what they may find must come back in the same order, with the same cursors, whatever else the
 * index holds.
 *
 * The world (test/support/world.ts, then): party A (Alpha, its advisor Lex) is granted Finance at
 * `view`, up to `confidential` and `pseudonymised`; its NDA covers Falcon GmbH only, and not its
 * representatives (advisorA is an uncovered member). Party B is granted Legal, covered for Falcon
 * Ltd. A second room, "Sale of Eagle", is no bidder's. An expert answers questions in the deal room.
 * Every PDF filed here carries the word "Dossier", so one search lists them all.
 */
let t: TestApp;
let deal: Deal;
let buyerA: Client;
let advisorA: Client;
let buyerB: Client;
let expert: Client;
let eagle: { id: string; path: string; folderId: string };

/** Each hiding place of a word, and the document that holds it there. */
const hidden = {} as Record<'otherParty' | 'draft' | 'classification' | 'personalData' | 'entity' | 'otherRoom', { word: string; id: string }>;
let kestrel: string;
let dataset: string;

const search = (client: Client, q: string, extra = '', roomPath = deal.roomPath) => client.get(`${roomPath}/search?q=${encodeURIComponent(q)}${extra}`);
const nowhere = () => `Nowhereword${randomUUID().slice(0, 8)}`;
function ids(res: request.Response): string[] {
  if (res.status !== 200) throw new Error(`expected a list of results, got ${res.status} ${res.text}`);
  return (res.body.items as Array<{ documentId: string }>).map((h) => h.documentId);
}

/**
 * Status, body byte for byte, and every header a client could tell apart — but the date, the
 * request id and the session cookie's rolling expiry, which change from one request to the next anyway.
 */
const observable = (res: request.Response) => ({
  status: res.status,
  body: res.text,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([k]) => !['date', 'x-request-id', 'set-cookie'].includes(k))),
});

/** What a database error or a stack would put in an answer. */
const LEAKY = /sqlite|fts5|syntax error|tsquery|to_tsquery|postgres|knex|select |relation "|stack|at .*\.ts:\d+/i;

/** A PDF with one page per text, each in `size`-point Helvetica, wrapped at `perLine` characters. */
async function pagesPdf(texts: string[], opts: { size?: number; perLine?: number } = {}): Promise<Buffer> {
  const size = opts.size ?? 11;
  const perLine = opts.perLine ?? 90;
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of texts) {
    const page = doc.addPage([595, 842]);
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(/\s+/)) {
      if (line && line.length + word.length + 1 > perLine) {
        lines.push(line);
        line = '';
      }
      line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    lines.forEach((l, i) => page.drawText(l, { x: 30, y: 810 - i * size * 1.25, size, font }));
  }
  return Buffer.from(await doc.save());
}

type Filing = { folderId?: string; entityId?: string; classification?: string; personalData?: string };
async function upload(name: string, data: Buffer, filing: Filing = {}, roomPath = deal.roomPath): Promise<string> {
  const res = await deal.manager.upload(`${roomPath}/documents`, { data, name }, {
    folderId: filing.folderId ?? deal.folders.finance.id,
    entityId: filing.entityId ?? deal.entities.gmbh.id,
    classification: filing.classification ?? 'standard',
    personalData: filing.personalData ?? 'none',
  });
  if (res.status !== 201) throw new Error(`upload of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}
const uploadText = async (name: string, texts: string[], filing: Filing = {}, roomPath = deal.roomPath) => upload(name, await pagesPdf(texts), filing, roomPath);

/** Every page a search gives `client`, following nextCursor: the items and the cursors, as the client saw them. */
async function allPages(client: Client, q: string, limit: number, roomPath = deal.roomPath) {
  const pages: Array<{ items: unknown[]; nextCursor: string | null }> = [];
  let cursor: string | null = null;
  do {
    const res = await search(client, q, `&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, roomPath);
    expect(res.status).toBe(200);
    pages.push(res.body);
    cursor = res.body.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

async function classify(documentId: string, columns: Array<{ name: string; role: string }>) {
  const res = await deal.manager.put(`/api/documents/${documentId}/dataset`, { columns });
  if (res.status !== 200) throw new Error(`classification: ${res.status} ${JSON.stringify(res.body)}`);
}

beforeAll(async () => {
  t = await startTestApp();
  deal = await buildDeal(t);
  await deal.grant({ partyId: deal.parties.A.id, folderId: deal.folders.finance.id, level: 'view', maxClassification: 'confidential', maxPersonalData: 'pseudonymised' });
  await deal.grant({ partyId: deal.parties.B.id, folderId: deal.folders.legal.id, level: 'view' });
  await deal.nda({ orgId: deal.orgs.alpha.id, entityIds: [deal.entities.gmbh.id], coversRepresentatives: false });
  await deal.nda({ orgId: deal.orgs.beta.id, entityIds: [deal.entities.ltd.id] });
  const expertUser = await deal.admin.post('/api/users', { email: 'expert@seller.example', name: 'Eva Expert', password: PASSWORD, orgId: deal.orgs.sellerOrgId, role: 'staff' });
  expect(expertUser.status).toBe(201);
  expect((await deal.manager.post(`${deal.roomPath}/staff`, { userId: expertUser.body.id, role: 'expert' })).status).toBe(201);
  expert = await Client.login(t.app, 'expert@seller.example', PASSWORD);
  buyerA = await deal.login('buyerA');
  advisorA = await deal.login('advisorA');
  buyerB = await deal.login('buyerB');

  // What A may find.
  kestrel = await uploadText('kestrel.pdf', ['Dossier: the Kestrel warehouse lease runs to 2031.', 'Dossier: the Kestrel lease may be extended twice.']);
  // The words A must never find, one hiding place each.
  hidden.otherParty = { word: 'Ocelot', id: await uploadText('side-letter.pdf', ['Dossier: Ocelot side letter for Bidder B.'], { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id }) };
  hidden.classification = { word: 'Mongoose', id: await uploadText('board-minutes.pdf', ['Dossier: Mongoose board minutes.'], { classification: 'highly_confidential' }) };
  hidden.personalData = { word: 'Narwhal', id: await uploadText('bonus-list.pdf', ['Dossier: Narwhal bonus list, by name.'], { personalData: 'identified' }) };
  hidden.entity = { word: 'Axolotl', id: await uploadText('ltd-lease.pdf', ['Dossier: Axolotl lease of Falcon Ltd.'], { entityId: deal.entities.ltd.id }) };
  expect((await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'draft' })).status).toBe(200);
  hidden.draft = { word: 'Tapir', id: await uploadText('draft-memo.pdf', ['Dossier: Tapir tax memo, not yet for bidders.']) };
  expect((await deal.manager.patch(deal.roomPath, { uploadsStartAs: 'published' })).status).toBe(200);
  const eagleRoom = await deal.manager.post('/api/rooms', { name: 'Sale of Eagle', entityIds: [deal.entities.outside.id], uploadsStartAs: 'published' });
  expect(eagleRoom.status).toBe(201);
  const eagleFolder = await deal.manager.post(`/api/rooms/${eagleRoom.body.id}/folders`, { name: 'Eagle data' });
  expect(eagleFolder.status).toBe(201);
  eagle = { id: eagleRoom.body.id, path: `/api/rooms/${eagleRoom.body.id}`, folderId: eagleFolder.body.id };
  hidden.otherRoom = { word: 'Lemming', id: await uploadText('eagle.pdf', ['Dossier: Lemming logistics of Eagle SA.'], { folderId: eagle.folderId, entityId: deal.entities.outside.id }, eagle.path) };

  // A dataset A may view (personal data shapes its delivery, it does not hide it): names (direct), birthplaces (quasi), departments.
  const csv = 'Name,Birthplace,Department\r\nQuillon Vasquez,Yarrowby,Hydroponics\r\nYsolde Brackenridge,Zinderholm,Apiculture\r\n';
  const ds = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from(csv), name: 'staff.csv' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'identified' });
  expect([ds.status, ds.body.kind]).toEqual([201, 'dataset']);
  dataset = ds.body.id;
  await classify(dataset, [
    { name: 'Name', role: 'direct' },
    { name: 'Birthplace', role: 'quasi' },
    { name: 'Department', role: 'none' },
  ]);
  await t.indexText();
}, 180_000);
afterAll(() => t?.close());

describe('a word the bidder may not find reads exactly as a word that exists nowhere', () => {
  const places = [
    ['another party’s granted document', 'otherParty', () => buyerB],
    ['a draft', 'draft', () => deal.manager],
    ['a document above the bidder’s classification', 'classification', () => deal.manager],
    ['a document above the bidder’s personal-data limit', 'personalData', () => deal.manager],
    ['a document of an entity their NDA does not cover', 'entity', () => deal.manager],
  ] as const;

  it.each(places)('a word only in %s', async (_where, key, finder) => {
    const { word, id } = hidden[key];
    // The word is indexed and found by who may view it: the test is about A, not about an empty index.
    expect(ids(await search(finder(), word))).toEqual([id]);
    const probed = await search(buyerA, word);
    const absent = await search(buyerA, nowhere());
    expect(probed.body).toMatchObject({ items: [], nextCursor: null });
    expect(observable(probed)).toEqual(observable(absent));
    // …also as one word among others A does find, and in quotes.
    expect(ids(await search(buyerA, `kestrel ${word}`))).toEqual([]);
    expect(observable(await search(buyerA, `"${word}"`))).toEqual(observable(await search(buyerA, `"${nowhere()}"`)));
  });

  it('a word only in another room: not found in this room, by a bidder or by the deal team, and the room it is in is a 404 to the bidder', async () => {
    const { word, id } = hidden.otherRoom;
    expect(ids(await search(deal.manager, word, '', eagle.path))).toEqual([id]);
    expect(observable(await search(buyerA, word))).toEqual(observable(await search(buyerA, nowhere())));
    expect((await search(deal.manager, word)).body).toMatchObject({ items: [], nextCursor: null });
    const there = await search(buyerA, word, '', eagle.path);
    const madeUp = await search(buyerA, word, '', `/api/rooms/${randomUUID()}`);
    expect(there.status).toBe(404);
    expect(observable(there)).toEqual(observable(madeUp));
  });

  it('a withdrawn document: found while it is published, and from the next request on as if it never existed', async () => {
    const id = await uploadText('forecast.pdf', ['Dossier: the Wombat forecast of 2026.']);
    await t.indexText();
    expect(ids(await search(buyerA, 'wombat'))).toEqual([id]);
    expect((await deal.manager.post(`/api/documents/${id}/withdraw`, { reason: 'superseded' })).status).toBe(200);
    expect(observable(await search(buyerA, 'wombat'))).toEqual(observable(await search(buyerA, nowhere())));
    // Staff still find it: its words stay indexed, hidden by the rule alone.
    expect(ids(await search(deal.manager, 'wombat'))).toEqual([id]);
  });

  it("a dataset's personal-data values (direct and quasi) are never indexed; its other values are found", async () => {
    expect((await search(buyerA, 'hydroponics')).body.items.map((h: { documentId: string; page: number }) => [h.documentId, h.page])).toEqual([[dataset, 1]]);
    expect(ids(await search(buyerA, 'apiculture'))).toEqual([dataset]);
    for (const value of ['Quillon', 'Vasquez', 'Brackenridge', 'Yarrowby', 'Zinderholm', '"Quillon Vasquez"']) {
      expect({ value, ...observable(await search(buyerA, value)) }).toEqual({ value, ...observable(await search(buyerA, nowhere())) });
      // Not even the deal team finds them: they are not in the index at all.
      expect({ value, items: (await search(deal.manager, value)).body.items }).toEqual({ value, items: [] });
    }
    // The snippet of what is found carries no personal value beside it.
    const hit = (await search(buyerA, 'hydroponics')).body.items[0];
    expect(hit.snippet).not.toMatch(/Quillon|Vasquez|Yarrowby|Brackenridge|Zinderholm/);
  });

  it("a dataset whose rows are scoped to entities: a value only in rows of an entity the bidder's NDA does not cover is not found", async () => {
    const csv = 'Entity,Department\r\nFalcon GmbH,Vermiculture\r\nFalcon Ltd,Aquaponics\r\n';
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from(csv), name: 'by-entity.csv' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
    expect(res.status).toBe(201);
    const classified = await deal.manager.put(`/api/documents/${res.body.id}/dataset`, {
      columns: [{ name: 'Entity', role: 'none' }, { name: 'Department', role: 'none' }],
      entityColumn: { name: 'Entity' },
      entityMap: { 'Falcon GmbH': deal.entities.gmbh.id, 'Falcon Ltd': deal.entities.ltd.id },
    });
    expect(classified.status).toBe(200);
    await t.indexText();
    // A views the dataset (its GmbH rows), and its sheet is found by its column's name.
    expect((await buyerA.get(`/api/documents/${res.body.id}/rows`)).status).toBe(200);
    expect(ids(await search(buyerA, 'department')).includes(res.body.id)).toBe(true);
    expect(observable(await search(buyerA, 'aquaponics'))).toEqual(observable(await search(buyerA, nowhere())));
  });

  it('a careless deal team: values of a dataset nobody has classified are not indexed, and a column marked personal after indexing is gone at once', async () => {
    const csv = 'Code,Region\r\nPX1,Quokkaland\r\nPX2,Marmotshire\r\n';
    const res = await deal.manager.upload(`${deal.roomPath}/documents`, { data: Buffer.from(csv), name: 'regions.csv' }, { folderId: deal.folders.finance.id, entityId: deal.entities.gmbh.id, classification: 'standard', personalData: 'none' });
    expect(res.status).toBe(201);
    await t.indexText();
    expect((await search(deal.manager, 'quokkaland')).body.items).toEqual([]);
    await classify(res.body.id, [{ name: 'Region', role: 'none' }, { name: 'Code', role: 'none' }]);
    await t.indexText();
    expect(ids(await search(buyerA, 'quokkaland'))).toEqual([res.body.id]);
    // Told now that Region names people: its values leave the index with the classification, before any extraction runs.
    await classify(res.body.id, [{ name: 'Region', role: 'quasi' }, { name: 'Code', role: 'none' }]);
    expect((await search(deal.manager, 'quokkaland')).body.items).toEqual([]);
    await t.indexText();
    expect((await search(deal.manager, 'quokkaland')).body.items).toEqual([]);
    expect(observable(await search(buyerA, 'marmotshire'))).toEqual(observable(await search(buyerA, nowhere())));
  });
});

describe('what the bidder may not view moves nothing of what they find', () => {
  // FTS5's bm25 weighs a page against the whole index: how many pages hold each word (IDF) and the
  // average page length, over every page of every room, those the caller cannot view included. Ranked
  // by it, the order of what a bidder finds told them that hidden pages hold a word, or are long
  // (this suite found it). Pages are now scored by their own text alone on both databases
  // (text-index.ts pageScore; PostgreSQL's ts_rank_cd). Both tests flip the order under bm25.
  it('a word held many times by long pages the bidder may not view (another party’s, a draft, above their classification) changes neither the order nor the cursors of what they find', async () => {
    // A short page naming Heron once, a long one naming it three times, a short one twice: ranked by these pages alone.
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `clause${i % 50}`).join(' ');
    await uploadText('heron-note.pdf', ['Dossier Heron clause.']);
    await uploadText('heron-survey.pdf', [`Dossier Heron ${filler(40)} Heron ${filler(40)} Heron ${filler(35)}`]);
    await uploadText('heron-pair.pdf', ['Dossier Heron and Heron again.']);
    await t.indexText();
    const before = [await allPages(buyerA, 'heron', 1), await allPages(buyerA, 'heron', 2)];
    expect(before[0].flatMap((p) => p.items)).toHaveLength(3);

    // Pages of 2,000 words, a tenth of them Heron, where A may not look.
    const longPage = Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? 'Heron' : `word${i % 97}`)).join(' ');
    const dense = await pagesPdf(Array(6).fill(longPage), { size: 4, perLine: 230 });
    const hiddenHerons = [
      await upload('heron-dossier.pdf', dense, { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id }),
      await upload('heron-minutes.pdf', dense, { classification: 'highly_confidential' }),
    ];
    await t.indexText();
    // The hidden pages are indexed: the deal team finds them.
    const staff = (await search(deal.manager, 'heron', '&limit=100')).body.items as Array<{ documentId: string }>;
    expect(hiddenHerons.every((id) => staff.some((h) => h.documentId === id))).toBe(true);

    const after = [await allPages(buyerA, 'heron', 1), await allPages(buyerA, 'heron', 2)];
    expect(after).toEqual(before);
  });

  it("another room's documents change nothing of this room's ranking", async () => {
    // Two pages of the same length holding the same two words, each one more often than the other;
    // a third page makes Juniper the commoner word of the index, so bm25 puts Saffron's page first.
    const first = await uploadText('saffron.pdf', ['Dossier Saffron saffron saffron juniper.']);
    const second = await uploadText('juniper.pdf', ['Dossier Juniper juniper juniper saffron.']);
    await uploadText('juniper-only.pdf', ['Dossier Juniper berries elsewhere.']);
    await t.indexText();
    const before = await allPages(buyerA, 'saffron juniper', 1);
    // (On SQLite Saffron's page comes first; PostgreSQL ties them, having no IDF, and orders them by id.)
    expect(before.flatMap((p) => p.items).map((h) => (h as { documentId: string }).documentId).sort()).toEqual([first, second].sort());
    // Forty pages of Saffron in a room A is not even a member of.
    await upload('eagle-saffron.pdf', await pagesPdf(Array.from({ length: 40 }, (_, i) => `Dossier Saffron harvest ${i}.`)), { folderId: eagle.folderId, entityId: deal.entities.outside.id }, eagle.path);
    await t.indexText();
    expect((await search(deal.manager, 'saffron', '&limit=100', eagle.path)).body.items).toHaveLength(40);
    expect(await allPages(buyerA, 'saffron juniper', 1)).toEqual(before);
  });

  it('a hidden document changes no page of results: the same query pages alike with and without it (no gaps, no extra page)', async () => {
    const before = await allPages(buyerA, 'dossier', 2);
    await uploadText('dossier-hidden.pdf', ['Dossier Dossier Dossier Dossier Dossier Dossier.', 'Dossier again.'], { folderId: deal.folders.legal.id, entityId: deal.entities.ltd.id });
    await uploadText('dossier-secret.pdf', ['Dossier Dossier Dossier.'], { classification: 'highly_confidential' });
    await t.indexText();
    const after = await allPages(buyerA, 'dossier', 2);
    // Page sizes and cursors alike; the set of documents alike (their order is bm25's: see the tests above).
    expect(after.map((p) => [p.items.length, p.nextCursor])).toEqual(before.map((p) => [p.items.length, p.nextCursor]));
    const docsOf = (pages: typeof before) => pages.flatMap((p) => p.items.map((h) => JSON.stringify([(h as { documentId: string }).documentId, (h as { page: number }).page]))).sort();
    expect(docsOf(after)).toEqual(docsOf(before));
  });
});

describe('the room-wide refusals, as the document list gives them', () => {
  it('an expert (answers questions, reads no content) gets the 404 of a room that does not exist', async () => {
    const list = await expert.get(`${deal.roomPath}/documents`);
    const searched = await search(expert, 'kestrel');
    expect({ status: searched.status, body: searched.body }).toEqual({ status: list.status, body: list.body });
    expect(searched.status).toBe(404);
    expect(observable(searched)).toEqual(observable(await search(expert, 'kestrel', '', `/api/rooms/${randomUUID()}`)));
    // Whatever the word: the answer does not depend on the index.
    expect(observable(await search(expert, nowhere()))).toEqual(observable(searched));
  });

  it('an uncovered member gets 403 nda_required, whatever the word, as their document list does', async () => {
    const list = await advisorA.get(`${deal.roomPath}/documents`);
    const searched = await search(advisorA, 'kestrel');
    expect(searched.status).toBe(403);
    expect(searched.body.error.code).toBe('nda_required');
    expect({ status: searched.status, body: searched.body }).toEqual({ status: list.status, body: list.body });
    expect(observable(await search(advisorA, nowhere()))).toEqual(observable(searched));
    expect(observable(await search(advisorA, 'Ocelot'))).toEqual(observable(searched));
  });

  it('a made-up room id is the same 404 as a real room the caller cannot see; a malformed one is never a 500', async () => {
    for (const client of [buyerA, buyerB, advisorA]) {
      const real = await search(client, 'kestrel', '', eagle.path);
      const madeUp = await search(client, 'kestrel', '', `/api/rooms/${randomUUID()}`);
      expect(real.status).toBe(404);
      expect(observable(real)).toEqual(observable(madeUp));
    }
    for (const room of ['not-a-uuid', '%00', "1' or '1'='1", '..%2F..%2Fetc']) {
      const res = await buyerA.get(`/api/rooms/${room}/search?q=kestrel`);
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toMatch(LEAKY);
    }
  });
});

describe('cursors', () => {
  /** A 400 naming `cursor` alone, or a page of the caller's own results: never a 500, never anyone else's. */
  async function harmless(client: Client, cursor: string, mine: Set<string>) {
    const res = await client.get(`${deal.roomPath}/search?q=dossier&limit=5&cursor=${encodeURIComponent(cursor)}`);
    expect(res.text).not.toMatch(LEAKY);
    if (res.status === 400) {
      expect({ cursor, details: Object.keys(res.body.error.details ?? {}) }).toEqual({ cursor, details: ['cursor'] });
      return res;
    }
    expect({ cursor, status: res.status }).toEqual({ cursor, status: 200 });
    for (const id of ids(res)) expect({ cursor, id, mine: mine.has(id) }).toEqual({ cursor, id, mine: true });
    return res;
  }
  const b64 = (s: string) => Buffer.from(s).toString('base64url');

  it('a tampered cursor is a 400 naming cursor or a page of the caller\'s own results', async () => {
    const mine = new Set((await search(buyerA, 'dossier', '&limit=100')).body.items.map((h: { documentId: string }) => h.documentId) as string[]);
    const tampered = [
      b64('-1'), b64('-5'), b64('-0'), b64('1e3'), b64('1e300'), b64('0x10'), b64('1.5'), b64('NaN'), b64('Infinity'), b64(' '), b64('10000'), b64('10001'),
      b64('99999999999'), b64('2147483648'), b64('9007199254740993'), b64("1' OR 1=1"), b64('1;--'), b64('{"offset":0}'),
      'AAAA', '____', '-', '_', 'A', 'zzzzzzzzzzzzzzzz', 'a'.repeat(17), 'MQ==', 'MQ%3D%3D', 'M+Q/', '../..', '%00', '', ' ',
    ];
    for (const cursor of tampered) await harmless(buyerA, cursor, mine);
    // The biggest offset allowed is a page past the end, not someone else's: empty, no next page.
    expect((await harmless(buyerA, b64('10000'), mine)).body).toMatchObject({ items: [], nextCursor: null });
    // Two cursors, or one as an object: the field is named, nothing breaks.
    for (const query of ['cursor=MQ&cursor=Mg', 'cursor[]=MQ', 'cursor[a]=MQ']) {
      const res = await buyerA.get(`${deal.roomPath}/search?q=dossier&${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.text).not.toMatch(LEAKY);
    }
  });

  it("a cursor replayed by another user, in another room, or with other words gives that caller's own results, never the first caller's", async () => {
    const first = await search(buyerA, 'dossier', '&limit=1');
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const bOwn = new Set((await search(buyerB, 'dossier', '&limit=100')).body.items.map((h: { documentId: string }) => h.documentId) as string[]);
    await harmless(buyerB, cursor, bOwn);
    // B's second page through A's cursor is B's second page: the cursor carries nothing of A.
    expect((await search(buyerB, 'dossier', `&limit=1&cursor=${cursor}`)).body).toEqual((await search(buyerB, 'dossier', `&limit=1&cursor=${(await search(buyerB, 'dossier', '&limit=1')).body.nextCursor}`)).body);
    // In another room: that room's answer for the caller (404 to A, the manager's own results there).
    const inEagle = await search(buyerA, 'dossier', `&limit=1&cursor=${cursor}`, eagle.path);
    expect(observable(inEagle)).toEqual(observable(await search(buyerA, 'dossier', `&limit=1&cursor=${cursor}`, `/api/rooms/${randomUUID()}`)));
    const staffInEagle = await search(deal.manager, 'dossier', `&limit=100&cursor=${cursor}`, eagle.path);
    expect(staffInEagle.status).toBe(200);
    const eagleDocs = new Set((await deal.manager.get(`${eagle.path}/documents`)).body.items.map((d: { id: string }) => d.id));
    expect(ids(staffInEagle).every((id) => eagleDocs.has(id))).toBe(true);
    // The expert and the uncovered member: their room-wide refusal, cursor or not.
    expect(observable(await search(expert, 'dossier', `&cursor=${cursor}`))).toEqual(observable(await search(expert, 'dossier')));
    expect(observable(await search(advisorA, 'dossier', `&cursor=${cursor}`))).toEqual(observable(await search(advisorA, 'dossier')));
  });
});

describe('query garbage: never a 500, never a database error, a 400 naming q or a normal answer', () => {
  const queries: Array<[string, string]> = [
    ['a lone double quote', '"'],
    ['a star', '*'],
    ['a prefix star', 'kest*'],
    ['NEAR(', 'NEAR('],
    ['NEAR with a distance', 'NEAR(kestrel lease, 2)'],
    ['boolean operators alone', 'AND OR NOT'],
    ['boolean operators around a word', 'NOT kestrel OR AND'],
    ['a column filter', 'text:kestrel'],
    ['a column filter on an unindexed column', 'document_id:kestrel'],
    ['a column set', '{text document_id}: kestrel'],
    ['a caret', '^kestrel'],
    ['parentheses', '((kestrel) OR (lease'],
    ['unbalanced parentheses', ')))((('],
    ['tsquery operators', "kestrel & !lease | <-> <2> :* :A"],
    ['a plus and a minus', '+kestrel -lease'],
    ['SQL comment and quote', "kestrel'; --"],
    ['SQL union', "' UNION SELECT id, password_hash FROM users --"],
    ['SQL boolean', "' OR '1'='1"],
    ['LIKE wildcards', '%_%'],
    ['backslashes', '\\\\ \\" \\\''],
    ['a placeholder', '? $1 :name @p'],
    ['only stop words', 'the and of a to in'],
    ['only stop words in quotes', '"the of"'],
    ['emoji', '🦅🔥💶'],
    ['emoji beside a word', '🦅kestrel🔥'],
    ['NUL before a word', '\u0000kestrel'],
    ['control characters', '\u0001\u0002\u0007\u001b[31mkestrel\u007f'],
    ['the snippet markers themselves', '\u0001kestrel\u0002'],
    ['right-to-left override', '\u202Ekestrel\u202C'],
    ['right-to-left marks', '\u200Fkestrel\u200E'],
    ['zero-width joiners', 'kes\u200Dtrel'],
    ['a combining accent alone', '\u0301'],
    ['decomposed accents', 'Ku\u0308ndigung'],
    ['a dotted capital I', 'İstanbul'],
    ['a ligature', 'ﬁnance'],
    ['circled and Arabic digits', '①② ٣٤'],
    ['Devanagari', 'हिन्दी'],
    ['CJK', '東京 株式会社'],
    ['a word of 200 letters', 'k'.repeat(200)],
    ['300 one-letter words', Array(300).fill('a').join(' ').slice(0, MAX_QUERY_LENGTH)],
    ['the longest query taken', 'kestrel '.repeat(80).slice(0, MAX_QUERY_LENGTH)],
    ['quotes nested and unclosed', '""kestrel" "lease'],
    ['HTML', '<mark>kestrel</mark><script>alert(1)</script>'],
  ];

  it.each(queries)('%s', async (_what, q) => {
    const res = await search(buyerA, q);
    expect(res.status).not.toBe(500);
    expect(res.text).not.toMatch(LEAKY);
    if (res.status === 400) {
      expect(Object.keys(res.body.error.details ?? {})).toEqual(['q']);
      return;
    }
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['items', 'nextCursor']));
    // Whatever was typed, nothing hidden comes back: only documents A's own document list shows
    // (not only the dossier pages: "ﬁnance" finds finance.pdf, folded by unaccent on PostgreSQL).
    const listed = await buyerA.get(`${deal.roomPath}/documents`);
    expect(listed.body.nextCursor).toBeNull();
    const viewable = new Set(listed.body.items.map((d: { id: string }) => d.id));
    expect(ids(res).filter((id) => !viewable.has(id))).toEqual([]);
  });

  it('the plain words of a query full of syntax are still found', async () => {
    for (const q of ['kestrel*', '^kestrel', '((kestrel)) *', 'kestrel:', '"kestrel', '\u202Ekestrel\u202C', '\u0001kestrel\u0002', '🦅kestrel🔥', "kestrel'; --", '<kestrel>']) {
      expect({ q, found: ids(await search(buyerA, q)) }).toEqual({ q, found: [kestrel, kestrel] });
    }
  });

  it.each([
    ['10,000 characters', `q=${encodeURIComponent('kestrel '.repeat(1250))}`],
    ['one character over the limit', `q=${'k'.repeat(MAX_QUERY_LENGTH + 1)}`],
    ['two q', 'q=kestrel&q=lease'],
    ['q as a list', 'q[]=kestrel'],
    ['q as an object', 'q[a]=kestrel'],
    ['blank', 'q=%20%09%0A'],
  ])('%s: 400 naming q', async (_what, query) => {
    const res = await buyerA.get(`${deal.roomPath}/search?${query}`);
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(LEAKY);
    // An array or object q arrives under its own name with the simple parser ("q[]"): every field named is the q sent.
    const named = Object.keys(res.body.error.details ?? {});
    expect(named.length).toBeGreaterThan(0);
    for (const field of named) expect(field).toMatch(/^q\b/);
  });

  it.each([
    ['a lone surrogate, UTF-8 encoded', 'q=%ED%A0%80'],
    ['a truncated emoji', 'q=%F0%9F%A6kestrel'],
    ['invalid UTF-8', 'q=%FF%FEkestrel'],
    ['a malformed percent escape', 'q=kestrel%'],
    ['a percent escape of nothing', 'q=%zzkestrel'],
    ['NUL', 'q=%00'],
  ])('%s: never a 500', async (_what, query) => {
    const res = await buyerA.get(`${deal.roomPath}/search?${query}`);
    expect([200, 400]).toContain(res.status);
    expect(res.text).not.toMatch(LEAKY);
    if (res.status === 400) expect(Object.keys(res.body.error.details ?? {})).toEqual(['q']);
  });
});

/** A one-page PDF whose text layer maps `{` to U+0001 and `}` to U+0002 (its /ToUnicode), and `|` to NUL: the snippet markers of text-index.ts. */
function markerPdf(lines: string[]): Buffer {
  const toUnicode = [
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Markers-UCS def /CMapType 2 def',
    '1 begincodespacerange <00> <FF> endcodespacerange',
    '3 beginbfchar <7B> <0001> <7D> <0002> <7C> <0000> endbfchar',
    'endcmap CMapName currentdict /CMap defineresource pop end end',
  ].join('\n');
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = lines.map((line, i) => `BT /F1 11 Tf 40 ${780 - i * 16} Td (${escape(line)}) Tj ET`).join('\n');
  return writePdf([
    { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
    { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { num: 3, body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>' },
    { num: 4, body: streamBody('', content) },
    { num: 5, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>' },
    { num: 6, body: streamBody('', toUnicode) },
  ], '/Root 1 0 R');
}

describe('hostile files', () => {
  it('a text layer holding the snippet markers and HTML: the snippet is plain text and every highlight is inside it, on the word searched', async () => {
    const id = await upload('markers.pdf', markerPdf([
      'Dossier: escrow held by {Kestrelmark} and |Gannet| until closing.',
      '{{{ }}} {Gannet} }Gannet{ <mark>Gannet</mark> <b>bold</b> &amp; <script>alert(1)</script>',
      'A {longer} tail so the {snippet} has {markers} on both {sides} of the {hits}.',
    ]));
    await t.indexText();
    expect((await deal.manager.get(`/api/documents/${id}`)).body.textStatus).toBe('indexed');
    for (const word of ['Kestrelmark', 'Gannet', 'snippet']) {
      const res = await search(buyerA, word);
      expect({ word, status: res.status }).toEqual({ word, status: 200 });
      const hits = (res.body.items as Array<{ documentId: string; snippet: string; highlights: Array<[number, number]> }>).filter((h) => h.documentId === id);
      expect({ word, hits: hits.length }).toEqual({ word, hits: 1 });
      const [{ snippet, highlights }] = hits;
      expect(snippet).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(highlights.length).toBeGreaterThan(0);
      for (const [start, end] of highlights) {
        expect(Number.isInteger(start) && Number.isInteger(end)).toBe(true);
        expect(0 <= start && start < end && end <= snippet.length).toBe(true);
        expect({ word, hit: snippet.slice(start, end).toLowerCase() }).toEqual({ word, hit: word.toLowerCase() });
      }
      // Highlights in order and apart: a client can wrap each without nesting.
      for (let i = 1; i < highlights.length; i++) expect(highlights[i][0]).toBeGreaterThanOrEqual(highlights[i - 1][1]);
    }
    // The words the markers stood beside are whole words: "{Kestrelmark}" is found as Kestrelmark, and its neighbours are not glued to it.
    expect(ids(await search(buyerA, '"by kestrelmark and"')).includes(id)).toBe(true);
  }, 60_000);

  it('a garbage text layer (glyphs mapped to private-use code points) is read by OCR; its garbage never reaches a snippet', async () => {
    const toUnicode = [
      '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Garbage-UCS def /CMapType 2 def',
      '1 begincodespacerange <00> <FF> endcodespacerange',
      '1 beginbfrange <41> <7A> <E041> endbfrange',
      'endcmap CMapName currentdict /CMap defineresource pop end end',
    ].join('\n');
    const content = ['BT /F1 24 Tf 72 720 Td (Vendor due diligence report 2024) Tj ET', 'BT /F1 24 Tf 72 680 Td (Dossier of the Pangolin division) Tj ET'].join('\n');
    const id = await upload('garbage-layer.pdf', writePdf([
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
      { num: 3, body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>' },
      { num: 4, body: streamBody('', content) },
      { num: 5, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>' },
      { num: 6, body: streamBody('', toUnicode) },
    ], '/Root 1 0 R'));
    await t.indexText();
    expect((await deal.manager.get(`/api/documents/${id}`)).body.textStatus).toBe('indexed');
    const res = await search(buyerA, 'pangolin');
    expect(ids(res)).toEqual([id]);
    expect(res.body.items[0].snippet).not.toMatch(/[\uE000-\uF8FF\uFFFD]/u);
  }, 120_000);

  it('a document whose extraction fails (every page past its OCR budget): textStatus failed with a reason, and the document is still served', async () => {
    const scan = await pdfOfPages([{ kind: 'scan', lines: ['Dossier of the Capybara carve-out, scanned.'] }]);
    const id = await upload('scanned-carve-out.pdf', scan);
    // A page whose OCR would take minutes, made by a budget no page meets: the operator's setting, read at extraction.
    const budget = t.config.textIndex.ocrPageTimeoutMs;
    t.config.textIndex.ocrPageTimeoutMs = 50;
    try {
      await t.indexText();
    } finally {
      t.config.textIndex.ocrPageTimeoutMs = budget;
    }
    const staffView = await deal.manager.get(`/api/documents/${id}`);
    expect(staffView.body.textStatus).toBe('failed');
    expect(staffView.body.textReason).toMatch(/\w/);
    expect((await buyerA.get(`/api/documents/${id}`)).body.textStatus).toBe('failed');
    // Still served: the manager's download, A's view (A has `view`), and listed to A.
    expect((await deal.manager.get(`/api/documents/${id}/content`)).status).toBe(200);
    const viewed = await buyerA.get(`/api/documents/${id}/content?disposition=inline`);
    expect(viewed.status).toBe(200);
    expect(viewed.headers['content-type']).toMatch(/^application\/pdf/);
    expect((await buyerA.get(`${deal.roomPath}/documents`)).body.items.map((d: { id: string }) => d.id)).toContain(id);
    // Its words are simply not found, and searching is not broken by it.
    expect((await search(deal.manager, 'capybara')).body.items).toEqual([]);
    expect(ids(await search(buyerA, 'kestrel'))).toEqual([kestrel, kestrel]);
  }, 120_000);
});

describe('the ledger', () => {
  it('records every search, allowed and refused, with the words', async () => {
    const words = `Ledgerprobe${randomUUID().slice(0, 6)}`;
    expect((await search(buyerA, words)).status).toBe(200);
    expect((await search(advisorA, words)).status).toBe(403);
    expect((await search(expert, words)).status).toBe(404);
    expect((await search(buyerA, words, '', eagle.path)).status).toBe(404);
    const madeUpRoom = randomUUID();
    expect((await search(buyerB, words, '', `/api/rooms/${madeUpRoom}`)).status).toBe(404);
    await afterResponseTasksSettled(t.db);

    // The room's trail, as counsel reads it: A's search and the uncovered member's refusal.
    const trail = (await deal.counsel.get(`${deal.roomPath}/audit?action=document.search&limit=1000`)).body.items as Array<{ actorId: string; decision: string; details: Record<string, unknown> }>;
    const inTrail = (actorId: string, decision: string) => trail.some((e) => e.actorId === actorId && e.decision === decision);
    expect(inTrail(deal.users.buyerA.id, 'allow')).toBe(true);
    expect(trail.find((e) => e.actorId === deal.users.buyerA.id && e.details.q === words)).toBeDefined();
    expect(inTrail(deal.users.advisorA.id, 'deny')).toBe(true);

    // Refusals of a room the caller cannot see are not the room's to show (that would tell them apart): the ledger has them.
    const refused = async (actorId: string, subjectId: string) =>
      t.db('auditEvents').where({ actorId, action: 'document.search', decision: 'deny', subjectId }).count({ n: '*' }).first();
    expect(Number((await refused(expert.user.id, deal.room.id))!.n)).toBeGreaterThan(0);
    expect(Number((await refused(deal.users.buyerA.id, eagle.id))!.n)).toBeGreaterThan(0);
    expect(Number((await refused(deal.users.buyerB.id, madeUpRoom))!.n)).toBe(1);
  });
});

describe("the caller's own numbering", () => {
  it('a search names each document by the number the caller reads in their list: no gap where a hidden document sits, staff read the true ones', async () => {
    const listed = async (client: Client) => new Map(((await client.get(`${deal.roomPath}/documents`)).body.items as Array<{ id: string; index: string }>).map((d) => [d.id, d.index]));
    const check = async () => {
      const list = await listed(buyerA);
      const hits = (await search(buyerA, 'dossier', '&limit=100')).body.items as Array<{ documentId: string; index: string }>;
      expect(hits.length).toBeGreaterThan(3);
      for (const h of hits) expect({ id: h.documentId, index: h.index }).toEqual({ id: h.documentId, index: list.get(h.documentId) });
      // A's numbers in Finance run 1.1, 1.2, … without a gap, and the search names no other.
      const finance = [...list.values()].filter((i) => /^1\.\d+$/.test(i)).map((i) => Number(i.split('.')[1])).sort((a, b) => a - b);
      expect(finance).toEqual(finance.map((_, i) => i + 1));
      const named = new Set(hits.map((h) => h.index));
      for (const index of named) expect([...list.values()]).toContain(index);
      return hits;
    };
    const hits = await check();
    // Hidden documents sit between A's in Finance: the deal team's numbers for the same documents differ.
    const staff = await listed(deal.manager);
    expect(hits.some((h) => staff.get(h.documentId) !== h.index)).toBe(true);
    // Withdrawing one of A's documents renumbers the rest for A, in search as in the list, from the next request.
    const firstOfA = hits.filter((h) => /^1\.\d+$/.test(h.index)).sort((a, b) => Number(a.index.split('.')[1]) - Number(b.index.split('.')[1]))[0]!;
    expect((await deal.manager.post(`/api/documents/${firstOfA.documentId}/withdraw`, { reason: 'superseded' })).status).toBe(200);
    const after = await check();
    expect(after.some((h) => h.documentId === firstOfA.documentId)).toBe(false);
  });
});
